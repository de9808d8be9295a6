// One task on a page of its own (#/tasks/{id}): what it is, who has it, what it costs and pays, and its history.
import { api } from "../api.js";
import { $, el, fill } from "../dom.js";
import { money, timeWithSeconds } from "../format.js";
import { me, nameOf, learn } from "../people.js";
import { register, route } from "../router.js";
import { taskLabel, describeStep, complete } from "../tasks-shared.js";
import { tasksAddress } from "./tasks.js";

async function refreshTaskPage() {
  const { id } = route();
  $("back-to-tasks").href = tasksAddress();
  let task, steps;
  try {
    [task, steps] = await Promise.all([api("GET", `/api/tasks/${encodeURIComponent(id)}`), api("GET", `/api/tasks/${encodeURIComponent(id)}/history`)]);
  } catch (e) {
    if (e.status !== 404 && e.status !== 400) throw e;
    $("task-page-title").textContent = "No such task";
    $("task-page-error").textContent = "There is no task at this link. It may have been mistyped.";
    $("task-page-error").hidden = false;
    $("task-page").hidden = true;
    $("task-page-history").replaceChildren();
    return;
  }
  learn(task.assigneeId, task.assigneeName);
  $("task-page-error").hidden = true;
  $("task-page").hidden = false;
  $("task-page-title").textContent = taskLabel(task);
  const assignee = task.assigneeId === me.id ? "you" : nameOf(task.assigneeId, task.assigneeName);
  const facts = [
    ["Status", el("span", { class: `badge ${task.status}` }, task.status === "done" ? "done" : "open")],
    ["Assigned to", assignee],
    ["Assign fee", money(task.assignFee)],
    ["Reward", money(task.reward)],
    ["Created", timeWithSeconds(task.createdAt)],
    task.completedAt ? ["Done", timeWithSeconds(task.completedAt)] : null,
    task.jiraId ? ["Jira id", task.jiraId] : null,
  ].filter(Boolean);
  $("task-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  $("task-page-description").textContent = task.description ?? "";
  $("task-page-description").hidden = !task.description;
  $("task-page-actions").replaceChildren(task.status === "open" && task.assigneeId === me.id
    ? el("button", { type: "button", onclick: () => complete(task.id), "aria-label": `Complete ${taskLabel(task)}` }, "Complete") : "");
  fill($("task-page-history"), steps, (s) => el("li", {}, el("time", { class: "muted", datetime: s.at }, timeWithSeconds(s.at)), " ", describeStep(s)),
    "No history recorded.");
}

register("task", refreshTaskPage);
