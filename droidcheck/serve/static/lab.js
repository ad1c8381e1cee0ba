// The lab page: one table row per device, updated from the event stream. The server sends the rows that
// changed together, a few times a second ("lab-rows"); they are applied on the next animation frame, and
// a row is redrawn only when its data changed. Every value is set with textContent: phone text never
// becomes markup.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const areas = JSON.parse(document.getElementById("lab-areas").textContent);
  const initial = JSON.parse(document.getElementById("lab-state").textContent);
  const tbody = document.getElementById("rows");
  const status = document.getElementById("run-status");
  const counts = document.getElementById("counts");
  const start = document.getElementById("start-run");
  const labError = document.getElementById("lab-error");
  const conn = document.getElementById("conn");
  const rows = new Map();
  let pending = new Map();
  let scheduled = false;

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text || "";
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  const last = new Map();

  function render(row) {
    const sig = JSON.stringify(row);
    if (last.get(row.key) === sig) return;
    last.set(row.key, sig);
    let tr = rows.get(row.key);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.key = row.key;
      rows.set(row.key, tr);
      tbody.appendChild(tr);
    }
    tr.replaceChildren();
    cell(tr, row.label);
    cell(tr, row.stage + (row.note && row.stage !== "done" ? " · " + row.note : ""), "st-" + row.stage);
    cell(tr, row.verdict || row.status);
    cell(tr, row.cause);
    for (const area of areas) {
      const st = (row.areas || {})[area] || "";
      const td = cell(tr, st ? st[0].toUpperCase() : "", "cell " + st);
      if (st) td.title = area + ": " + st;
    }
    const td = cell(tr, "");
    if (row.report) {
      const a = document.createElement("a");
      a.href = "/lab/report/" + encodeURIComponent(row.report);
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = "report";
      td.appendChild(a);
    }
  }

  const stages = new Map();

  function tally() {
    const by = {};
    for (const stage of stages.values()) by[stage] = (by[stage] || 0) + 1;
    counts.replaceChildren();
    for (const [k, v] of Object.entries(by)) {
      const span = document.createElement("span");
      span.textContent = k + " " + v;
      counts.appendChild(span);
    }
  }

  function flush() {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    for (const row of batch.values()) { stages.set(row.key, row.stage); render(row); }
    tally();
  }

  function queue(row) {
    pending.set(row.key, row);
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  }

  for (const row of initial.rows) queue(row);

  const source = new EventSource("/events");
  source.addEventListener("open", () => { conn.hidden = true; });
  source.addEventListener("error", () => { conn.hidden = false; });
  source.addEventListener("lab-rows", (e) => { for (const row of JSON.parse(e.data).rows) queue(row); });
  source.addEventListener("lab", (e) => {
    const data = JSON.parse(e.data);
    if (data.kind === "started") {
      rows.clear(); pending.clear(); last.clear(); stages.clear(); tbody.replaceChildren();
      status.textContent = "running: " + data.run_dir;
      start.disabled = true;
      labError.hidden = true;
    } else if (data.kind === "finished") {
      status.textContent = data.error ? "stopped" : "finished";
      document.body.dataset.runFinished = "1";
      start.disabled = false;
      if (data.error) { labError.textContent = data.error; labError.hidden = false; }
    }
  });

  start.addEventListener("click", async () => {
    start.disabled = true;
    const response = await fetch("/lab/run", { method: "POST", headers: { "X-Droidcheck-CSRF": csrf } });
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      labError.textContent = message; labError.hidden = false;
      start.disabled = false;
    }
  });
})();
