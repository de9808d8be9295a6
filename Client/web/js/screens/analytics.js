// An admin's overview: today's numbers, money and negative balances over time, the most expensive task.
import { api, report } from "../api.js";
import { $ } from "../dom.js";
import { money, daysAgo } from "../format.js";
import { draw, drawDays, countAxis, palette } from "../charts.js";
import { showBalance } from "../ledger.js";
import { register } from "../router.js";
import { taskLabel } from "../tasks-shared.js";

let currentPeriod = "day"; // the most expensive task's period
let negativesDrawnAt = 0;

async function refreshAnalytics(period) {
  const [summary, days, expensive, cluster] = await Promise.all([
    api("GET", "/api/analytics/summary"), api("GET", `/api/accounting/days?from=${daysAgo(13)}&to=${daysAgo(0)}`),
    api("GET", `/api/analytics/most-expensive?period=${period ?? currentPeriod}`), api("GET", "/api/cluster").catch(() => null)]);
  if (period) currentPeriod = period;
  showBalance($("an-earnings"), summary.managementEarnings);
  $("an-negative").textContent = String(summary.negativeBalances);
  $("an-negative").className = summary.negativeBalances ? "neg" : "";
  $("an-cluster").textContent = cluster ? `${cluster.silos.filter((s) => s.status === "Active").length} silo(s) · ${cluster.deadLetters} dead letter(s)` : "—";
  drawDays("analytics-chart", days);
  $("expensive").textContent = expensive.task
    ? `${expensive.from} – ${expensive.to}: ${taskLabel(expensive.task)}, reward ${money(expensive.task.reward)}`
    : `${expensive.from} – ${expensive.to}: no task completed in this period.`;
  for (const b of document.querySelectorAll("[data-period]")) b.setAttribute("aria-pressed", String(b.dataset.period === currentPeriod));
  // It reads every account's log: at most twice a minute, however many live events ask for a refresh.
  if (Date.now() - negativesDrawnAt > 30_000) {
    negativesDrawnAt = Date.now();
    await drawNegatives(days.map((d) => d.date), summary.negativeBalances);
  }
}

for (const button of document.querySelectorAll("[data-period]")) button.addEventListener("click", () => refreshAnalytics(button.dataset.period).catch(report));

// People with a negative balance at the end of each day, from every account's log (balance after its last entry of
// the day, or before its first entry in the range). Dates are compared in UTC, the business time zone by default.
// With many accounts this is too many requests: the chart then shows only today's count from the summary.
async function drawNegatives(dates, nowCount) {
  if (!dates.length) return draw("negative-chart", "bar", [], [], { y: "People", yAxis: countAxis() });
  const accounts = await api("GET", "/api/accounts").catch(() => null);
  let counts;
  if (accounts && accounts.length <= 100) {
    const logs = await Promise.all(accounts.map((a) => api("GET", `/api/accounts/${a.userId}/log?from=${dates[0]}`).catch(() => null)));
    counts = dates.map((date) => logs.reduce((n, log, i) => n + (balanceAtEndOf(date, log, accounts[i].balance) < 0 ? 1 : 0), 0));
  } else {
    counts = dates.map((d, i) => (i === dates.length - 1 ? nowCount : null));
  }
  draw("negative-chart", "bar", dates, [{ label: "People with a negative balance", data: counts, backgroundColor: palette.negative }],
    { y: "People", yAxis: countAxis(), tooltip: { callbacks: { label: (c) => `${c.parsed.y} ${c.parsed.y === 1 ? "person" : "people"} below zero` } } });
}

function balanceAtEndOf(date, log, balanceNow) {
  if (!log) return balanceNow;
  const entries = log.slice().sort((a, b) => new Date(a.at) - new Date(b.at));
  if (!entries.length) return balanceNow;
  let balance = entries[0].balanceAfter - entries[0].amount;
  for (const e of entries) {
    if (e.at.slice(0, 10) > date) break;
    balance = e.balanceAfter;
  }
  return balance;
}

register("analytics", () => refreshAnalytics());
