// The shutdown board: the table for a day and a tariff, and the price against shutdown prices.
"use strict";

const el = id => document.getElementById(id);
const RANGES = {CNY: [0, 1.0, 0.01, 0.28], USD: [0, 0.15, 0.001, 0.05], EUR: [0, 0.15, 0.001, 0.05]};
let stored = null;   // {first, last} of the store's BTC prices, or null without a store
let pending = 0;

function margin_colour(row) {
  // Green above water, red below; the stronger, the further from the shutdown price.
  const r = row.shutdown_price ? row.price / row.shutdown_price - 1 : 0;
  const a = Math.min(Math.abs(r), 1) * 0.55 + 0.08;
  return r >= 0 ? `rgba(26,127,75,${a})` : `rgba(178,64,26,${a})`;
}

function setTariffRange(currency) {
  const [lo, hi, step, start] = RANGES[currency] || [0, 1, 0.01, 0.1];
  const t = el("tariff");
  t.min = lo; t.max = hi; t.step = step; t.value = start;
  el("tariff-value").textContent = `${t.value} ${currency}`;
}

function query() {
  const p = new URLSearchParams();
  if (stored && el("date").value) p.set("date", el("date").value);
  p.set("currency", el("currency").value);
  p.append("tariff", el("tariff").value);
  p.set("pool_fee", el("pool-fee").value);
  return p;
}

async function refresh() {
  const ticket = ++pending;
  el("tariff-value").textContent = `${el("tariff").value} ${el("currency").value}`;
  try {
    const table = await api(`/api/v1/shutdown?${query()}`);
    if (ticket !== pending) return;   // a newer request is on its way
    showErrors(el("errors"), null);
    const body = el("board").querySelector("tbody");
    body.innerHTML = "";
    const c = table.state.currency;
    for (const row of table.rows) {
      const tr = document.createElement("tr");
      tr.dataset.model = row.model;
      const ratio = row.shutdown_price ? row.price / row.shutdown_price - 1 : null;
      const cells = [row.model, fmt(row.hashrate_ths, 1), fmt(row.power_w), fmt(row.efficiency_j_th, 1),
                     fmt(row.coins_per_day, 5), fmt(row.revenue_per_day, 2), fmt(row.power_cost_per_day, 2),
                     fmt(row.margin_per_day, 2), fmt(row.shutdown_price),
                     ratio === null ? "—" : `${ratio >= 0 ? "+" : ""}${(ratio * 100).toFixed(1)} %`];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 8) { td.className = "shutdown"; td.dataset.value = row.shutdown_price; }
        if (i >= 7) td.style.background = margin_colour(row);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    const s = table.state;
    el("caption").textContent = `${s.date || "explicit state"}: difficulty ${fmt(s.difficulty)}, ` +
      `subsidy ${s.subsidy} ${s.coin}, fees ${fmt(s.fees_per_block, 3)} ${s.coin}/block, ` +
      `${s.coin} ${fmt(s.price)} ${c}; tariff ${table.tariffs[0]} ${c}/kWh, pool fee ${table.pool_fee}`;
    el("notes").innerHTML = "";
    for (const n of s.notes) { const li = document.createElement("li"); li.textContent = n; el("notes").appendChild(li); }
    await drawSeries(table);
  } catch (error) {
    if (ticket === pending) showErrors(el("errors"), error);
  }
  // Tests (and curious users) can tell when a refresh has landed.
  if (ticket === pending) document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
}

async function drawSeries(table) {
  if (!stored || !table.state.date) {
    el("series").innerHTML = '<p class="note">The chart over a period needs the history store ' +
      "(start the server with --store).</p>";
    return;
  }
  const last = new Date(table.state.date);
  const first = new Date(last.getTime() - (Number(el("period").value) - 1) * 86400000);
  const from = first.toISOString().slice(0, 10) < stored.first ? stored.first : first.toISOString().slice(0, 10);
  const p = new URLSearchParams({from, to: table.state.date, tariff: el("tariff").value,
                                 currency: el("currency").value, pool_fee: el("pool-fee").value});
  for (const m of table.models) p.append("model", m);
  const s = await api(`/api/v1/shutdown/series?${p}`);
  const traces = s.machines.map(m => ({x: s.dates, y: m.shutdown_price, name: `shutdown: ${m.model}`,
                                       mode: "lines", line: {dash: "dash", width: 1.5}}));
  traces.push({x: s.dates, y: s.price, name: `${s.coin} price`, mode: "lines",
               line: {color: "#111", width: 3}});
  Plotly.react(el("series"), traces, {
    title: {text: `${s.coin} price against each machine's shutdown price at ${s.tariff} ${s.currency}/kWh`},
    template: "plotly_white", height: 460, hovermode: "x unified",
    yaxis: {title: {text: `${s.currency} per ${s.coin} (log scale)`}, type: "log"},
    legend: {orientation: "h", y: -0.15}}, {displaylogo: false, responsive: true});
}

async function init() {
  let currencies = ["CNY", "USD"];
  try {
    const status = await api("/api/v1/data/status");
    const prices = status.series.find(r => r.table === "coin_price_daily" && r.series === "BTC/USD");
    if (prices) {
      stored = {first: prices.first, last: prices.last};
      el("date").min = prices.first; el("date").max = prices.last;
      el("date").value = "2018-12-15" >= prices.first && "2018-12-15" <= prices.last ? "2018-12-15" : prices.last;
      currencies = ["USD", ...status.series.filter(r => r.table === "fx_daily").map(r => r.series)];
      if (currencies.includes("CNY")) currencies = ["CNY", ...currencies.filter(c => c !== "CNY")];
    }
  } catch (error) {
    el("date").disabled = true;   // no store: the built-in 25 Nov 2018 state
  }
  for (const c of currencies) {
    const o = document.createElement("option"); o.value = c; o.textContent = c; el("currency").appendChild(o);
  }
  setTariffRange(el("currency").value);
  el("currency").addEventListener("change", () => { setTariffRange(el("currency").value); refresh(); });
  for (const id of ["date", "tariff", "pool-fee", "period"]) el(id).addEventListener("change", refresh);
  el("tariff").addEventListener("input", () => {
    el("tariff-value").textContent = `${el("tariff").value} ${el("currency").value}`;
  });
  await refresh();
  document.body.dataset.ready = "1";
}

init();
