/*
 * Find My Coaching Support: sizes iframe embeds of the search to their content.
 *
 *   <iframe src="https://<service>/embed?key=..." title="Find coaching support"></iframe>
 *   <script src="https://<service>/embed.js" async></script>
 *
 * Listens for height messages and believes only those sent by the service's
 * origin from one of this page's frames of that service. Says hello to each
 * frame (addressed to the service's origin only), so a frame that loaded
 * before this script reports its height again.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  if (!script || !window.postMessage) return;
  var origin = new URL(script.src).origin;

  function frames() {
    return Array.prototype.filter.call(document.getElementsByTagName("iframe"), function (f) {
      try { return new URL(f.src, location.href).origin === origin; } catch (e) { return false; }
    });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "fmcs-widget:height" ||
        typeof data.height !== "number" || !isFinite(data.height)) return;
    var height = Math.max(80, Math.min(20000, Math.ceil(data.height)));
    frames().forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = height + "px";
    });
  });

  function hello(frame) {
    if (frame.contentWindow) frame.contentWindow.postMessage({type: "fmcs-widget:hello"}, origin);
  }

  function start() {
    frames().forEach(function (frame) {
      frame.addEventListener("load", function () { hello(frame); });
      hello(frame);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
