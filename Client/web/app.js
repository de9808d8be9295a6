// Ates web client: a thin view over the gateway API (see docs/api.md). No business rule lives here: the server decides
// assignees, prices, who may do what; this page only shows what the API answers and what /api/live says, with
// people's names (never their ids), and charts drawn by Chart.js (vendor/chart.umd.min.js).
// This module signs in and out and switches screens; each screen lives in js/screens/.
import { api, Problem, showProblem, clearProblem, report } from "./js/api.js";
import { $, el, flash, labelTableCells } from "./js/dom.js";
import { me, setMe, learn, loadPeople, assignable } from "./js/people.js";
import { refresh, setCurrent, route } from "./js/router.js";
import { restoreLive, connectLive } from "./js/live.js";
import "./js/screens/work.js";
import "./js/screens/tasks.js";
import "./js/screens/task-page.js";
import "./js/screens/accounting.js";
import { prepareCloseDay } from "./js/screens/close-day.js";
import "./js/screens/analytics.js";
import "./js/screens/users.js";
import "./js/screens/cluster.js";

// "My work" is for people who can be given tasks; the task page has no tab, only links (#/tasks/{id}).
const sections = [
  { id: "work", label: "My work", when: () => assignable(me.role) },
  { id: "tasks", label: "Tasks", roles: null },
  { id: "accounting", label: "Accounting", roles: ["accountant", "admin"] },
  { id: "analytics", label: "Overview", roles: ["admin"] },
  { id: "users", label: "Users", roles: ["admin"] },
  { id: "cluster", label: "Cluster", roles: ["admin"] },
  { id: "task", label: null, roles: null },
];
// What each role needs first: a worker their tasks and balance, a manager the board, an accountant the books, an admin the overview.
const home = { worker: "work", manager: "tasks", accountant: "accounting", admin: "analytics" };
const allowed = (s) => (!s.roles || s.roles.includes(me.role)) && (!s.when || s.when());

// The address says what is open: #/tasks?status=done, #/tasks/{id}, #/accounting (an old #tasks still works).
function show(id) {
  setCurrent(id);
  for (const s of sections) $(`view-${s.id}`).hidden = s.id !== id;
  const tab = id === "task" ? "tasks" : id;
  for (const b of $("nav").querySelectorAll("button")) {
    if (b.dataset.view === tab) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  $("page-error").hidden = true;
  if (route().view !== id) history.replaceState(null, "", `#/${id}`);
  refresh(id).catch(report);
}

function showRoute() {
  const { view } = route();
  show(sections.some((s) => s.id === view && allowed(s)) ? view : home[me.role] ?? "tasks");
}

async function start() {
  try {
    setMe(await api("GET", "/api/me"));
  } catch {
    $("signin").hidden = false;
    return;
  }
  $("signin").hidden = true;
  $("views").hidden = false;
  $("nav").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = `${me.name} · ${me.role}`;
  learn(me.id, me.name, me.role);
  $("nav").replaceChildren(...sections.filter((s) => s.label && allowed(s))
    .map((s) => el("button", { type: "button", class: "secondary", "data-view": s.id, onclick: () => show(s.id) }, s.label)));
  $("shuffle").hidden = !["manager", "admin"].includes(me.role);
  $("close-day-form").hidden = me.role !== "admin";
  if (me.role === "admin") prepareCloseDay().catch(report);
  await loadPeople().catch(report);
  showRoute();
  window.addEventListener("hashchange", showRoute);
  restoreLive();
  connectLive();
}

$("sign-out").addEventListener("click", async () => {
  try {
    await api("POST", "/api/auth/logout");
  } catch (e) {
    if (!(e instanceof Problem && e.status === 401)) return report(e);
  }
  sessionStorage.clear();
  location.assign("/");
});

$("change-password").addEventListener("click", () => {
  clearProblem($("password-form"), $("password-error"));
  $("password-form").reset();
  $("password-form").elements.username.value = me.email;
  $("password-dialog").showModal();
});
$("password-cancel").addEventListener("click", () => $("password-dialog").close());
$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  clearProblem(event.target, $("password-error"));
  try {
    await api("POST", "/api/me/password", { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") });
    $("password-dialog").close();
    flash("Password changed. Your other sessions have been signed out.");
  } catch (e) {
    showProblem(event.target, $("password-error"), e);
  }
});

// Where a signed-out browser was going (the Orleans Dashboard sends it here with ?return=/dashboard/): a path on this
// site only, judged as the browser will read it (a tab or backslash inside "/\t/evil.example" makes another host).
function returnPath() {
  const target = new URLSearchParams(location.search).get("return");
  if (!target || !target.startsWith("/")) return null;
  let url;
  try {
    url = new URL(target, location.origin);
  } catch {
    return null;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("signin-error").textContent = "";
  try {
    await api("POST", "/api/auth/login", { email: form.get("email"), password: form.get("password") });
    const target = returnPath();
    if (target) {
      location.assign(target);
      return;
    }
    sessionStorage.clear(); // another person may have used this tab
    await start();
  } catch (e) {
    $("signin-error").textContent = e.status === 401 ? "Wrong email or password." : e.message;
  }
});

labelTableCells();
start();
