// Cluster (admin), in words: each silo's host, status and up-since time; how far each subscription has delivered the
// journal's events; a link to the Orleans Dashboard for the rest.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { count, timeWithSeconds, eventNumber } from "../format.js";
import { register } from "../router.js";

const STATUS = { Active: "running", Joining: "starting", Created: "starting", ShuttingDown: "stopping", Stopping: "stopping", Dead: "stopped" };

// "1 silo · no dead letters", "2 silos · 1 dead letter"
export const clusterInWords = (c) =>
  `${count(c.silos.filter((s) => s.status === "Active").length, "silo")} · ${count(c.deadLetters, "dead letter", "dead letters", "no dead letters")}`;

// An Orleans silo address, "S127.0.0.1:35751:155641990": the host and the port silos talk on.
function hostOf(address) {
  const match = /^S?(.+):(\d+):\d+$/.exec(address ?? "");
  return match ? `${match[1]} (silo port ${match[2]})` : address ?? "unknown host";
}

// Each queue checkpoints after the events of its own partition: the newest checkpoint is the newest event delivered,
// and the events still to deliver (lag) come after it.
function delivered(s) {
  const reached = s.partitions.map((p) => eventNumber(p.position)).filter((n) => n !== null);
  const through = reached.length ? Math.max(...reached) : 0;
  const of = through + s.lag;
  return s.lag ? `through event ${through} of ${of}: ${count(s.lag, "event")} still to deliver` : `through event ${through} of ${of}: up to date`;
}

function readers(s) {
  const hosts = [...new Set(s.partitions.map((p) => (p.silo ? hostOf(p.silo) : null)).filter(Boolean))];
  return hosts.length ? `${count(s.partitions.length, "queue")} on ${hosts.join(", ")}` : `${count(s.partitions.length, "queue")}, no silo reading yet`;
}

async function refreshCluster() {
  const c = await api("GET", "/api/cluster");
  $("cluster-summary").textContent = clusterInWords(c);
  $("silos").replaceChildren(...c.silos.map((s) => el("tr", {}, el("td", { title: s.name }, hostOf(s.address)),
    el("td", { class: s.status === "Active" ? "pos" : "neg" }, STATUS[s.status] ?? s.status.toLowerCase()), el("td", {}, timeWithSeconds(s.startedAt)))));
  $("subscriptions").replaceChildren(...c.subscriptions.map((s) => el("tr", {}, el("td", {}, s.name),
    el("td", { class: s.lag ? "neg" : "pos" }, delivered(s)), el("td", {}, timeWithSeconds(s.watermark)), el("td", { class: "wrap" }, readers(s)))));
}

register("cluster", refreshCluster);
