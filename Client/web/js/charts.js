// Charts drawn by Chart.js (vendor/chart.umd.min.js, loaded before the modules run).
import { $, el } from "./dom.js";
import { money, shortTime, kindName } from "./format.js";

export const palette = { fees: "#d68910", rewards: "#1e8449", earnings: "#2f6fdf", payouts: "#8e44ad", balance: "#2f6fdf", negative: "#c0392b" };

function moneyAxis(title) {
  return { title: { display: true, text: title }, ticks: { callback: (v) => money(v) }, grid: { color: "#e7ebf0" } };
}

export function countAxis() {
  return { title: { display: true, text: "People" }, beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#e7ebf0" } };
}

// Draws into a canvas, or updates the chart already there (no flicker on every live event).
export function draw(canvasId, type, labels, datasets, { x = "Day", y = "Dollars", yAxis, tooltip } = {}) {
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
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: tooltip ?? { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } },
      },
      scales: {
        x: { title: { display: true, text: x }, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16 } },
        y: yAxis ?? moneyAxis(y),
      },
    },
  });
}

export function drawDays(canvasId, days) {
  draw(canvasId, "bar", days.map((d) => d.date), [
    { type: "bar", label: "Assign fees", data: days.map((d) => d.assignFees), backgroundColor: palette.fees },
    { type: "bar", label: "Rewards", data: days.map((d) => d.rewards), backgroundColor: palette.rewards },
    { type: "line", label: "Management earnings", data: days.map((d) => d.managementEarnings), borderColor: palette.earnings, backgroundColor: palette.earnings },
    { type: "line", label: "Payouts", data: days.map((d) => d.payouts), borderColor: palette.payouts, backgroundColor: palette.payouts, borderDash: [4, 4], hidden: !days.some((d) => d.payouts) },
  ]);
}

// A balance after each entry, oldest first; the tooltip says what the entry was.
export function drawBalance(canvasId, log) {
  const entries = log.slice().sort((a, b) => new Date(a.at) - new Date(b.at));
  draw(canvasId, "line", entries.map((e) => shortTime(e.at)), [
    { label: "Balance", data: entries.map((e) => e.balanceAfter), borderColor: palette.balance, backgroundColor: palette.balance, stepped: true, pointRadius: 3 },
  ], {
    x: "Time",
    tooltip: { callbacks: {
      label: (c) => `Balance ${money(c.parsed.y)}`,
      afterLabel: (c) => { const e = entries[c.dataIndex]; return `${kindName(e.kind)} ${money(e.amount)}${e.description ? ` · ${e.description}` : ""}`; },
    } },
  });
  return entries.length;
}
