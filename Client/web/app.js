// Ates web client: a thin view over the gateway API (see docs/api.md). No business rule lives here: the server decides
// assignees, prices, who may do what; this page only shows what the API answers and what /api/live says, with
// people's names (never their ids), and charts drawn by Chart.js (vendor/chart.umd.min.js).
const $ = (id) => document.getElementById(id);
const money = (n) => (typeof n === "number" ? `${n < 0 ? "−" : ""}$${Math.abs(n).toLocaleString("en-US", { maximumFractionDigits: 2 })}` : "—");
const time = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const shortTime = (iso) => new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const isoDate = (d) => d.toISOString().slice(0, 10);
const daysAgo = (n) => isoDate(new Date(Date.now() - n * 86400000));
const PAGE = 20;

let me = null;
let currentPeriod = "day"; // the most expensive task's period on the overview
const people = new Map(); // id → {id, name, role}: the directory every screen uses to show names

// ---- the API: JSON in, JSON out, problems as errors that keep their detail and per-field messages ----

class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `The server answered ${status}.`);
    this.status = status;
    this.title = body?.title;
    this.detail = body?.detail;
    this.errors = body?.errors && typeof body.errors === "object" ? body.errors : {};
  }
}

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = response.headers.get("content-type")?.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { class: "empty" }, empty)]));
}

function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(el("tr", {}, el("td", { colspan: columns, class: "muted" }, text)));
}

// A problem next to the form that caused it: the detail in the form's message, each field's messages beside the field.
function showProblem(form, message, e) {
  clearProblem(form, message);
  const unmatched = [];
  for (const [field, messages] of Object.entries(e.errors ?? {})) {
    const text = [messages].flat().join(" ");
    const input = fieldOf(form, field);
    if (!input) {
      unmatched.push(text);
      continue;
    }
    input.setAttribute("aria-invalid", "true");
    const note = el("span", { class: "field-error", id: `${form.id}-${input.name}-error` }, text);
    input.setAttribute("aria-describedby", note.id);
    (input.closest("label") ?? input).after(note); // beside the field, not in its label: the label is the field's name
  }
  const summary = [e.detail || (unmatched.length ? "" : e.message), ...unmatched].filter(Boolean).join(" ");
  message.textContent = summary || (Object.keys(e.errors ?? {}).length ? "Please correct the fields marked above." : e.message);
}

function clearProblem(form, message) {
  for (const note of form.querySelectorAll(".field-error")) note.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid"), input.removeAttribute("aria-describedby");
  if (message) message.textContent = "";
}

// "title", "Title", "body.title", "$.title" all name the input called title.
function fieldOf(form, key) {
  const plain = (s) => s.toLowerCase().replace(/[^a-z]/g, "");
  const wanted = plain(key.split(".").pop());
  return [...form.elements].find((input) => input.name && plain(input.name) === wanted) ?? null;
}

function report(e) {
  console.error(e);
  if (e instanceof Problem && e.status === 401) {
    location.reload(); // the session ended (signed out elsewhere, password changed, user disabled)
    return;
  }
  $("page-error").textContent = e.message;
  $("page-error").hidden = false;
}

// ---- confirmation: a <dialog> that resolves true only when the person presses the confirming button ----

function confirmAction(text, okLabel) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

// ---- people: names everywhere ----

async function loadPeople() {
  let list = [];
  try {
    list = await api("GET", "/api/people");
  } catch (e) {
    // An older server without /api/people: an admin can still read the users list.
    if (me.role === "admin") list = await api("GET", "/api/users").catch(() => []);
  }
  for (const p of list) people.set(p.id, p);
  fillAssigneeFilter();
}

function learn(id, name, role) {
  if (id && name && !people.has(id)) people.set(id, { id, name, role });
}

function nameOf(id, known) {
  if (!id) return "nobody";
  if (known) return known;
  return people.get(id)?.name ?? (id === me?.id ? me.name : "someone");
}

function fillAssigneeFilter() {
  const select = $("filter-assignee");
  const chosen = select.value;
  const options = [...people.values()].filter((p) => p.id !== me.id).sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => el("option", { value: p.id }, `${p.name} (${p.role})`));
  select.replaceChildren(el("option", { value: "" }, "Everyone"), el("option", { value: "me" }, "Me"), ...options);
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}

// ---- sign-in, sign-out, password, navigation ----

const sections = [
  { id: "work", label: "My work", roles: null },
  { id: "tasks", label: "Tasks", roles: null },
  { id: "accounting", label: "Accounting", roles: ["accountant", "admin"] },
  { id: "analytics", label: "Overview", roles: ["admin"] },
  { id: "users", label: "Users", roles: ["admin"] },
  { id: "cluster", label: "Cluster", roles: ["admin"] },
];
// What each role needs first: a worker their tasks and balance, a manager the board, an accountant the books, an admin the overview.
const home = { worker: "work", manager: "tasks", accountant: "accounting", admin: "analytics" };
const allowed = (s) => !s.roles || s.roles.includes(me.role);
let current = null;

function show(id) {
  current = id;
  for (const s of sections) $(`view-${s.id}`).hidden = s.id !== id;
  for (const b of $("nav").querySelectorAll("button")) {
    if (b.dataset.view === id) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  $("page-error").hidden = true;
  if (location.hash.slice(1) !== id) history.replaceState(null, "", `#${id}`);
  refresh(id).catch(report);
}

async function start() {
  try {
    me = await api("GET", "/api/me");
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
  $("nav").replaceChildren(...sections.filter(allowed)
    .map((s) => el("button", { type: "button", class: "secondary", "data-view": s.id, onclick: () => show(s.id) }, s.label)));
  $("shuffle").hidden = !["manager", "admin"].includes(me.role);
  $("close-day-form").hidden = me.role !== "admin";
  if (me.role === "admin") prepareCloseDay().catch(report);
  await loadPeople().catch(report);
  const wanted = location.hash.slice(1);
  show(sections.some((s) => s.id === wanted && allowed(s)) ? wanted : home[me.role] ?? "tasks");
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

function flash(text) {
  const note = el("p", { class: "flash", role: "status" }, text);
  document.querySelector(".content").prepend(note);
  setTimeout(() => note.remove(), 8000);
}

// Where a signed-out browser was going (the Orleans Dashboard sends it here with ?return=/dashboard/): a path on this site only.
function returnPath() {
  const target = new URLSearchParams(location.search).get("return");
  return target && target.startsWith("/") && !target.startsWith("//") && !target.includes("\\") ? target : null;
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

// ---- views ----

function refresh(view) {
  switch (view) {
    case "work": return refreshWork();
    case "tasks": return refreshTasks();
    case "accounting": checkBooks(false); return refreshAccounting();
    case "analytics": return refreshAnalytics();
    case "users": return refreshUsers();
    case "cluster": return refreshCluster();
    default: return Promise.resolve();
  }
}

// ---- charts (Chart.js) ----

const palette = { fees: "#d68910", rewards: "#1e8449", earnings: "#2f6fdf", payouts: "#8e44ad", balance: "#2f6fdf", negative: "#c0392b" };

function moneyAxis(title) {
  return { title: { display: true, text: title }, ticks: { callback: (v) => money(v) }, grid: { color: "#e7ebf0" } };
}

// Draws into a canvas, or updates the chart already there (no flicker on every live event).
function draw(canvasId, type, labels, datasets, { x = "Day", y = "Dollars", yAxis, tooltip } = {}) {
  const canvas = $(canvasId);
  canvas.dataset.points = String(labels.length);
  if (!window.Chart) {
    canvas.replaceWith(Object.assign(el("p", { class: "error", id: canvasId }), { textContent: "Charts are unavailable (Chart.js did not load)." }));
    return;
  }
  const existing = window.Chart.getChart(canvas);
  if (existing && existing.config.type === type) {
    existing.data.labels = labels;
    existing.data.datasets = datasets;
    existing.update("none");
    return;
  }
  existing?.destroy();
  new window.Chart(canvas, {
    type,
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: tooltip ?? { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } },
      },
      scales: {
        x: { title: { display: true, text: x }, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16 } },
        y: yAxis ?? moneyAxis(y),
      },
    },
  });
}

function drawDays(canvasId, days) {
  draw(canvasId, "bar", days.map((d) => d.date), [
    { type: "bar", label: "Assign fees", data: days.map((d) => d.assignFees), backgroundColor: palette.fees },
    { type: "bar", label: "Rewards", data: days.map((d) => d.rewards), backgroundColor: palette.rewards },
    { type: "line", label: "Management earnings", data: days.map((d) => d.managementEarnings), borderColor: palette.earnings, backgroundColor: palette.earnings },
    { type: "line", label: "Payouts", data: days.map((d) => d.payouts), borderColor: palette.payouts, backgroundColor: palette.payouts, borderDash: [4, 4], hidden: !days.some((d) => d.payouts) },
  ]);
}

// A balance after each entry, oldest first; the tooltip says what the entry was.
function drawBalance(canvasId, log) {
  const entries = log.slice().sort((a, b) => new Date(a.at) - new Date(b.at));
  draw(canvasId, "line", entries.map((e) => shortTime(e.at)), [
    { label: "Balance", data: entries.map((e) => e.balanceAfter), borderColor: palette.balance, backgroundColor: palette.balance, stepped: true, pointRadius: 3 },
  ], {
    x: "Time",
    tooltip: { callbacks: {
      label: (c) => `Balance ${money(c.parsed.y)}`,
      afterLabel: (c) => { const e = entries[c.dataIndex]; return `${kindName(e.kind)} ${money(e.amount)}${e.description ? ` · ${e.description}` : ""}`; },
    } },
  });
  return entries.length;
}

// ---- my work: open tasks, balance and its history, what changed, the audit log ----

const kindName = (kind) => ({ "assign-fee": "Assign fee", reward: "Reward", payout: "Payout" })[kind] ?? kind;

function logRows(tbody, log) {
  if (!log.length) return emptyRow(tbody, 5, "No entries yet.");
  tbody.replaceChildren(...log.map((e) => el("tr", {},
    el("td", {}, time(e.at)), el("td", {}, kindName(e.kind)), el("td", { class: e.amount < 0 ? "neg" : "pos" }, money(e.amount)),
    el("td", { class: e.balanceAfter < 0 ? "neg" : "" }, money(e.balanceAfter)), el("td", { class: "wrap" }, e.description ?? ""))));
}

function showBalance(node, value) {
  node.textContent = money(value);
  node.className = value < 0 ? "neg" : "pos";
}

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
  fill($("recent"), notes.slice(0, 8), (n) => el("li", {}, el("span", { class: "title" }, n.text), el("time", { class: "muted", datetime: n.at }, time(n.at))),
    "Nothing yet: new tasks and payouts show up here.");
  logRows($("log"), log);
}

// ---- tasks: create, shuffle, filter, search, page, history ----

const expanded = new Set(); // tasks whose history is open, kept open across refreshes
const taskList = { items: [], next: null };

function taskLabel(task) {
  return task.jiraId ? `[${task.jiraId}] ${task.title}` : task.title;
}

function taskItem(task) {
  learn(task.assigneeId, task.assigneeName);
  const label = taskLabel(task);
  const history = el("ol", { class: "history", id: `history-${task.id}`, hidden: !expanded.has(task.id) });
  const toggle = el("button", { type: "button", class: "secondary small", "aria-expanded": String(expanded.has(task.id)), "aria-controls": history.id,
    "aria-label": `History of ${label}`, onclick: () => toggleHistory(task.id, toggle, history) }, "History");
  const item = el("li", { "data-task": task.id, class: `task ${task.status}` },
    el("span", { class: "title" }, label),
    el("span", { class: `badge ${task.status}` }, task.status === "done" ? "done" : "open"),
    el("span", { class: "actions" },
      task.status === "open" && task.assigneeId === me.id
        ? el("button", { type: "button", class: "small", onclick: () => complete(task.id), "aria-label": `Complete ${label}` }, "Complete") : null,
      toggle),
    el("span", { class: "meta" },
      el("span", {}, task.assigneeId === me.id ? "assigned to you" : `assigned to ${nameOf(task.assigneeId, task.assigneeName)}`),
      el("span", {}, `fee ${money(task.assignFee)}`), el("span", {}, `reward ${money(task.reward)}`),
      el("span", { class: "muted" }, task.completedAt ? `done ${time(task.completedAt)}` : `created ${time(task.createdAt)}`)),
    task.description ? el("span", { class: "description" }, task.description) : null,
    history);
  if (expanded.has(task.id)) loadHistory(task.id, history);
  return item;
}

async function toggleHistory(id, button, list) {
  const open = !expanded.has(id);
  if (open) expanded.add(id); else expanded.delete(id);
  button.setAttribute("aria-expanded", String(open));
  list.hidden = !open;
  if (open) await loadHistory(id, list);
}

async function loadHistory(id, list) {
  try {
    const steps = await api("GET", `/api/tasks/${id}/history`);
    fill(list, steps, (s) => el("li", {}, el("time", { class: "muted", datetime: s.at }, time(s.at)), " ", describeStep(s)), "No history recorded.");
  } catch (e) {
    list.replaceChildren(el("li", { class: "error" }, e.status === 404 ? "History is not available for this task." : e.message));
  }
}

function describeStep(s) {
  const who = s.assigneeId === me.id ? "you" : nameOf(s.assigneeId, s.assigneeName);
  if (s.kind === "created") return "Created";
  if (s.kind === "assigned") return `Assigned to ${who}${s.fee != null ? `, fee ${money(s.fee)}` : ""}`;
  if (s.kind === "completed") return `Completed by ${who}${s.reward != null ? `, reward ${money(s.reward)}` : ""}`;
  return s.kind;
}

function taskQuery(after, limit) {
  const form = new FormData($("task-filter"));
  const query = new URLSearchParams();
  for (const key of ["assignee", "status", "q"]) {
    const value = String(form.get(key) ?? "").trim();
    if (value) query.set(key, value);
  }
  query.set("limit", String(limit));
  if (after) query.set("after", after);
  return `/api/tasks?${query}`;
}

// The first page again (as many as were shown, so a live refresh does not shrink the list).
async function refreshTasks() {
  const page = await api("GET", taskQuery(null, Math.min(500, Math.max(PAGE, taskList.items.length))));
  taskList.items = page.items;
  taskList.next = page.next;
  renderTasks();
}

async function moreTasks() {
  const page = await api("GET", taskQuery(taskList.next, PAGE));
  taskList.items.push(...page.items);
  taskList.next = page.next;
  renderTasks();
}

function renderTasks() {
  const q = $("filter-q").value.trim();
  fill($("all-tasks"), taskList.items, (t) => taskItem(t), q ? `No task matches “${q}”.` : "No tasks here yet: create one above.");
  $("tasks-summary").textContent = taskList.items.length ? `Showing ${taskList.items.length}${taskList.next ? " (more below)" : ""}, newest first.` : "";
  $("tasks-more").hidden = !taskList.next;
}

function refilter() {
  taskList.items = [];
  refreshTasks().catch(report);
}

let searchTimer = null;
$("task-filter").addEventListener("submit", (event) => { event.preventDefault(); refilter(); });
$("filter-assignee").addEventListener("change", refilter);
$("filter-status").addEventListener("change", refilter);
$("filter-q").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(refilter, 300); });
$("tasks-more").addEventListener("click", () => moreTasks().catch(report));

async function complete(id) {
  try {
    await api("POST", `/api/tasks/${id}/complete`);
    await refresh(current);
  } catch (e) {
    report(e);
  }
}

// A random key per task the user means to create (crypto.randomUUID needs a secure context; plain http on a LAN is not one).
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A silo that dies mid-request answers 503 with Retry-After (or the connection drops): try again, with the same
// Idempotency-Key, so the retry finds the task the first attempt may have created instead of making a second one.
async function createTask(body) {
  const headers = { "Idempotency-Key": newKey() };
  for (let attempt = 1; ; attempt++) {
    try {
      return await api("POST", "/api/tasks", body, headers);
    } catch (e) {
      const retriable = e instanceof TypeError || e.status === 503;
      if (!retriable || attempt >= 4) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

$("task-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  clearProblem(event.target, $("task-error"));
  try {
    const task = await createTask({ title: form.get("title"), jiraId: form.get("jiraId") || null, description: form.get("description") || null });
    event.target.reset();
    $("shuffle-result").textContent = `Created “${taskLabel(task)}”, assigned to ${task.assigneeId === me.id ? "you" : nameOf(task.assigneeId, task.assigneeName)}.`;
    await refreshTasks();
  } catch (e) {
    showProblem(event.target, $("task-error"), e);
  }
});

$("shuffle").addEventListener("click", async () => {
  if (!(await confirmAction("Reassign every open task to a random worker? Each assignee is charged the assign fee again.", "Shuffle"))) return;
  try {
    const result = await api("POST", "/api/tasks/shuffle");
    $("shuffle-result").textContent = `${result.reassigned} open task${result.reassigned === 1 ? "" : "s"} reassigned.`;
    await refreshTasks();
  } catch (e) {
    $("shuffle-result").textContent = e.message;
  }
});

// ---- accounting: today, fees against rewards per day, accounts, one person's balance, day close ----

let shownPerson = null;

async function refreshAccounting() {
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

// The latest day that can be closed is yesterday, unless Ates started today: then say so, and from when, instead of
// offering a close that can only fail.
async function prepareCloseDay() {
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

// ---- the admin's overview ----

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

let negativesDrawnAt = 0;

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

function countAxis() {
  return { title: { display: true, text: "People" }, beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#e7ebf0" } };
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

// ---- users (admin): create, change a role, disable — the last two only after a confirmation ----

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

// ---- cluster (admin) ----

async function refreshCluster() {
  const c = await api("GET", "/api/cluster");
  $("cluster-summary").textContent = `${c.silos.filter((s) => s.status === "Active").length} active silo(s) · ${c.deadLetters} dead letter(s)`;
  $("silos").replaceChildren(...c.silos.map((s) => el("tr", {}, el("td", {}, s.name), el("td", {}, s.address),
    el("td", { class: s.status === "Active" ? "pos" : "neg" }, s.status), el("td", {}, time(s.startedAt)))));
  $("subscriptions").replaceChildren(...c.subscriptions.map((s) => el("tr", {}, el("td", {}, s.name), el("td", {}, time(s.watermark)),
    el("td", { class: s.lag ? "neg" : "pos" }, String(s.lag)),
    el("td", { class: "wrap" }, queuesOf(s.partitions)))));
}

// Queues that share a checkpoint and a silo are shown together: "0–7 at 0:36 on S127.0.0.1:…".
function queuesOf(partitions) {
  const groups = new Map();
  for (const p of partitions) {
    const key = `${p.position} on ${p.silo ?? "no silo yet"}`;
    groups.set(key, [...(groups.get(key) ?? []), p.partition]);
  }
  return [...groups].map(([key, queues]) => `${queues.length === partitions.length ? "all" : queues.join(", ")} at ${key}`).join("; ");
}

// ---- live feed: what happened, in words; kept across a reload; refreshes what it changes ----

const stageOf = (type) => type.startsWith("task.") ? "task" : type.startsWith("ledger.") || type.startsWith("billing") || type.startsWith("account") ? "billing"
  : type.startsWith("analytics.") ? "analytics" : type.startsWith("inbox.") || type.startsWith("notification") ? "notification" : "other";
const LIVE_MAX = 50;
const liveKey = () => `ates.live.${me.id}`;
let liveItems = []; // newest first: {id, type, at, text}

function restoreLive() {
  try {
    liveItems = JSON.parse(sessionStorage.getItem(liveKey()) ?? "null") ?? [];
  } catch {
    liveItems = [];
  }
  renderLive();
  // A fresh tab has nothing kept: start with the caller's own recent notifications.
  if (!liveItems.length) {
    api("GET", "/api/notifications").then((notes) => {
      if (liveItems.length) return;
      liveItems = notes.slice(0, 10).map((n) => ({ id: `n:${n.id}`, type: `inbox.${n.kind ?? "notified"}`, at: n.at, text: n.text }));
      renderLive();
    }).catch(() => {});
  }
}

function renderLive() {
  fill($("live-events"), liveItems, (item) => el("li", { "data-stage": stageOf(item.type ?? "") },
    el("span", { class: "text" }, item.text), el("time", { class: "muted", datetime: item.at }, shortTime(item.at))), "Nothing yet: what happens shows up here.");
}

function keepLive(item) {
  if (liveItems.some((i) => i.id === item.id)) return false;
  liveItems.unshift(item);
  liveItems.length = Math.min(liveItems.length, LIVE_MAX);
  try {
    sessionStorage.setItem(liveKey(), JSON.stringify(liveItems));
  } catch {
    // storage full or blocked: the panel still works, it just starts empty after a reload
  }
  renderLive();
  return true;
}

let pending = null;
function refreshSoon(e) {
  clearTimeout(pending);
  if (e.type?.startsWith("user.")) loadPeople().catch(() => {});
  // The overview reads every account's log: give bursts of events time to settle.
  pending = setTimeout(() => refresh(current).catch(report), current === "analytics" ? 1000 : 150);
}

function connectLive() {
  // After a reload, resume after the newest event this tab kept: the server replays what happened meanwhile.
  const last = liveItems.find((i) => /^\d+:\d+$/.test(i.id))?.id;
  const source = new EventSource(last ? `/api/live?lastEventId=${encodeURIComponent(last)}` : "/api/live");
  const connected = () => { $("live-state").textContent = "connected"; $("live-state").className = "muted ok"; };
  source.addEventListener("open", connected);
  source.addEventListener("error", () => {
    $("live-state").textContent = source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    $("live-state").className = "muted";
    if (source.readyState === EventSource.CLOSED) setTimeout(() => api("GET", "/api/me").then(connectLive).catch(report), 3000);
  });
  const onEvent = (message) => {
    connected();
    let e;
    try {
      e = JSON.parse(message.data);
    } catch {
      return;
    }
    if (e.type === "live.ready") return;
    // Every message says what happened in words (data.text) and carries its journal position as its id.
    keepLive({ id: message.lastEventId || e.eventId, type: e.type, at: e.at, text: e.text });
    refreshSoon(e);
  };
  source.addEventListener("message", onEvent);
}

start();
