// Charts (Chart.js, vendored), copy buttons and the question's character counter for chat
// answers, including ones HTMX swaps in.
(function () {
  function drawCharts(root) {
    root.querySelectorAll("canvas.chart:not([data-drawn])").forEach(function (canvas) {
      canvas.setAttribute("data-drawn", "1");
      var spec = JSON.parse(canvas.getAttribute("data-chart"));
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          // Axes named by the columns' human labels ("Number of customers", not n).
          scales: {
            x: { title: { display: !!spec.x_title, text: spec.x_title || "" } },
            y: { title: { display: !!spec.y_title, text: spec.y_title || "" } },
          },
        },
      });
    });
  }

  // navigator.clipboard exists only in secure contexts (HTTPS or localhost): over plain HTTP
  // on another host, select the text and use the older execCommand("copy").
  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyWithSelection(text); }
      );
    }
    return Promise.resolve(copyWithSelection(text));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var code = button.parentElement.querySelector("code").innerText;
    copyText(code).then(function (copied) {
      button.textContent = copied ? "Copied" : "Select and copy by hand";
      clearTimeout(button.copyReset);
      button.copyReset = setTimeout(function () { button.textContent = "Copy"; }, 1500);
    });
  });

  // "123 / 4,000" under the question box. The box has no maxlength (it cut a long paste without
  // a word): over the limit the counter says so and the question is held back until shortened;
  // the server refuses longer questions anyway.
  function questionLimit(box) {
    return parseInt(box.getAttribute("data-maxlength"), 10) || 0;
  }
  function isTooLong(box) {
    var limit = questionLimit(box);
    return !!limit && box.value.length > limit;
  }
  function updateCounter(box) {
    var counter = document.getElementById(box.getAttribute("data-counter"));
    var limit = questionLimit(box);
    if (!counter || !limit) return;
    var limitText = limit.toLocaleString("en");
    var length = box.value.length;
    var tooLong = length > limit;
    if (tooLong) {
      counter.textContent = "Too long: " + length.toLocaleString("en") + " characters, at most " +
        limitText + ". Shorten the question by " + (length - limit).toLocaleString("en") +
        " character" + (length - limit === 1 ? "" : "s") + " to send it.";
    } else {
      counter.textContent = length
        ? length.toLocaleString("en") + " / " + limitText + " characters"
        : "at most " + limitText + " characters";
    }
    counter.classList.toggle("error", tooLong);
    counter.classList.toggle("muted", !tooLong);
    box.setAttribute("aria-invalid", tooLong ? "true" : "false");
  }
  // Enter sends, Shift+Enter makes a new line (not while an input method composes a word).
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-counter]")) return;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    if (box.form && box.value.trim()) box.form.requestSubmit();
  });
  // An example question on an empty chat: one click fills the box and sends it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-example]");
    if (!button) return;
    var form = document.getElementById("ask-form");
    var box = form && form.querySelector("textarea[data-counter]");
    if (!box || box.disabled) return;
    box.value = button.getAttribute("data-example");
    updateCounter(box);
    var examples = document.getElementById("examples");
    if (examples) examples.remove();
    form.requestSubmit();
  });
  // A question over the limit is not sent (HTMX and the plain form post both start here).
  document.addEventListener("submit", function (event) {
    var box = event.target.querySelector && event.target.querySelector("textarea[data-counter]");
    if (box && isTooLong(box)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      updateCounter(box);
      box.focus();
    }
  }, true);
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box.matches && box.matches("textarea[data-counter]")) updateCounter(box);
  });
  // A sent question clears the box with form.reset(), which fires no input event; "reset"
  // comes before the values are cleared, hence the timeout.
  document.addEventListener("reset", function (event) {
    var form = event.target;
    setTimeout(function () {
      form.querySelectorAll("textarea[data-counter]").forEach(updateCounter);
    }, 0);
  });

  // A long chat opens at its latest message, next to the question box (which stays in view:
  // it is sticky, app.css). A new question or its answer arriving scrolls there again, unless
  // the reader has scrolled up to older messages meanwhile.
  function scrollToLatest() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }
  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 300;
  }
  var followLatest = false;

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    if (document.getElementById("messages")) scrollToLatest();
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var list = document.getElementById("messages");
    var target = event.detail.target;
    if (!list || !event.detail.shouldSwap || !list.contains(target)) return;
    followLatest = target === list || nearBottom();
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
    // The first question asked: the example questions have done their job.
    var examples = document.getElementById("examples");
    if (examples && document.querySelector("#messages .msg")) examples.remove();
    if (followLatest) {
      followLatest = false;
      scrollToLatest();
    }
  });
})();
