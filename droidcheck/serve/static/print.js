// One click prints the customer's sheet: the report (a self-contained page with no script of its own) is
// shown in a frame from this server, and printed as soon as it has loaded. The frame may finish loading
// before this script runs, so its state is looked at first; the load event covers the other case.
"use strict";
(function () {
  const sheet = document.getElementById("sheet");
  let printed = false;

  function loaded() {
    const doc = sheet.contentDocument;
    return doc !== null && doc.readyState === "complete" && doc.URL !== "about:blank";
  }

  function printOnce() {
    if (printed || !loaded()) return;
    printed = true;
    document.body.dataset.loaded = "1";
    try { sheet.contentWindow.focus(); sheet.contentWindow.print(); } catch (_) { /* the link still works */ }
  }

  sheet.addEventListener("load", printOnce);
  printOnce();
})();
