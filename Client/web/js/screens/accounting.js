// Accounting (accountants and admins): today, fees against rewards per day, accounts, one person's balance, the books.
import { api } from "../api.js";
import { $, el, emptyRow } from "../dom.js";
import { money, daysAgo } from "../format.js";
import { drawDays, drawBalance } from "../charts.js";
import { logRows, showBalance } from "../ledger.js";
import { people, learn, nameOf } from "../people.js";
import { register } from "../router.js";

let shownPerson = null;

export async function refreshAccounting() {
  const [today, days, accounts] = await Promise.all([
    api("GET", "/api/accounting/today"), api("GET", `/api/accounting/days?from=${daysAgo(13)}&to=${daysAgo(0)}`), api("GET", "/api/accounts")]);
  $("today-fees").textContent = money(today.assignFees);
  $("today-rewards").textContent = money(today.rewards);
  showBalance($("today-earnings"), today.managementEarnings);
  drawDays("days-chart", days);
  if (!days.length) emptyRow($("days"), 6, "No business days in this range yet.");
  else $("days").replaceChildren(...days.slice().reverse().map((d) => el("tr", {}, el("td", {}, d.date), el("td", {}, money(d.assignFees)),
    el("td", {}, money(d.rewards)), el("td", { class: d.managementEarnings < 0 ? "neg" : "" }, money(d.managementEarnings)), el("td", {}, money(d.payouts)),
    el("td", {}, d.closed ? "closed" : "open"))));
  for (const a of accounts) learn(a.userId, a.name, a.role);
  const sorted = accounts.slice().sort((a, b) => nameOf(a.userId, a.name).localeCompare(nameOf(b.userId, b.name)));
  if (!sorted.length) emptyRow($("accounts"), 5, "No accounts yet.");
  else $("accounts").replaceChildren(...sorted.map((a) => {
    const name = nameOf(a.userId, a.name);
    return el("tr", { "data-account": a.userId }, el("td", {}, name), el("td", {}, a.role ?? people.get(a.userId)?.role ?? ""),
      el("td", { class: a.balance < 0 ? "neg" : "pos" }, money(a.balance)), el("td", {}, money(a.earnedToday)),
      el("td", {}, el("button", { type: "button", class: "secondary small", "aria-label": `Show ${name}'s balance`, onclick: () => showPerson(a.userId, name) }, "Balance")));
  }));
  if (shownPerson) await showPerson(shownPerson.id, shownPerson.name);
}

// The audit re-reads the whole journal, so it runs when the view opens (at most once a minute) or when asked, not on every event.
let booksCheckedAt = 0;

async function checkBooks(force) {
  if (!force && Date.now() - booksCheckedAt < 60_000) return;
  booksCheckedAt = Date.now();
  const status = $("books-status");
  const list = $("books-differences");
  status.className = "muted";
  status.textContent = "Checking the books against the work done…";
  try {
    const audit = await api("GET", "/api/accounting/audit");
    const at = new Date(audit.checkedAt).toLocaleString();
    const pending = audit.pending ? ` ${audit.pending} newer task event${audit.pending === 1 ? " is" : "s are"} still on the way to billing.` : "";
    if (audit.ok) {
      status.className = "ok";
      status.textContent = `Books checked: whole through event ${audit.checkedThrough} at ${at}.${pending}`;
      list.replaceChildren();
    } else {
      const n = audit.differences.length;
      status.className = "error";
      status.textContent = `Books checked through event ${audit.checkedThrough} at ${at}: ${n} difference${n === 1 ? "" : "s"} between the ledger and the work done.${pending}`;
      list.replaceChildren(...audit.differences.map((d) => el("li", { class: "difference" },
        el("strong", {}, [d.name, d.date].filter(Boolean).join(", ") || "The books"), ": ", d.detail)));
    }
  } catch (e) {
    booksCheckedAt = 0;
    status.className = "error";
    status.textContent = `The books could not be checked: ${e.detail || e.message}`;
  }
}

$("books-check").addEventListener("click", () => checkBooks(true));
$("person-at").addEventListener("change", () => shownPerson && showPerson(shownPerson.id, shownPerson.name));
$("person-now").addEventListener("click", () => {
  $("person-at").value = "";
  if (shownPerson) showPerson(shownPerson.id, shownPerson.name);
});

async function showPerson(id, name) {
  if (shownPerson?.id !== id) $("person-at").value = "";
  shownPerson = { id, name };
  // The picker's local time, as an instant: the balance and the entries as of then (the day close's rule).
  const picked = $("person-at").value;
  const at = picked ? `?at=${encodeURIComponent(new Date(picked).toISOString())}` : "";
  let account, log;
  try {
    [account, log] = await Promise.all([api("GET", `/api/accounts/${id}${at}`), api("GET", `/api/accounts/${id}/log${at}`)]);
  } catch (e) {
    $("person-balance").className = "error";
    $("person-balance").textContent = e.detail || e.message;
    return;
  }
  $("person").hidden = false;
  $("person-balance").className = "muted";
  $("person-balance").textContent = `${picked ? `As of ${new Date(picked).toLocaleString()}` : "Now"}: ${money(account.balance)}`;
  $("person-title").textContent = `${name}: balance over time`;
  drawBalance("person-chart", log);
  logRows($("person-log"), log);
}

register("accounting", () => {
  checkBooks(false);
  return refreshAccounting();
});
