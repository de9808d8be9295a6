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
