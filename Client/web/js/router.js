// Which screen is open, and how each screen refreshes itself (every screen module registers its own).
const screens = new Map(); // id → refresh()
export let current = null;

export function register(id, refresh) {
  screens.set(id, refresh);
}

export function setCurrent(id) {
  current = id;
}

export function refresh(view = current) {
  return screens.get(view)?.() ?? Promise.resolve();
}

// The address of a screen: "#/tasks?status=done" → {view: "tasks", params}; "#/tasks/{id}" → {view: "task", id}.
export function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [view, id] = path.split("/");
  return view === "tasks" && id ? { view: "task", id: decodeURIComponent(id), params: new URLSearchParams(query) }
    : { view, id: null, params: new URLSearchParams(query) };
}
