// The service worker of Bình Yên: it keeps the app's shell (stylesheet,
// script, icons and the offline page) so the app opens on a weak network.
// Pages are always fetched from the server and never stored: they hold
// people's files.
"use strict";
var SHELL = "binhyen-shell-v2";  // a new name for every change of FILES
var FILES = [
  "/static/site.css",
  "/static/app.js",
  "/static/icon.svg",
  "/static/icon-192.png",
  "/offline"
];
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(FILES); }));
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }));
  self.clients.claim();
});
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // A page: from the network only; the offline page when there is none.
    event.respondWith(fetch(request).catch(function () { return caches.match("/offline"); }));
    return;
  }
  if (FILES.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
