// Error responses to HTMX requests, on every page.
//
// A form or button says where its errors go with data-error-target="<selector>" (looked up
// inside the element carrying the attribute first, then in the whole page). Our views answer
// a rejected input with a short message (400); it is shown there and cleared by the next
// successful request from the same place.
//
// With DEBUG on, django-htmx's debug script (added by {% htmx_script %}) replaces the whole
// document with any 400/403/404/500 response, which is meant for Django's debug pages: a
// 400 here is always one of our messages, so it is stopped at <body> before it reaches that
// handler (which listens on document). 403/404/500 still get Django's debug page.
(function () {
  var VALIDATION = 400;

  function errorHolder(elt) {
    return elt && elt.closest ? elt.closest("[data-error-target]") : null;
  }

  function errorTarget(holder) {
    var selector = holder.getAttribute("data-error-target");
    return holder.querySelector(selector) || document.querySelector(selector);
  }

  function show(target, xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var body = xhr.responseText || "";
    if (type.indexOf("text/plain") === 0 && body) {
      target.textContent = body;
    } else if (type.indexOf("text/html") === 0 && body && !/<html|<!doctype/i.test(body)) {
      target.innerHTML = body; // a fragment our own templates rendered (escaped there)
    } else {
      // A whole page (Django's 404/500 pages) or nothing: say what happened in one line.
      target.textContent = "The request failed (HTTP " + xhr.status + "). Please try again.";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("htmx:beforeOnLoad", function (event) {
      if (event.detail.xhr.status === VALIDATION) event.stopPropagation();
    });
  });

  document.addEventListener("htmx:responseError", function (event) {
    var holder = errorHolder(event.detail.elt);
    if (!holder) return;
    var target = errorTarget(holder);
    if (target) show(target, event.detail.xhr); // none once a debug page replaced the document
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    var holder = errorHolder(event.detail.elt);
    var target = holder && errorTarget(holder);
    if (target) target.textContent = "";
  });
})();
