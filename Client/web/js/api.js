// The API: JSON in, JSON out, problems as errors that keep their detail and per-field messages (see docs/api.md).
import { $, el } from "./dom.js";

export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `The server answered ${status}.`);
    this.status = status;
    this.title = body?.title;
    this.detail = body?.detail;
    this.errors = body?.errors && typeof body.errors === "object" ? body.errors : {};
  }
}

export async function api(method, path, body, headers = {}) {
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

// A problem next to the form that caused it: the detail in the form's message, each field's messages beside the field.
export function showProblem(form, message, e) {
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

export function clearProblem(form, message) {
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

export function report(e) {
  console.error(e);
  if (e instanceof Problem && e.status === 401) {
    location.reload(); // the session ended (signed out elsewhere, password changed, user disabled)
    return;
  }
  $("page-error").textContent = e.message;
  $("page-error").hidden = false;
}
