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

// A problem next to the form that caused it: each field's messages once, under its own field; the form's message says
// what no field does. `conflict` names the field a 409 is about (e.g. an email already taken).
export function showProblem(form, message, e, { conflict } = {}) {
  clearProblem(form, message);
  const errors = Object.keys(e.errors ?? {}).length ? e.errors : conflict && e.status === 409 ? { [conflict]: [e.detail || e.message] } : {};
  const unmatched = [];
  let marked = 0;
  for (const [field, messages] of Object.entries(errors)) {
    const text = [...new Set([messages].flat())].join(" ");
    const input = fieldOf(form, field);
    if (!input) {
      unmatched.push(text);
      continue;
    }
    marked++;
    input.setAttribute("aria-invalid", "true");
    const note = el("span", { class: "field-error", id: `${form.id}-${input.name}-error` }, text);
    input.setAttribute("aria-describedby", note.id);
    // Under the field, not in its label (the label is the field's name): inside the field's own box where there is one.
    const box = input.closest(".field");
    if (box) box.append(note);
    else (input.closest("label") ?? input).after(note);
  }
  if (marked) message.textContent = [marked === 1 ? "Please correct the field marked." : `Please correct the ${marked} fields marked.`, ...unmatched].join(" ");
  else message.textContent = [e.detail || (unmatched.length ? "" : e.message), ...unmatched].filter(Boolean).join(" ");
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
