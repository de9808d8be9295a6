// Money entries as every screen shows them: a balance in colour, an account's log as table rows.
import { el, emptyRow } from "./dom.js";
import { money, timeWithSeconds, kindName, entryAmount, entryClass } from "./format.js";

export function logRows(tbody, log) {
  if (!log.length) return emptyRow(tbody, 5, "No entries yet.");
  tbody.replaceChildren(...log.map((e) => el("tr", { "data-kind": e.kind },
    el("td", {}, timeWithSeconds(e.at)), el("td", {}, kindName(e.kind)), el("td", { class: entryClass(e) }, entryAmount(e)),
    el("td", { class: e.balanceAfter < 0 ? "neg" : "" }, money(e.balanceAfter)), el("td", { class: "wrap" }, e.description ?? ""))));
}

export function showBalance(node, value) {
  node.textContent = money(value);
  node.className = value < 0 ? "neg" : "pos";
}
