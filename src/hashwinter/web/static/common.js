// Shared helpers of the pages: API calls that turn problem+json into readable errors.
"use strict";

class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "error");
    this.problem = problem;
  }
}

async function api(path, options) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    throw new ApiError(typeof body === "object" ? body : {detail: String(body)});
  }
  return body;
}

function postJson(path, body) {
  return api(path, {method: "POST", headers: {"Content-Type": "application/json"},
                    body: JSON.stringify(body)});
}

// Each error of a problem on its own line, naming its field (and line in the file).
function showErrors(element, error) {
  element.innerHTML = "";
  if (!error) return;
  const problem = error.problem || {detail: String(error)};
  const items = (problem.errors && problem.errors.length) ? problem.errors : [problem];
  const list = document.createElement("ul");
  for (const item of items) {
    const li = document.createElement("li");
    const where = item.field || item.parameter || (item.pointer ? item.pointer.slice(1) : "");
    const line = item.line ? ` (line ${item.line})` : "";
    li.textContent = (where ? `${where}${line}: ` : "") + (item.detail || "");
    li.dataset.field = where;
    list.appendChild(li);
  }
  element.appendChild(list);
}

function fmt(x, digits) {
  if (x === null || x === undefined) return "—";
  return Number(x).toLocaleString("en-US", {maximumFractionDigits: digits ?? 0,
                                            minimumFractionDigits: digits ?? 0});
}

async function pollJob(id, onProgress) {
  for (;;) {
    const job = await api(`/api/v1/jobs/${id}`);
    onProgress(job);
    if (["done", "failed", "cancelled"].includes(job.state)) return job;
    await new Promise(r => setTimeout(r, 400));
  }
}

async function drawCharts(container, id) {
  const {charts} = await api(`/api/v1/jobs/${id}/charts`);
  container.innerHTML = "";
  charts.forEach((fig, i) => {
    const div = document.createElement("div");
    div.className = "chart";
    div.id = `chart-${i}`;
    container.appendChild(div);
    Plotly.newPlot(div, fig.data, fig.layout, {displaylogo: false, responsive: true});
  });
}
