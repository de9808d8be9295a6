// An admin's overview: today's numbers, money and negative balances per day, the most expensive task of a day, a
// week, a month or a chosen range. Every number comes from the server; this page only draws them.
import { api, report } from "../api.js";
import { $ } from "../dom.js";
import { money, daysAgo, count } from "../format.js";
import { draw, drawDays, countAxis, palette } from "../charts.js";
import { showBalance } from "../ledger.js";
import { register } from "../router.js";
import { taskLabel } from "../tasks-shared.js";
import { clusterInWords } from "./cluster.js";

let expensiveQuery = "period=day"; // a period (day, week, month) or a from–to range

async function refreshAnalytics() {
  const chosen = $("expensive-range").elements;
  if (!chosen.from.value) chosen.from.value = daysAgo(6);
  if (!chosen.to.value) chosen.to.value = daysAgo(0);
  const range = `from=${daysAgo(13)}&to=${daysAgo(0)}`;
  const [summary, days, negatives, cluster] = await Promise.all([
    api("GET", "/api/analytics/summary"), api("GET", `/api/accounting/days?${range}`),
    api("GET", `/api/analytics/negative-balances?${range}`).catch((e) => e), api("GET", "/api/cluster").catch(() => null), showExpensive()]);
  showBalance($("an-earnings"), summary.managementEarnings);
  $("an-negative").textContent = String(summary.negativeBalances);
  $("an-negative").className = summary.negativeBalances ? "neg" : "";
  $("an-cluster").textContent = cluster ? clusterInWords(cluster) : "—";
  drawDays("analytics-chart", days);
  // One chart the server cannot answer for does not take the rest of the overview with it.
  $("negative-error").hidden = !(negatives instanceof Error);
  if (negatives instanceof Error) return void ($("negative-error").textContent = `This chart is unavailable: ${negatives.message}`);
  draw("negative-chart", "bar", negatives.map((d) => d.date),
    [{ label: "People with a negative balance", data: negatives.map((d) => d.people), backgroundColor: palette.negative, maxBarThickness: 44, borderRadius: 3 }],
    { y: "People", yAxis: countAxis(), values: String, tooltip: { callbacks: { label: (c) => `${count(c.parsed.y, "person", "people")} below zero` } } });
}

async function showExpensive() {
  const expensive = await api("GET", `/api/analytics/most-expensive?${expensiveQuery}`).catch((e) => {
    if (e.status !== 400) throw e;
    $("expensive-error").textContent = e.detail || e.message;
    return null;
  });
  if (!expensive) return;
  $("expensive-error").textContent = "";
  $("expensive").textContent = expensive.task
    ? `${expensive.from} – ${expensive.to}: ${taskLabel(expensive.task)}, reward ${money(expensive.task.reward)}`
    : `${expensive.from} – ${expensive.to}: no task completed in this period.`;
  for (const b of document.querySelectorAll("[data-period]")) b.setAttribute("aria-pressed", String(expensiveQuery === `period=${b.dataset.period}`));
}

for (const button of document.querySelectorAll("[data-period]")) {
  button.addEventListener("click", () => {
    expensiveQuery = `period=${button.dataset.period}`;
    showExpensive().catch(report);
  });
}

$("expensive-range").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  expensiveQuery = new URLSearchParams({ from: form.get("from"), to: form.get("to") }).toString();
  showExpensive().catch(report);
});

register("analytics", refreshAnalytics);
