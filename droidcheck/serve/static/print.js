// One click prints the customer's sheet: the report (a self-contained page with no script of its own) is
// shown in a frame from this server, and printed as soon as it has loaded.
"use strict";
(function () {
  const sheet = document.getElementById("sheet");
  sheet.addEventListener("load", () => {
    document.body.dataset.loaded = "1";
    try { sheet.contentWindow.focus(); sheet.contentWindow.print(); } catch (_) { /* the link still works */ }
  });
})();
