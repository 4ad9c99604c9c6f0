// Presentation mode: the arrow keys follow the "previous" and "next" links (which work without this file).
(function () {
  "use strict";
  // The hint to use the keys is shown only when they work, that is once this file has run.
  var help = document.querySelectorAll(".slide-help");
  for (var i = 0; i < help.length; i++) help[i].hidden = false;
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    var rtl = document.documentElement.dir === "rtl";
    var forward = rtl ? "ArrowLeft" : "ArrowRight";
    var back = rtl ? "ArrowRight" : "ArrowLeft";
    var link = null;
    if (event.key === forward || event.key === "PageDown") link = document.getElementById("slide-next");
    if (event.key === back || event.key === "PageUp") link = document.getElementById("slide-prev");
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });
})();
