// <form data-confirm="Delete this?">: asks before submitting (plain forms, which hx-confirm
// does not cover; HTMX requests use hx-confirm).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
