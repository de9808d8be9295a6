// Accounting (accountants and admins): today, fees against rewards per day, accounts, one person's balance, the books.
import { api, report } from "../api.js";
import { $, el, emptyRow } from "../dom.js";
import { money, daysAgo, count, time, timeWithSeconds, eventNumber } from "../format.js";
import { drawDays, drawBalance } from "../charts.js";
import { logRows, showBalance } from "../ledger.js";
import { people, learn, nameOf } from "../people.js";
import { register } from "../router.js";

let shownPerson = null;
let accounts = [];

// The days shown: the last 14 unless a range was asked for (the server says why a range is wrong, e.g. from after to).
function range() {
  if (!$("days-from").value) $("days-from").value = daysAgo(13);
  if (!$("days-to").value) $("days-to").value = daysAgo(0);
  return new URLSearchParams({ from: $("days-from").value, to: $("days-to").value });
}

export async function refreshAccounting() {
  const query = range();
  $("days-csv").href = `/api/accounting/days?${query}&format=csv`;
  const [today, days, list] = await Promise.all([
    api("GET", "/api/accounting/today"), api("GET", `/api/accounting/days?${query}`).catch(daysProblem), api("GET", "/api/accounts")]);
  $("today-fees").textContent = money(today.assignFees);
  $("today-rewards").textContent = money(today.rewards);
  showBalance($("today-earnings"), today.managementEarnings);
  if (days) showDays(days);
  accounts = list;
  for (const a of accounts) learn(a.userId, a.name, a.role);
  showAccounts();
  if (shownPerson) await showPerson(shownPerson.id, shownPerson.name);
}

function daysProblem(e) {
  if (e.status !== 400) throw e;
  $("days-error").textContent = [e.detail || e.message, ...Object.values(e.errors ?? {}).flat()].filter((t, i, all) => t && all.indexOf(t) === i).join(" ");
  return null;
}

function showDays(days) {
  $("days-error").textContent = "";
  drawDays("days-chart", days);
  if (!days.length) emptyRow($("days"), 6, "No business days in this range.");
  else $("days").replaceChildren(...days.slice().reverse().map((d) => el("tr", {}, el("td", {}, d.date), el("td", {}, money(d.assignFees)),
    el("td", {}, money(d.rewards)), el("td", { class: d.managementEarnings < 0 ? "neg" : "" }, money(d.managementEarnings)), el("td", {}, money(d.payouts)),
    el("td", {}, d.closed ? "closed" : "open"))));
}

// The accounts whose name or role contains what the search box holds.
function showAccounts() {
  const wanted = $("account-search").value.trim().toLowerCase();
  const roleOf = (a) => a.role ?? people.get(a.userId)?.role ?? "";
  const shown = accounts.filter((a) => !wanted || `${nameOf(a.userId, a.name)} ${roleOf(a)}`.toLowerCase().includes(wanted))
    .sort((a, b) => nameOf(a.userId, a.name).localeCompare(nameOf(b.userId, b.name)));
  $("accounts-count").textContent = wanted ? `${shown.length} of ${count(accounts.length, "account")}` : count(accounts.length, "account");
  if (!shown.length) return emptyRow($("accounts"), 5, accounts.length ? `No account matches “${wanted}”.` : "No accounts yet.");
  $("accounts").replaceChildren(...shown.map((a) => {
    const name = nameOf(a.userId, a.name);
    return el("tr", { "data-account": a.userId }, el("td", {}, name), el("td", {}, roleOf(a)),
      el("td", { class: a.balance < 0 ? "neg" : "pos" }, money(a.balance)), el("td", {}, money(a.earnedToday)),
      el("td", {}, el("button", { type: "button", class: "secondary small", "aria-label": `Show ${name}'s balance`, onclick: () => showPerson(a.userId, name) }, "Balance")));
  }));
}

$("account-search").addEventListener("input", showAccounts);
$("days-range").addEventListener("submit", (event) => {
  event.preventDefault();
  refreshAccounting().catch(report);
});

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
    const at = timeWithSeconds(audit.checkedAt);
    const pending = audit.pending ? ` ${audit.pending} newer task event${audit.pending === 1 ? " is" : "s are"} still on the way to billing.` : "";
    if (audit.ok) {
      status.className = "ok";
      status.textContent = `Books checked: whole through event ${eventNumber(audit.checkedThrough)} at ${at}.${pending}`;
      list.replaceChildren();
    } else {
      const n = audit.differences.length;
      status.className = "error";
      status.textContent = `Books checked through event ${eventNumber(audit.checkedThrough)} at ${at}: ${n} difference${n === 1 ? "" : "s"} between the ledger and the work done.${pending}`;
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
  let account, log, now;
  try {
    [account, log, now] = await Promise.all([api("GET", `/api/accounts/${id}${at}`), api("GET", `/api/accounts/${id}/log${at}`),
      at ? api("GET", `/api/accounts/${id}`) : null]);
  } catch (e) {
    $("person-balance").className = "error";
    $("person-balance").textContent = e.detail || e.message;
    return;
  }
  $("person").hidden = false;
  $("person-balance").className = "muted";
  $("person-balance").textContent = `${picked ? `As of ${time(new Date(picked).toISOString(), { seconds: true })}` : "Now"}: ${money(account.balance)}`;
  showBalance($("person-now-balance"), (now ?? account).balance);
  $("person-title").textContent = `${name}: balance over time`;
  $("person-csv").href = `/api/accounts/${id}/log?format=csv`;
  const drawn = drawBalance("person-chart", log) > 0;
  $("person-chart-empty").hidden = drawn;
  $("person-chart").parentElement.hidden = !drawn; // no empty axes: the note says there is nothing yet
  logRows($("person-log"), log);
}

register("accounting", () => {
  checkBooks(false);
  return refreshAccounting();
});
