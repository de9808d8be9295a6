// Charts drawn by Chart.js (vendor/chart.umd.min.js, loaded before the modules run). With few points (day one: a
// single day, a single hour) every value is written on the chart, so nothing depends on hovering.
import { $, el } from "./dom.js";
import { money, time, timeWithSeconds, kindName, entryAmount } from "./format.js";

export const palette = { fees: "#d68910", rewards: "#1e8449", earnings: "#2f6fdf", payouts: "#8e44ad", balance: "#2f6fdf", negative: "#c0392b" };
const LABELLED_UP_TO = 14; // points per data set; beyond that, values are in the tooltips only
const BAR = { maxBarThickness: 44, borderRadius: 3 };

// Our own tiny plugin: each value written above its bar or point (below, for a negative bar).
const valueLabels = {
  id: "atesValueLabels",
  afterDatasetsDraw(chart, _args, options) {
    if (!options.format || chart.data.labels.length > LABELLED_UP_TO) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.textAlign = "center";
    chart.data.datasets.forEach((dataset, i) => {
      if (!chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach((element, index) => {
        const value = dataset.data[index];
        if (value === null || value === undefined) return;
        const below = value < 0 && element.base !== undefined;
        ctx.fillStyle = "#1d2430";
        ctx.textBaseline = below ? "top" : "bottom";
        ctx.fillText(options.format(value), element.x, element.y + (below ? 4 : -4));
      });
    });
    ctx.restore();
  },
};

function moneyAxis(title) {
  return { title: { display: true, text: title }, ticks: { callback: (v) => money(v) }, grid: { color: "#e7ebf0" }, grace: "12%" };
}

export function countAxis() {
  return { title: { display: true, text: "People" }, beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#e7ebf0" }, grace: "12%" };
}

// Draws into a canvas, or updates the chart already there (no flicker on every live event).
export function draw(canvasId, type, labels, datasets, { x = "Day", y = "Dollars", yAxis, tooltip, values = money } = {}) {
  const canvas = $(canvasId);
  canvas.dataset.points = String(labels.length);
  if (!window.Chart) {
    canvas.replaceWith(Object.assign(el("p", { class: "error", id: canvasId }), { textContent: "Charts are unavailable (Chart.js did not load)." }));
    return;
  }
  const existing = window.Chart.getChart(canvas);
  if (existing && existing.config.type === type) {
    existing.data.labels = labels;
    existing.data.datasets = datasets;
    existing.update("none");
    return;
  }
  existing?.destroy();
  new window.Chart(canvas, {
    type,
    data: { labels, datasets },
    plugins: [valueLabels],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      layout: { padding: { top: 8, left: 12, right: 12 } }, // room for the first and last values
      plugins: {
        legend: { position: "bottom" },
        tooltip: tooltip ?? { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } },
        atesValueLabels: { format: values },
      },
      scales: {
        x: { title: { display: true, text: x }, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16 } },
        y: yAxis ?? moneyAxis(y),
      },
    },
  });
}

// Fees, rewards and management earnings side by side per day; payouts only when some day had any.
export function drawDays(canvasId, days) {
  const series = [
    { label: "Assign fees", data: days.map((d) => d.assignFees), backgroundColor: palette.fees, ...BAR },
    { label: "Rewards", data: days.map((d) => d.rewards), backgroundColor: palette.rewards, ...BAR },
    { label: "Management earnings", data: days.map((d) => d.managementEarnings), backgroundColor: palette.earnings, ...BAR },
  ];
  if (days.some((d) => d.payouts)) series.push({ label: "Payouts", data: days.map((d) => d.payouts), backgroundColor: palette.payouts, ...BAR });
  draw(canvasId, "bar", days.map((d) => d.date), series);
}

// A balance after each entry, oldest first. Entries of the same minute are told apart by their seconds; the tooltip
// says what the entry was.
export function drawBalance(canvasId, log) {
  const entries = log.slice().sort((a, b) => new Date(a.at) - new Date(b.at));
  const minutes = entries.map((e) => time(e.at));
  const sameMinute = new Set(minutes).size < minutes.length;
  const seen = new Map();
  const labels = entries.map((e) => {
    const label = sameMinute ? timeWithSeconds(e.at) : time(e.at);
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n > 1 ? `${label} (${n})` : label;
  });
  draw(canvasId, "line", labels, [
    { label: "Balance", data: entries.map((e) => e.balanceAfter), borderColor: palette.balance, backgroundColor: palette.balance, stepped: true, pointRadius: 4 },
  ], {
    x: "Time",
    tooltip: { callbacks: {
      label: (c) => `Balance ${money(c.parsed.y)}`,
      afterLabel: (c) => { const e = entries[c.dataIndex]; return `${kindName(e.kind)}: ${entryAmount(e)}${e.description ? ` · ${e.description}` : ""}`; },
    } },
  });
  return entries.length;
}
