/* Starts Swagger UI from the container's data attributes (no inline script: see the CSP). */
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container" };
  var overrides = JSON.parse(container.getAttribute("data-config") || "{}");
  Object.keys(overrides).forEach(function (key) { config[key] = overrides[key]; });
  window.ui = window.SwaggerUIBundle(config);
})();
