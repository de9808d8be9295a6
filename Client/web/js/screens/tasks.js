// Tasks: create, shuffle (managers and admins), filter, search, page.
import { api, showProblem, clearProblem, report } from "../api.js";
import { $, el, fill, confirmAction } from "../dom.js";
import { me, people, nameOf, onPeopleChanged } from "../people.js";
import { register } from "../router.js";
import { taskItem, taskLabel } from "../tasks-shared.js";

const PAGE = 20;
const taskList = { items: [], next: null };

function fillAssigneeFilter() {
  const select = $("filter-assignee");
  const chosen = select.value;
  const options = [...people.values()].filter((p) => p.id !== me.id).sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => el("option", { value: p.id }, `${p.name} (${p.role})`));
  select.replaceChildren(el("option", { value: "" }, "Everyone"), el("option", { value: "me" }, "Me"), ...options);
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}
onPeopleChanged(fillAssigneeFilter);

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

register("tasks", refreshTasks);
