// Tasks: create, shuffle (managers and admins), filter, sort, search, page. The filters live in the address
// (#/tasks?assignee=me&status=done&sort=fee&q=fence), so a reload or a shared link keeps them.
import { api, showProblem, clearProblem, report } from "../api.js";
import { $, el, fill, confirmAction } from "../dom.js";
import { me, people, nameOf, onPeopleChanged, assignable } from "../people.js";
import { count } from "../format.js";
import { register, route } from "../router.js";
import { taskItem, taskLabel } from "../tasks-shared.js";

const PAGE = 20;
const taskList = { items: [], next: null };

// Only people who can be given tasks: an admin or a manager never has any.
function fillAssigneeFilter() {
  const select = $("filter-assignee");
  const chosen = route().view === "tasks" ? route().params.get("assignee") ?? select.value : select.value;
  const options = [...people.values()].filter((p) => p.id !== me.id && assignable(p.role)).sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => el("option", { value: p.id }, `${p.name} (${p.role})`));
  select.replaceChildren(el("option", { value: "" }, "Everyone"), assignable(me.role) ? el("option", { value: "me" }, "Me") : null, ...options);
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}

const FILTERS = ["assignee", "status", "sort", "q"];

// The filters the address names, put into the form (on opening the screen, a reload, a link).
function filtersFromAddress() {
  const { params } = route();
  const form = $("task-filter");
  for (const key of FILTERS) {
    const input = form.elements[key];
    const wanted = params.get(key) ?? (key === "sort" ? "newest" : "");
    if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === wanted)) continue;
    input.value = wanted;
  }
}

function filterParams() {
  const form = new FormData($("task-filter"));
  const query = new URLSearchParams();
  for (const key of FILTERS) {
    const value = String(form.get(key) ?? "").trim();
    if (value && !(key === "sort" && value === "newest")) query.set(key, value);
  }
  return query;
}

// The address of the list as it is filtered now (the task page's way back).
export const tasksAddress = () => `#/tasks${filterParams().size ? `?${filterParams()}` : ""}`;
onPeopleChanged(fillAssigneeFilter);

function taskQuery(after, limit) {
  const query = filterParams();
  query.set("limit", String(limit));
  if (after) query.set("after", after);
  return `/api/tasks?${query}`;
}

// The first page again (as many as were shown, so a live refresh does not shrink the list).
async function refreshTasks() {
  const page = await api("GET", taskQuery(null, Math.min(500, Math.max(PAGE, taskList.items.length))));
  taskList.items = page.items;
  taskList.next = page.next;
  taskList.total = page.total;
  renderTasks();
}

async function moreTasks() {
  const page = await api("GET", taskQuery(taskList.next, PAGE));
  taskList.items.push(...page.items);
  taskList.next = page.next;
  renderTasks();
}

const ORDER = { newest: "newest first", fee: "highest fee first", reward: "highest reward first" };

function renderTasks() {
  const q = $("filter-q").value.trim();
  fill($("all-tasks"), taskList.items, (t) => taskItem(t), q ? `No task matches “${q}”.` : "No tasks here yet: create one above.");
  const total = taskList.total ?? taskList.items.length;
  const shown = taskList.items.length < total ? `, showing ${taskList.items.length}` : "";
  $("tasks-summary").textContent = total ? `${count(total, "task")}${shown}, ${ORDER[$("filter-sort").value] ?? ORDER.newest}.` : "";
  $("tasks-more").hidden = !taskList.next;
}

// A changed filter goes into the address first: the list follows the address.
let applied = null; // the address whose filters the form holds: a live refresh must not undo what is being typed

function refilter() {
  taskList.items = [];
  history.replaceState(null, "", tasksAddress());
  applied = location.hash;
  refreshTasks().catch(report);
}

let searchTimer = null;
$("task-filter").addEventListener("submit", (event) => { event.preventDefault(); refilter(); });
$("filter-assignee").addEventListener("change", refilter);
$("filter-status").addEventListener("change", refilter);
$("filter-sort").addEventListener("change", refilter);
$("filter-q").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(refilter, 300); });
$("tasks-more").addEventListener("click", () => moreTasks().catch(report));

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
  $("task-created").textContent = "";
  try {
    const task = await createTask({ title: form.get("title"), jiraId: form.get("jiraId") || null, description: form.get("description") || null });
    event.target.reset();
    $("task-created").textContent = `Created “${taskLabel(task)}”, assigned to ${task.assigneeId === me.id ? "you" : nameOf(task.assigneeId, task.assigneeName)}.`;
    await refreshTasks();
  } catch (e) {
    showProblem(event.target, $("task-error"), e);
  }
});

$("shuffle").addEventListener("click", async () => {
  const question = "Reassign every open task at random to someone who can be given tasks: a worker or an accountant (never a manager or an admin)? "
    + "Each new assignee is charged the assign fee again.";
  if (!(await confirmAction(question, "Shuffle"))) return;
  try {
    const result = await api("POST", "/api/tasks/shuffle");
    $("shuffle-result").textContent = `${result.reassigned} open task${result.reassigned === 1 ? "" : "s"} reassigned.`;
    await refreshTasks();
  } catch (e) {
    $("shuffle-result").textContent = e.message;
  }
});

register("tasks", () => {
  if (location.hash !== applied) {
    filtersFromAddress();
    applied = location.hash;
    taskList.items = [];
  }
  return refreshTasks();
});
