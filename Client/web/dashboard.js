// The cluster dashboard: polls /api/cluster (admins only) every two seconds.
const $ = (id) => document.getElementById(id);
const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
const row = (...cells) => { const tr = document.createElement("tr"); tr.append(...cells); return tr; };

async function poll() {
  try {
    const response = await fetch("/api/cluster", { credentials: "same-origin" });
    if (!response.ok) throw new Error(response.status === 401 ? "Sign in as an admin first." : `${response.status} ${response.statusText}`);
    const c = await response.json();
    $("live").textContent = c.silos.filter((s) => s.live).length;
    $("activations").textContent = c.activations;
    $("dead").textContent = c.deadLetters;
    $("this-silo").textContent = c.thisSilo;
    $("leases").textContent = c.leases.length ? c.leases.join(", ") : "none";
    $("silos").replaceChildren(...c.silos.map((s) => row(cell(s.id), cell(s.address), cell(s.live ? s.status : `${s.status} (stale)`, s.live ? "pos" : "neg"),
      cell(new Date(s.startedAt).toLocaleString()), cell(new Date(s.heartbeatAt).toLocaleTimeString()))));
    $("subscriptions").replaceChildren(...c.subscriptions.map((s) => row(cell(s.name), cell(s.pendingEvents, s.pendingEvents ? "neg" : "pos"),
      cell(new Date(s.watermark).toLocaleTimeString()))));
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("error").textContent = "";
  } catch (e) {
    $("error").textContent = e.message;
  }
}

poll();
setInterval(poll, 2000);
