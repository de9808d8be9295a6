// My work: open tasks, balance and its history, what changed, the audit log.
import { api } from "../api.js";
import { $, el, fill } from "../dom.js";
import { money, time } from "../format.js";
import { drawBalance } from "../charts.js";
import { logRows, showBalance } from "../ledger.js";
import { register } from "../router.js";
import { taskItem } from "../tasks-shared.js";

async function refreshWork() {
  const [account, log, mine, notes] = await Promise.all([
    api("GET", "/api/accounts/me"), api("GET", "/api/accounts/me/log"),
    api("GET", "/api/tasks?assignee=me&status=open&limit=100"), api("GET", "/api/notifications").catch(() => [])]);
  showBalance($("balance"), account.balance);
  $("earned-today").textContent = money(account.earnedToday);
  $("open-count").textContent = String(mine.items.length) + (mine.next ? "+" : "");
  fill($("my-tasks"), mine.items, (t) => taskItem(t), "No open tasks for you. Enjoy it while it lasts.");
  const points = drawBalance("balance-chart", log);
  $("balance-chart-empty").hidden = points > 0;
  $("balance-chart").parentElement.hidden = points === 0; // no empty $0–$1 axes before the first entry
  fill($("recent"), notes.slice(0, 8), (n) => el("li", {}, el("span", { class: "title" }, n.text), el("time", { class: "muted", datetime: n.at }, time(n.at))),
    "Nothing yet: new tasks and payouts show up here.");
  logRows($("log"), log);
}

register("work", refreshWork);
