// The live feed: what happened, in words; kept across a reload; refreshes the screen it changes.
import { api, report } from "./api.js";
import { $, el, fill } from "./dom.js";
import { timeWithSeconds } from "./format.js";
import { me, loadPeople } from "./people.js";
import { current, refresh } from "./router.js";

const stageOf = (type) => type.startsWith("task.") ? "task" : type.startsWith("ledger.") || type.startsWith("billing") || type.startsWith("account") ? "billing"
  : type.startsWith("analytics.") ? "analytics" : type.startsWith("inbox.") || type.startsWith("notification") ? "notification" : "other";
const LIVE_MAX = 50;
const liveKey = () => `ates.live.${me.id}`;
let liveItems = []; // newest first: {id, type, at, text}

export function restoreLive() {
  try {
    liveItems = JSON.parse(sessionStorage.getItem(liveKey()) ?? "null") ?? [];
  } catch {
    liveItems = [];
  }
  renderLive();
}

function renderLive() {
  fill($("live-events"), liveItems, (item) => el("li", { "data-stage": stageOf(item.type ?? "") },
    el("span", { class: "text" }, item.text), el("time", { class: "muted", datetime: item.at }, timeWithSeconds(item.at))), "Nothing yet: what happens from now on shows up here as it happens.");
}

function keepLive(item) {
  if (liveItems.some((i) => i.id === item.id)) return false;
  liveItems.unshift(item);
  liveItems.length = Math.min(liveItems.length, LIVE_MAX);
  try {
    sessionStorage.setItem(liveKey(), JSON.stringify(liveItems));
  } catch {
    // storage full or blocked: the panel still works, it just starts empty after a reload
  }
  renderLive();
  return true;
}

let pending = null;
function refreshSoon(e) {
  clearTimeout(pending);
  if (e.type?.startsWith("user.")) loadPeople().catch(() => {});
  // A burst of events (a shuffle, a day close) refreshes the screen once; the overview asks the most questions, so it waits longest.
  pending = setTimeout(() => refresh().catch(report), current === "analytics" ? 1000 : 150);
}

export function connectLive() {
  // After a reload, resume after the newest event this tab kept: the server replays what happened meanwhile.
  const last = liveItems.find((i) => /^\d+:\d+$/.test(i.id))?.id;
  const source = new EventSource(last ? `/api/live?lastEventId=${encodeURIComponent(last)}` : "/api/live");
  const connected = () => { $("live-state").textContent = "connected"; $("live-state").className = "muted ok"; };
  source.addEventListener("open", connected);
  source.addEventListener("error", () => {
    $("live-state").textContent = source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    $("live-state").className = "muted";
    if (source.readyState === EventSource.CLOSED) setTimeout(() => api("GET", "/api/me").then(connectLive).catch(report), 3000);
  });
  const onEvent = (message) => {
    connected();
    let e;
    try {
      e = JSON.parse(message.data);
    } catch {
      return;
    }
    if (e.type === "live.ready") return;
    // Every message says what happened in words (data.text) and carries its journal position as its id.
    keepLive({ id: message.lastEventId || e.eventId, type: e.type, at: e.at, text: e.text });
    refreshSoon(e);
  };
  source.addEventListener("message", onEvent);
}

// On a phone the panel sits above the screen: it folds away to a line.
$("live-toggle").addEventListener("click", () => {
  const collapsed = $("live").classList.toggle("collapsed");
  $("live-toggle").setAttribute("aria-expanded", String(!collapsed));
  $("live-toggle").textContent = collapsed ? "Show" : "Hide";
});
