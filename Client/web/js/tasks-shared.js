// A task as every screen lists it (My work, Tasks): its label, assignee by name, prices, and its history on demand.
import { api, report } from "./api.js";
import { el, fill } from "./dom.js";
import { money, time, timeWithSeconds } from "./format.js";
import { me, learn, nameOf } from "./people.js";
import { refresh } from "./router.js";

const expanded = new Set(); // tasks whose history is open, kept open across refreshes

export function taskLabel(task) {
  return task.jiraId ? `[${task.jiraId}] ${task.title}` : task.title;
}

export function taskItem(task) {
  learn(task.assigneeId, task.assigneeName);
  const label = taskLabel(task);
  const history = el("ol", { class: "history", id: `history-${task.id}`, hidden: !expanded.has(task.id) });
  const toggle = el("button", { type: "button", class: "secondary small", "aria-expanded": String(expanded.has(task.id)), "aria-controls": history.id,
    "aria-label": `History of ${label}`, onclick: () => toggleHistory(task.id, toggle, history) }, "History");
  const item = el("li", { "data-task": task.id, class: `task ${task.status}` },
    el("a", { class: "title", href: `#/tasks/${encodeURIComponent(task.id)}` }, label),
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
    fill(list, steps, (s) => el("li", {}, el("time", { class: "muted", datetime: s.at }, timeWithSeconds(s.at)), " ", describeStep(s)), "No history recorded.");
  } catch (e) {
    list.replaceChildren(el("li", { class: "error" }, e.status === 404 ? "History is not available for this task." : e.message));
  }
}

export function describeStep(s) {
  const who = s.assigneeId === me.id ? "you" : nameOf(s.assigneeId, s.assigneeName);
  if (s.kind === "created") return "Created";
  if (s.kind === "assigned") return `Assigned to ${who}${s.fee != null ? `, fee ${money(s.fee)}` : ""}`;
  if (s.kind === "completed") return `Completed by ${who}${s.reward != null ? `, reward ${money(s.reward)}` : ""}`;
  return s.kind;
}

export async function complete(id) {
  try {
    await api("POST", `/api/tasks/${id}/complete`);
    await refresh();
  } catch (e) {
    report(e);
  }
}
