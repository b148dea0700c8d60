// The chat list beside the conversation folds away to give the answer the whole width; the
// choice is remembered in this browser (localStorage), per browser rather than per account.
(function () {
  var KEY = "datachat.sidebar";
  function remembered() {
    try { return window.localStorage.getItem(KEY); } catch (error) { return null; }
  }
  function remember(state) {
    try { window.localStorage.setItem(KEY, state); } catch (error) { /* private mode: not kept */ }
  }
  function apply(button, open) {
    var sidebar = document.getElementById(button.getAttribute("aria-controls"));
    if (!sidebar) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    sidebar.hidden = !open;
    var layout = sidebar.closest(".chat-layout");
    if (layout) layout.classList.toggle("sidebar-collapsed", !open);
  }
  document.querySelectorAll("[data-sidebar-toggle]").forEach(function (button) {
    apply(button, remembered() !== "collapsed");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      apply(button, open);
      remember(open ? "open" : "collapsed");
    });
  });
})();
