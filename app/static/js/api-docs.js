// Starts Swagger UI on /api/v1/docs from settings in the page (no inline script,
// so the Content Security Policy can forbid inline scripts everywhere).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-ui-settings").textContent);
  var config = { url: settings.url, dom_id: settings.dom_id };
  Object.keys(settings.override || {}).forEach(function (key) {
    config[key] = settings.override[key];
  });
  window.addEventListener("load", function () {
    window.ui = window.SwaggerUIBundle(config);
  });
})();
