// Closing a day (admin), on the Accounting screen.
import { api } from "../api.js";
import { $, confirmAction } from "../dom.js";
import { money, daysAgo } from "../format.js";
import { refreshAccounting } from "./accounting.js";

// The latest day that can be closed is yesterday, unless Ates started today: then say so, and from when, instead of
// offering a close that can only fail.
export async function prepareCloseDay() {
  const yesterday = daysAgo(1);
  const date = $("close-date");
  const button = $("close-day-form").querySelector("button[type=submit]");
  const result = $("close-day-result");
  date.max = yesterday;
  // Days before the first business day are never listed: yesterday missing means Ates started after it.
  const days = await api("GET", `/api/accounting/days?from=${yesterday}&to=${daysAgo(0)}`);
  if (!days.some((d) => d.date === yesterday)) {
    date.value = "";
    date.disabled = true;
    button.disabled = true;
    result.className = "result";
    result.textContent = days.length
      ? `Nothing can be closed yet: Ates started today, ${days[0].date}. A day closes once it is over, so today can be closed from tomorrow, ${daysAgo(-1)}.`
      : "Nothing can be closed yet: the first business day has not ended.";
    return;
  }
  date.disabled = false;
  button.disabled = false;
  date.value = yesterday;
}

$("close-day-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const date = $("close-date").value;
  const result = $("close-day-result");
  result.className = "result";
  result.textContent = "";
  if (!(await confirmAction(`Close ${date || "yesterday"}? Every account with a positive balance at the end of that day is paid out.`, "Close day"))) return;
  try {
    const closed = await api("POST", "/api/accounting/close-day", date ? { date } : {});
    result.textContent = `Closed ${closed.date}: ${money(closed.paidOut)} paid out to ${closed.accountsPaid} account${closed.accountsPaid === 1 ? "" : "s"}.`;
    result.classList.add("ok");
    await refreshAccounting();
  } catch (e) {
    result.classList.add("error");
    // The detail and the field's message often say the same thing: say it once.
    const said = [e.detail || e.message, ...Object.values(e.errors ?? {}).flat()].filter(Boolean);
    result.textContent = [...new Set(said)].join(" ");
  }
});
