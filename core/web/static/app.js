// Bình Yên: small progressive enhancements; every page works without this.
(function () {
  "use strict";
  // The installable shell: the service worker caches the app's look and the
  // offline page, never a page with someone's data.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
  // After a refused form, take the keyboard and screen reader to the message.
  document.addEventListener("DOMContentLoaded", function () {
    var refusal = document.getElementById("refusal");
    if (refusal) { refusal.focus(); }
  });
})();
