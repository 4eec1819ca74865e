// The dashboard's page: polls the /api documents (docs/http_api.md, "Dashboard") and draws
// them with uPlot. Each card carries data-points="N", the number of values its chart or table
// shows, so a test (tests/e2e/test_dashboard_test.py) can tell a drawn chart from an empty one.
"use strict";

const POLL_MS = 1500;
const COLORS = ["#1d3557", "#e63946", "#2a9d8f", "#f4a261", "#8d5fd3", "#457b9d", "#6a994e",
                "#bc4749", "#264653", "#e9c46a"];
const SENTIMENT_COLORS = {negative: "#e63946", neutral: "#8d99ae", positive: "#2a9d8f"};
const charts = {};

// Counts the page's own failures (a test reads data-errors besides the browser's console).
function noteError() {
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
}
window.addEventListener("error", noteError, true);
window.addEventListener("unhandledrejection", noteError);

function countPoints(data) {
  let n = 0;
  for (let i = 1; i < data.length; i++) {
    for (const v of data[i]) if (v !== null && v !== undefined) n++;
  }
  return n;
}

// Draws doc {x, series: [{name, values}]} in card `id`, rebuilding the chart when its series
// change and updating its data otherwise.
function draw(id, doc, opts) {
  opts = opts || {};
  const card = document.getElementById(id);
  const box = card.querySelector(".chart");
  const data = [doc.x].concat(doc.series.map(s => s.values));
  const points = doc.x.length ? countPoints(data) : 0;
  card.dataset.points = String(points);
  if (!points) {
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    box.innerHTML = '<div class="empty">no data yet</div>';
    return;
  }
  const key = doc.series.map(s => s.name).join("\u0000");
  if (charts[id] && charts[id].key === key) {
    charts[id].setData(data);
    return;
  }
  if (charts[id]) charts[id].destroy();
  box.innerHTML = "";
  const series = [{}].concat(doc.series.map((s, i) => Object.assign({
    label: s.name,
    stroke: (opts.colors && opts.colors[s.name]) || COLORS[i % COLORS.length],
    width: 1.5,
    points: {show: opts.points || doc.x.length < 3},
    spanGaps: true,
  }, opts.seriesOpts ? opts.seriesOpts(s) : {})));
  const chart = new uPlot({
    width: Math.max(200, box.clientWidth || card.clientWidth - 16),
    height: 140,
    scales: Object.assign({x: {time: opts.time !== false}}, opts.scales || {}),
    axes: opts.axes || [{}, {size: 55}],
    legend: {live: false},
    series: series,
  }, data, box);
  chart.key = key;
  charts[id] = chart;
}

async function get(name) {
  const r = await fetch("/api/" + name, {cache: "no-store"});
  if (!r.ok) throw new Error("/api/" + name + ": HTTP " + r.status);
  return r.json();
}

function fmt(n) { return Number(n).toLocaleString("en-US"); }

function drawThroughput(doc) {
  const t = doc.totals;
  document.getElementById("totals").textContent =
      "ingested " + fmt(t.ingested) + " · consumed " + fmt(t.consumed) + " · enriched " +
      fmt(t.enriched) + " · dead letters " + fmt(t.dead_lettered) + " · predictions " +
      fmt(t.predicted) + " · lag " + fmt(t.lag);
  draw("throughput", doc, {
    scales: {y: {}, lag: {}},
    axes: [{}, {size: 55}, {scale: "lag", side: 1, size: 55, grid: {show: false}}],
    seriesOpts: s => (s.name === "lag" ? {scale: "lag", dash: [4, 4]} : {}),
  });
}

function drawSentiment(doc) {
  draw("sentiment", doc, {colors: SENTIMENT_COLORS, scales: {y: {range: [0, 1]}}});
  // By country: stacked shares (positive on top), drawn as three overlaid bars of the
  // cumulative shares, bottom layer first.
  const c = doc.by_country;
  const x = c.countries.map((_, i) => i);
  const share = name => c.series.find(s => s.name === name).values;
  const neg = share("negative"), neu = share("neutral");
  const stacked = [
    {name: "positive", values: x.map(() => 1)},
    {name: "neutral", values: x.map(i => neg[i] + neu[i])},
    {name: "negative", values: neg},
  ];
  draw("sentiment-country", {x: x, series: stacked}, {
    time: false,
    scales: {x: {time: false, range: [-0.5, Math.max(0.5, x.length - 0.5)]}, y: {range: [0, 1]}},
    axes: [{values: (u, ticks) => ticks.map(i => (Number.isInteger(i) ? c.countries[i] || "" : "")),
            incrs: [1, 2, 5], space: 12},
           {size: 55}],
    seriesOpts: s => ({paths: uPlot.paths.bars({size: [0.6, 60]}), points: {show: false},
                       stroke: SENTIMENT_COLORS[s.name], fill: SENTIMENT_COLORS[s.name]}),
  });
}

function drawTimeline(doc) {
  const rows = [];
  for (const m of doc.models) {
    for (const a of m.audit) rows.push(Object.assign({model: m.name}, a));
  }
  rows.sort((a, b) => b.time_ms - a.time_ms || b.seq - a.seq);
  const body = document.querySelector("#timeline tbody");
  body.innerHTML = "";
  for (const a of rows) {
    const tr = document.createElement("tr");
    const cls = a.action.indexOf("reject") >= 0 ? "reject" : "action-" + a.action;
    const cells = [new Date(a.time_ms).toISOString().replace("T", " ").slice(0, 19), a.model,
                   a.action, a.target, (a.from ? a.from + " → " : "") + a.to, a.reason];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 2) td.className = cls;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  document.getElementById("timeline").dataset.points = String(rows.length);
}

const panels = [
  ["throughput", drawThroughput],
  ["dead-letters", doc => draw("dead-letters", doc)],
  ["sentiment", drawSentiment],
  ["drift", doc => draw("drift", doc, {points: true})],
  ["quality", doc => draw("quality", doc, {points: true})],
  ["models", doc => { draw("models", doc, {points: true}); drawTimeline(doc); }],
];

async function poll() {
  const status = document.getElementById("status");
  try {
    const docs = await Promise.all(panels.map(p => get(p[0])));
    panels.forEach((p, i) => p[1](docs[i]));
    const s = await get("status");
    status.className = s.last_error ? "status error" : "status";
    status.textContent = (s.last_error ? "source error: " + s.last_error + " · " : "") +
        "sample " + s.samples + " at " + new Date(s.last_sample_ms).toLocaleTimeString() +
        " · " + s.log;
  } catch (e) {
    // The server is restarting or gone: say so and keep polling (not a page error).
    status.className = "status error";
    status.textContent = "cannot reach the dashboard: " + e.message;
  }
  setTimeout(poll, POLL_MS);
}

poll();
