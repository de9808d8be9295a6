// Small DOM helpers every screen uses: find by id, build an element, fill a list or a table, ask before acting.
export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { class: "empty" }, empty)]));
}

export function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: columns, class: "muted" }, text)));
}

// On a phone a table becomes a card per row (app.css): each cell carries its column's name, which the card shows
// beside the value. Kept up to date for every table, whatever screen fills it.
export function labelTableCells() {
  const label = (tbody) => {
    const names = [...tbody.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of tbody.rows) [...row.cells].forEach((cell, i) => { if (names[i]) cell.dataset.label = names[i]; });
  };
  for (const tbody of document.querySelectorAll("table.table tbody")) {
    label(tbody);
    new MutationObserver(() => label(tbody)).observe(tbody, { childList: true });
  }
}

// A <dialog> that resolves true only when the person presses the confirming button.
export function confirmAction(text, okLabel) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

export function flash(text) {
  const note = el("p", { class: "flash", role: "status" }, text);
  document.querySelector(".content").prepend(note);
  setTimeout(() => note.remove(), 8000);
}
