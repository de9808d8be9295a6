// Cluster (admin): the silos and how far each subscription has delivered, beside a link to the Orleans Dashboard.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { time } from "../format.js";
import { register } from "../router.js";

async function refreshCluster() {
  const c = await api("GET", "/api/cluster");
  $("cluster-summary").textContent = `${c.silos.filter((s) => s.status === "Active").length} active silo(s) · ${c.deadLetters} dead letter(s)`;
  $("silos").replaceChildren(...c.silos.map((s) => el("tr", {}, el("td", {}, s.name), el("td", {}, s.address),
    el("td", { class: s.status === "Active" ? "pos" : "neg" }, s.status), el("td", {}, time(s.startedAt)))));
  $("subscriptions").replaceChildren(...c.subscriptions.map((s) => el("tr", {}, el("td", {}, s.name), el("td", {}, time(s.watermark)),
    el("td", { class: s.lag ? "neg" : "pos" }, String(s.lag)),
    el("td", { class: "wrap" }, queuesOf(s.partitions)))));
}

// Queues that share a checkpoint and a silo are shown together: "0–7 at 0:36 on S127.0.0.1:…".
function queuesOf(partitions) {
  const groups = new Map();
  for (const p of partitions) {
    const key = `${p.position} on ${p.silo ?? "no silo yet"}`;
    groups.set(key, [...(groups.get(key) ?? []), p.partition]);
  }
  return [...groups].map(([key, queues]) => `${queues.length === partitions.length ? "all" : queues.join(", ")} at ${key}`).join("; ");
}

register("cluster", refreshCluster);
