// The farm page: pick or upload a farm, check it, run its backtest, watch it, see its charts.
"use strict";

const el = id => document.getElementById(id);
let examples = {};
let current = null;

function setDates(info) {
  if (info.start) el("from").value = info.start;
  if (info.end) el("to").value = info.end;
}

async function validate() {
  try {
    const info = await postJson("/api/v1/farms/validate", {toml: el("toml").value});
    showErrors(el("errors"), null);
    el("status").textContent = `${info.name}: ${fmt(info.machines)} machines at ` +
      `${info.sites.length} site(s), money in ${info.currency}. The file is valid.`;
    setDates(info);
    return info;
  } catch (error) {
    showErrors(el("errors"), error);
    el("status").textContent = "The file has problems (each names its field and line).";
    return null;
  }
}

function card(label, value) {
  return `<div class="card"><div class="k">${label}</div><div class="v">${value}</div></div>`;
}

async function run() {
  const body = {toml: el("toml").value};
  if (el("from").value) body.start = el("from").value;
  if (el("to").value) body.end = el("to").value;
  if (el("currency").value.trim()) body.currency = el("currency").value.trim();
  el("cards").innerHTML = ""; el("charts").innerHTML = "";
  let job;
  try {
    job = await postJson("/api/v1/backtests", body);
  } catch (error) {
    showErrors(el("errors"), error);
    return;
  }
  showErrors(el("errors"), null);
  current = job.id;
  el("cancel").disabled = false;
  el("progress").hidden = false;
  job = await pollJob(job.id, j => {
    const p = j.progress;
    el("progress").value = p ? p.fraction : 0;
    el("status").textContent = `job ${j.id.slice(0, 8)}: ${j.state}` +
      (p ? ` (${p.done}/${p.total} ${p.stage})` : "") + (j.note ? ` — ${j.note}` : "");
  });
  el("cancel").disabled = true;
  if (job.state === "failed") { showErrors(el("errors"), {problem: job.error}); return; }
  if (job.state !== "done") return;
  const result = await api(`/api/v1/jobs/${job.id}/result`);
  const s = result.summary;
  el("cards").innerHTML = [
    card(`Coins mined [${s.coin}]`, fmt(s.coins_mined, 3)),
    card(`Revenue [${s.currency}]`, fmt(s.revenue)),
    card(`Power cost [${s.currency}]`, fmt(s.power_cost)),
    card(`Operating margin [${s.currency}]`, fmt(s.operating_margin)),
    card(`Net profit [${s.currency}]`, fmt(s.net_profit)),
    card(`Cash at end [${s.currency}]`, fmt(s.cash_end)),
    card("Went broke", s.broke_date || "never"),
  ].join("");
  await drawCharts(el("charts"), job.id);
  el("status").textContent += ` · tables: ` + result.tables.map(t =>
    `${t} (<a href="/api/v1/jobs/${job.id}/tables/${t}?format=csv">CSV</a>, ` +
    `<a href="/api/v1/jobs/${job.id}/tables/${t}?format=parquet">Parquet</a>)`).join(", ");
  el("status").innerHTML = el("status").textContent;
  document.body.dataset.done = job.id;
}

async function init() {
  try {
    for (const ex of await api("/api/v1/farms/examples")) {
      examples[ex.name] = ex;
      const o = document.createElement("option"); o.value = ex.name; o.textContent = ex.title;
      el("example").appendChild(o);
    }
  } catch (error) { showErrors(el("errors"), error); }
  el("example").addEventListener("change", async () => {
    const ex = examples[el("example").value];
    if (!ex) return;
    el("toml").value = ex.toml;
    await validate();
  });
  el("upload").addEventListener("change", async () => {
    const file = el("upload").files[0];
    if (!file) return;
    el("toml").value = await file.text();
    el("example").value = "";
    await validate();
  });
  el("validate").addEventListener("click", validate);
  el("run").addEventListener("click", run);
  el("cancel").addEventListener("click", () => current && postJson(`/api/v1/jobs/${current}/cancel`, {}));
  document.body.dataset.ready = "1";
}

init();
