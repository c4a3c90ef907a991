// The scenario page: run an example farm scenario, show risk per farm and its fan charts.
"use strict";

const el = id => document.getElementById(id);
let current = null;
const pct = x => (x === null || x === undefined) ? "—" : `${(x * 100).toFixed(1)} %`;

function riskTable(farms) {
  const ruin = Object.keys(farms[0]).filter(k => k.startsWith("ruin_"));
  const vars = Object.keys(farms[0]).filter(k => k.startsWith("var_") || k.startsWith("cvar_"));
  const head = ["farm", "paths", "P&L mean", "P&L 5 %", "P&L median", "P(loss)",
                ...vars.map(v => v.replace("_", " ").toUpperCase()),
                ...ruin.map(r => `P(broke) ${r.slice(5)}`)];
  el("risk").querySelector("thead").innerHTML = "<tr>" + head.map(h => `<th>${h}</th>`).join("") + "</tr>";
  el("risk").querySelector("tbody").innerHTML = farms.map(f => "<tr>" + [
    f.farm, fmt(f.paths), fmt(f.pnl_mean), fmt(f.pnl_q5), fmt(f.pnl_q50), pct(f.p_loss),
    ...vars.map(v => fmt(f[v])), ...ruin.map(r => pct(f[r]))].map(c => `<td>${c}</td>`).join("") + "</tr>").join("");
}

async function run() {
  const body = {example: el("example").value, paths: Number(el("paths").value)};
  if (el("horizon").value) body.horizon_days = Number(el("horizon").value);
  if (el("seed").value) body.seed = Number(el("seed").value);
  if (el("sigma").value) body.sigma_per_day = Number(el("sigma").value);
  el("charts").innerHTML = "";
  let job;
  try { job = await postJson("/api/v1/scenarios", body); }
  catch (error) { showErrors(el("errors"), error); return; }
  showErrors(el("errors"), null);
  current = job.id; el("cancel").disabled = false; el("progress").hidden = false;
  job = await pollJob(job.id, j => {
    const p = j.progress;
    el("progress").value = p ? p.fraction : 0;
    el("status").textContent = `job ${j.id.slice(0, 8)}: ${j.state}` + (p ? ` (${p.done}/${p.total} ${p.stage})` : "");
  });
  el("cancel").disabled = true;
  if (job.state === "failed") { showErrors(el("errors"), {problem: job.error}); return; }
  if (job.state !== "done") return;
  const result = await api(`/api/v1/jobs/${job.id}/result`);
  riskTable(result.summary.farms);
  await drawCharts(el("charts"), job.id);
  document.body.dataset.done = job.id;
}

async function init() {
  const list = await api("/api/v1/scenarios/examples");
  for (const ex of list) {
    const o = document.createElement("option"); o.value = ex.name; o.textContent = ex.title;
    o.dataset.description = ex.description; el("example").appendChild(o);
  }
  if (list.some(ex => ex.name === "winter_farms")) el("example").value = "winter_farms";
  const describe = () => { const o = el("example").selectedOptions[0]; el("description").textContent = o ? o.dataset.description : ""; };
  el("example").addEventListener("change", describe); describe();
  el("run").addEventListener("click", run);
  el("cancel").addEventListener("click", () => current && postJson(`/api/v1/jobs/${current}/cancel`, {}));
  document.body.dataset.ready = "1";
}

init();
