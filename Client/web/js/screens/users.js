// Users (admin): create, change a role, disable — the last two only after a confirmation.
import { api, showProblem, clearProblem, report } from "../api.js";
import { $, el, confirmAction } from "../dom.js";
import { me, people, loadPeople } from "../people.js";
import { register } from "../router.js";

async function refreshUsers() {
  const list = await api("GET", "/api/users");
  for (const u of list) people.set(u.id, { id: u.id, name: u.name, role: u.role });
  list.sort((a, b) => a.name.localeCompare(b.name));
  $("users").replaceChildren(...list.map(userRow));
}

function userRow(u) {
  const select = el("select", { "aria-label": `Role of ${u.name}`, onchange: () => changeRole(u, select) },
    ...["worker", "accountant", "manager", "admin"].map((r) => { const o = el("option", { value: r }, r); o.selected = r === u.role; return o; }));
  const disabled = Boolean(u.disabled);
  return el("tr", { "data-user": u.id, class: disabled ? "disabled" : "" },
    el("td", {}, u.name, u.id === me.id ? el("span", { class: "muted" }, " (you)") : null), el("td", {}, u.email), el("td", {}, select),
    el("td", {}, el("span", { class: disabled ? "neg" : "pos" }, disabled ? "disabled" : "active"), " ",
      u.id === me.id ? null : el("button", { type: "button", class: "secondary small", "aria-label": `${disabled ? "Enable" : "Disable"} ${u.name}`,
        onclick: () => setDisabled(u, !disabled) }, disabled ? "Enable" : "Disable")),
    el("td", {}, u.createdAt ? new Date(u.createdAt).toLocaleDateString() : ""));
}

async function changeRole(user, select) {
  const role = select.value;
  const ok = await confirmAction(`Change ${user.name}'s role from ${user.role} to ${role}? It holds for later assignments; open tasks stay until the next shuffle.`, "Change role");
  if (!ok) {
    select.value = user.role;
    return;
  }
  try {
    await api("PUT", `/api/users/${user.id}/role`, { role });
    $("users-result").textContent = `${user.name} is now ${role === "admin" || role === "accountant" ? "an" : "a"} ${role}.`;
  } catch (e) {
    select.value = user.role;
    $("users-result").textContent = e.message;
  }
  await refreshUsers().catch(report);
}

async function setDisabled(user, disabled) {
  const question = disabled
    ? `Disable ${user.name}? They are signed out everywhere, cannot sign in and get no new tasks; their open tasks stay until the next shuffle.`
    : `Enable ${user.name} again? They can sign in and get tasks.`;
  if (!(await confirmAction(question, disabled ? "Disable" : "Enable"))) return;
  try {
    await api("PUT", `/api/users/${user.id}/disabled`, { disabled });
    $("users-result").textContent = `${user.name} is ${disabled ? "disabled" : "enabled"}.`;
  } catch (e) {
    $("users-result").textContent = e.message;
  }
  await refreshUsers().catch(report);
}

$("user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  clearProblem(event.target, $("user-error"));
  try {
    const user = await api("POST", "/api/users", Object.fromEntries(form));
    event.target.reset();
    $("users-result").textContent = `${user.name} can now sign in as ${user.email}.`;
    await Promise.all([refreshUsers(), loadPeople()]);
  } catch (e) {
    showProblem(event.target, $("user-error"), e);
  }
});

register("users", refreshUsers);
