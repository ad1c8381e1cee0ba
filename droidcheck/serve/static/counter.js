// The counter page: replace each phone's card when the server sends a new rendering of it, and post the
// buttons' actions with the page's CSRF token. Cards arrive as HTML the server escaped; nothing here builds
// markup from phone text.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const phones = document.getElementById("phones");
  const noPhone = document.getElementById("no-phone");
  const conn = document.getElementById("conn");
  const serverProblem = document.getElementById("server-problem");
  const toast = document.getElementById("toast");
  let toastTimer = null;

  function say(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
  }

  function refreshEmpty() {
    noPhone.hidden = phones.children.length > 0;
  }

  function replaceCard(key, html) {
    const old = document.getElementById(key);
    const openDetails = old ? [...old.querySelectorAll("details[open]")].map((d) => d.dataset.key) : [];
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    const card = tpl.content.firstElementChild;
    if (!card) return;
    for (const d of card.querySelectorAll("details")) {
      if (openDetails.includes(d.dataset.key)) d.open = true;
    }
    if (old) old.replaceWith(card); else phones.appendChild(card);
    refreshEmpty();
  }

  function connect() {
    const source = new EventSource("/events");
    source.addEventListener("open", () => { conn.hidden = true; });
    source.addEventListener("error", () => { conn.hidden = false; });
    source.addEventListener("hello", (e) => {
      const data = JSON.parse(e.data);
      const keep = new Set(data.keys);
      for (const card of [...phones.children]) if (!keep.has(card.id)) card.remove();
      showServer(data.server_problem);
      refreshEmpty();
    });
    source.addEventListener("server", (e) => showServer(JSON.parse(e.data).problem));
    source.addEventListener("phone", (e) => {
      const data = JSON.parse(e.data);
      if (data.removed) {
        const old = document.getElementById(data.key);
        if (old) old.remove();
        refreshEmpty();
      } else {
        replaceCard(data.key, data.html);
      }
    });
  }

  function showServer(problem) {
    serverProblem.textContent = problem || "";
    serverProblem.hidden = !problem;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-post]");
    if (!button) return;
    button.disabled = true;
    const body = JSON.stringify(button.dataset.action ? { action: button.dataset.action } : {});
    try {
      const response = await fetch(button.dataset.post, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-Droidcheck-CSRF": csrf, "Content-Type": "application/json" },
      });
      if (!response.ok) {
        let message = response.statusText;
        try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
        say(message);
        button.disabled = false;
      }
    } catch (err) {
      say("droidcheck is not answering: is 'droidcheck serve' still running?");
      button.disabled = false;
    }
  });

  connect();
})();
