// Ates web client: a thin view over the gateway API. No business rule lives here: the server decides
// assignees, prices, who may do what; this page only shows what the API answers and what /api/live says.
const $ = (id) => document.getElementById(id);
const money = (n) => `${n < 0 ? "−" : ""}$${Math.abs(n).toLocaleString("en-US")}`;
const time = (iso) => new Date(iso).toLocaleString();
let me = null;
let users = new Map();

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const fields = data?.errors ? Object.values(data.errors).flat().join(" ") : "";
    throw new Error(fields || data?.detail || data?.title || `${response.status} ${response.statusText}`);
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { class: "empty" }, empty)]));
}

// ---- sign-in and navigation ----

const sections = [
  { id: "tasks", label: "Tasks", roles: null },
  { id: "account", label: "My account", roles: null },
  { id: "inbox", label: "Inbox", roles: null },
  { id: "accounting", label: "Accounting", roles: ["accountant", "admin"] },
  { id: "analytics", label: "Analytics", roles: ["admin"] },
  { id: "users", label: "Users", roles: ["admin"] },
  { id: "cluster", label: "Cluster", roles: ["admin"] },
];

function show(id) {
  for (const s of sections) $(`view-${s.id}`).hidden = s.id !== id;
  for (const b of $("nav").querySelectorAll("button")) b.toggleAttribute("aria-current", b.dataset.view === id), b.dataset.view === id && b.setAttribute("aria-current", "page");
  location.hash = id;
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
  $("who").replaceChildren(el("span", {}, `${me.name} (${me.role})`), el("button", { class: "secondary", onclick: signOut }, "Sign out"));
  $("nav").replaceChildren(...sections.filter((s) => !s.roles || s.roles.includes(me.role))
    .map((s) => el("button", { class: "secondary", "data-view": s.id, onclick: () => show(s.id) }, s.label)));
  $("shuffle").hidden = !["manager", "admin"].includes(me.role);
  if (["accountant", "admin"].includes(me.role) || me.role === "admin") await loadUsers();
  const wanted = location.hash.slice(1);
  show(sections.some((s) => s.id === wanted && (!s.roles || s.roles.includes(me.role))) ? wanted : "tasks");
  connectLive();
}

async function loadUsers() {
  if (me.role !== "admin") return;
  const list = await api("GET", "/api/users");
  users = new Map(list.map((u) => [u.id, u]));
}

const nameOf = (id) => (id === me?.id ? "you" : users.get(id)?.name ?? id.slice(0, 8));

async function signOut() {
  await api("POST", "/api/auth/logout");
  location.hash = "";
  location.reload();
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
    await start();
  } catch (e) {
    $("signin-error").textContent = e.message;
  }
});

// ---- views ----

async function refresh(view) {
  if (view === "tasks") return refreshTasks();
  if (view === "account") return refreshAccount();
  if (view === "inbox") return refreshInbox();
  if (view === "accounting") return refreshAccounting();
  if (view === "analytics") return refreshAnalytics();
  if (view === "users") return refreshUsers();
  if (view === "cluster") return refreshCluster();
}

function taskItem(task, withComplete) {
  const label = task.jiraId ? `[${task.jiraId}] ${task.title}` : task.title;
  return el("li", { "data-task": task.id },
    el("span", { class: "title" }, label),
    el("span", { class: "muted" }, `${task.status} · ${nameOf(task.assigneeId)} · fee ${money(task.assignFee)} · reward ${money(task.reward)}`),
    withComplete && task.status === "open" && task.assigneeId === me.id
      ? el("button", { onclick: () => complete(task.id), "aria-label": `Complete ${label}` }, "Complete") : null);
}

async function refreshTasks() {
  const [mine, all] = await Promise.all([api("GET", "/api/tasks?assignee=me&status=open&limit=100"), api("GET", "/api/tasks?limit=50")]);
  fill($("my-tasks"), mine.items, (t) => taskItem(t, true), "No open tasks for you. Enjoy it while it lasts.");
  fill($("all-tasks"), all.items, (t) => taskItem(t, false), "No tasks yet: create the first one above.");
}

async function complete(id) {
  try {
    await api("POST", `/api/tasks/${id}/complete`);
    await refreshTasks();
  } catch (e) {
    report(e);
  }
}

$("task-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("task-error").textContent = "";
  try {
    await api("POST", "/api/tasks", { title: form.get("title"), jiraId: form.get("jiraId") || null, description: form.get("description") || null });
    event.target.reset();
    await refreshTasks();
  } catch (e) {
    $("task-error").textContent = e.message;
  }
});

$("shuffle").addEventListener("click", async () => {
  try {
    const result = await api("POST", "/api/tasks/shuffle");
    $("shuffle-result").textContent = `${result.reassigned} open tasks reassigned.`;
    await refreshTasks();
  } catch (e) {
    $("shuffle-result").textContent = e.message;
  }
});

async function refreshAccount() {
  const [account, log] = await Promise.all([api("GET", "/api/accounts/me"), api("GET", "/api/accounts/me/log")]);
  $("balance").textContent = money(account.balance);
  $("balance").className = account.balance < 0 ? "neg" : "pos";
  $("earned-today").textContent = money(account.earnedToday);
  $("log").replaceChildren(...(log.length ? log.map((e) => el("tr", {},
    el("td", {}, time(e.at)), el("td", {}, e.kind), el("td", { class: e.amount < 0 ? "neg" : "pos" }, money(e.amount)),
    el("td", {}, money(e.balanceAfter)), el("td", {}, e.description))) : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No entries yet."))]));
}

async function refreshInbox() {
  const items = await api("GET", "/api/notifications");
  fill($("inbox"), items, (n) => el("li", {}, el("span", { class: "title" }, n.text), el("span", { class: "muted" }, time(n.at))), "Nothing here yet.");
}

function barChart(container, points, label) {
  const width = 640, height = 200, pad = 28;
  const max = Math.max(1, ...points.map((p) => Math.abs(p.value)));
  const step = (width - pad * 2) / Math.max(1, points.length);
  const zero = height / 2;
  const bars = points.map((p, i) => {
    const h = (Math.abs(p.value) / max) * (height / 2 - pad);
    const y = p.value >= 0 ? zero - h : zero;
    return `<g><rect x="${pad + i * step + 2}" y="${y}" width="${Math.max(2, step - 4)}" height="${Math.max(1, h)}" fill="${p.value >= 0 ? "#2f6fdf" : "#c0392b"}"><title>${p.label}: ${money(p.value)}</title></rect>` +
      `<text x="${pad + i * step + step / 2}" y="${height - 6}" font-size="10" text-anchor="middle" fill="#5f6b7a">${p.label.slice(5)}</text></g>`;
  }).join("");
  container.innerHTML = `<svg viewBox="0 0 ${width} ${height}" aria-label="${label}" data-points="${points.length}"><line x1="${pad}" x2="${width - pad}" y1="${zero}" y2="${zero}" stroke="#b8c2cc"/>${bars}</svg>`;
}

function isoDate(d) { return d.toISOString().slice(0, 10); }

async function refreshAccounting() {
  const to = new Date(), from = new Date(Date.now() - 13 * 86400000);
  const [today, days, accounts] = await Promise.all([
    api("GET", "/api/accounting/today"), api("GET", `/api/accounting/days?from=${isoDate(from)}&to=${isoDate(to)}`), api("GET", "/api/accounts")]);
  $("today").replaceChildren(el("strong", {}, `Today (${today.date}): management earnings ${money(today.managementEarnings)}`),
    el("div", { class: "muted" }, `fees ${money(today.assignFees)} · rewards ${money(today.rewards)} · payouts ${money(today.payouts)}`));
  barChart($("days-chart"), days.map((d) => ({ label: d.date, value: d.managementEarnings })), "Management earnings per day");
  $("days").replaceChildren(...days.slice().reverse().map((d) => el("tr", {}, el("td", {}, d.date), el("td", {}, money(d.assignFees)),
    el("td", {}, money(d.rewards)), el("td", {}, money(d.managementEarnings)), el("td", {}, money(d.payouts)), el("td", {}, d.closed ? "yes" : "no"))));
  $("accounts").replaceChildren(...accounts.map((a) => el("tr", {}, el("td", {}, nameOf(a.userId)),
    el("td", { class: a.balance < 0 ? "neg" : "pos" }, money(a.balance)), el("td", {}, money(a.earnedToday)))));
}

async function refreshAnalytics(period = "day") {
  const to = new Date(), from = new Date(Date.now() - 13 * 86400000);
  const [summary, days, expensive] = await Promise.all([
    api("GET", "/api/analytics/summary"), api("GET", `/api/accounting/days?from=${isoDate(from)}&to=${isoDate(to)}`),
    api("GET", `/api/analytics/most-expensive?period=${period}`)]);
  $("an-earnings").textContent = money(summary.managementEarnings);
  $("an-negative").textContent = summary.negativeBalances;
  barChart($("analytics-chart"), days.map((d) => ({ label: d.date, value: d.managementEarnings })), "Management earnings, last 14 days");
  $("expensive").textContent = expensive.task
    ? `${expensive.from} – ${expensive.to}: ${expensive.task.jiraId ? `[${expensive.task.jiraId}] ` : ""}${expensive.task.title}, reward ${money(expensive.task.reward)}`
    : `${expensive.from} – ${expensive.to}: no task completed in this period.`;
}

for (const button of document.querySelectorAll("[data-period]")) button.addEventListener("click", () => refreshAnalytics(button.dataset.period).catch(report));

async function refreshUsers() {
  await loadUsers();
  $("users").replaceChildren(...[...users.values()].map((u) => el("tr", {}, el("td", {}, u.name), el("td", {}, u.email),
    el("td", {}, el("select", { "aria-label": `Role of ${u.name}`, onchange: (e) => changeRole(u.id, e.target.value) },
      ...["worker", "accountant", "manager", "admin"].map((r) => { const o = el("option", {}, r); o.selected = r === u.role; return o; }))))));
}

async function changeRole(id, role) {
  try {
    await api("PUT", `/api/users/${id}/role`, { role });
  } catch (e) {
    report(e);
  }
  await refreshUsers();
}

$("user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("user-error").textContent = "";
  try {
    await api("POST", "/api/users", Object.fromEntries(form));
    event.target.reset();
    await refreshUsers();
  } catch (e) {
    $("user-error").textContent = e.message;
  }
});

async function refreshCluster() {
  const c = await api("GET", "/api/cluster");
  $("cluster-summary").textContent = `${c.silos.filter((s) => s.status === "Active").length} active silo(s) · ${c.activations ?? "?"} activations · ${c.deadLetters} dead letter(s)`;
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

// ---- live feed: show each event as it flows, and refresh what it changes ----

const stageOf = (type) => type.startsWith("task.") ? "task" : type.startsWith("ledger.") || type.startsWith("billing") ? "billing"
  : type.startsWith("analytics.") ? "analytics" : type.startsWith("inbox.") ? "notification" : "other";

let pending = null;
function refreshSoon() {
  clearTimeout(pending);
  const current = location.hash.slice(1) || "tasks";
  pending = setTimeout(() => refresh(current).catch(report), 100);
}

function connectLive() {
  const source = new EventSource("/api/live");
  source.addEventListener("ready", () => { $("live-state").textContent = "connected"; });
  source.onerror = () => { $("live-state").textContent = "reconnecting…"; };
  source.onmessage = null;
  const onEvent = (message) => {
    const e = JSON.parse(message.data);
    const item = el("li", { "data-stage": stageOf(e.type) }, el("strong", {}, e.type), " ", el("span", { class: "muted" }, e.streamId.split("/")[0]));
    $("live-events").prepend(item);
    while ($("live-events").children.length > 50) $("live-events").lastChild.remove();
    refreshSoon();
  };
  for (const type of ["task.created", "task.assigned", "task.completed", "ledger.entry-recorded", "billing-day.counted", "billing-day.closed",
    "analytics.task-priced", "analytics.balance-seen", "inbox.notified", "user.registered", "user.role-changed", "billing-clock.advanced"]) {
    source.addEventListener(type, onEvent);
  }
}

function report(e) {
  console.error(e);
  $("live-state").textContent = `error: ${e.message}`;
}

start();
