// Users (admin): create, edit a name or email, change a role, reset a password, disable — the ones that take
// something away from a person only after a confirmation.
import { api, showProblem, clearProblem, report } from "../api.js";
import { $, el, confirmAction } from "../dom.js";
import { day } from "../format.js";
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
    el("td", {}, u.createdAt ? day(u.createdAt) : ""),
    el("td", {}, el("span", { class: "actions" },
      el("button", { type: "button", class: "secondary small", "aria-label": `Edit ${u.name}`, onclick: () => editUser(u) }, "Edit"),
      u.id === me.id ? null : el("button", { type: "button", class: "secondary small", "aria-label": `Reset ${u.name}'s password`,
        onclick: () => resetPassword(u) }, "Reset password"))));
}

// Name and email; the server's words under each field (a taken email under Email).
let editing = null;
function editUser(user) {
  editing = user;
  const form = $("edit-user-form");
  clearProblem(form, $("edit-user-error"));
  form.elements.name.value = user.name;
  form.elements.email.value = user.email;
  $("edit-user-title").textContent = `Edit ${user.name}`;
  $("edit-user-dialog").showModal();
}

$("edit-user-cancel").addEventListener("click", () => $("edit-user-dialog").close());
$("edit-user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  clearProblem(form, $("edit-user-error"));
  const change = {};
  if (form.elements.name.value !== editing.name) change.name = form.elements.name.value;
  if (form.elements.email.value !== editing.email) change.email = form.elements.email.value;
  if (!Object.keys(change).length) return $("edit-user-dialog").close();
  try {
    const user = await api("PATCH", `/api/users/${editing.id}`, change);
    $("edit-user-dialog").close();
    $("users-result").textContent = `Saved: ${user.name}, ${user.email}.`;
    await Promise.all([refreshUsers(), loadPeople()]);
  } catch (e) {
    showProblem(form, $("edit-user-error"), e, { conflict: "email" });
  }
});

// A one-time password, shown this once: the person's sessions end and they choose a new password after signing in.
async function resetPassword(user) {
  const question = `Reset ${user.name}'s password? They are signed out everywhere and sign in with a temporary password you hand them.`;
  if (!(await confirmAction(question, "Reset password"))) return;
  try {
    const { temporaryPassword } = await api("POST", `/api/users/${user.id}/password-reset`);
    $("reset-title").textContent = `Temporary password for ${user.name}`;
    $("reset-text").textContent = `Give this to ${user.name} (${user.email}). Their sessions have ended.`;
    $("reset-password").textContent = temporaryPassword;
    $("reset-copied").textContent = "";
    $("reset-dialog").showModal();
  } catch (e) {
    $("users-result").textContent = e.message;
  }
}

$("reset-copy").addEventListener("click", async () => {
  const text = $("reset-password").textContent;
  try {
    await navigator.clipboard.writeText(text);
    $("reset-copied").textContent = "Copied.";
  } catch {
    // No clipboard (a plain-http address that is not this machine): select it for Ctrl+C.
    getSelection().selectAllChildren($("reset-password"));
    $("reset-copied").textContent = "Selected: press Ctrl+C to copy.";
  }
});
// Closing forgets it: the password is not kept on the page.
$("reset-done").addEventListener("click", () => $("reset-dialog").close());
$("reset-dialog").addEventListener("close", () => { $("reset-password").textContent = ""; });

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
    showProblem(event.target, $("user-error"), e, { conflict: "email" });
  }
});

register("users", refreshUsers);
