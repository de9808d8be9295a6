// Who is signed in, and the directory of people every screen uses to show names (never ids).
import { api } from "./api.js";

export let me = null;
export function setMe(person) {
  me = person;
}

export const people = new Map(); // id → {id, name, role}
const listeners = [];
export const onPeopleChanged = (listener) => listeners.push(listener);

export async function loadPeople() {
  let list = [];
  try {
    list = await api("GET", "/api/people");
  } catch (e) {
    // An older server without /api/people: an admin can still read the users list.
    if (me.role === "admin") list = await api("GET", "/api/users").catch(() => []);
  }
  for (const p of list) people.set(p.id, p);
  for (const listener of listeners) listener();
}

export function learn(id, name, role) {
  if (id && name && !people.has(id)) people.set(id, { id, name, role });
}

export function nameOf(id, known) {
  if (!id) return "nobody";
  if (known) return known;
  return people.get(id)?.name ?? (id === me?.id ? me.name : "someone");
}

// Who can be given tasks (Grains.Interfaces/Roles.cs, IsAssignable): everyone but admins and managers.
export const ASSIGNABLE_ROLES = ["worker", "accountant"];
export const assignable = (role) => ASSIGNABLE_ROLES.includes(role);
