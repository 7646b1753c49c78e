// Keyboard shortcuts of the coding page (the page works without them: every answer is a form).
// 1-9 tick a code of the chosen answer, a ticks its suggestions, Enter saves it, j/k or the
// arrow keys choose the next/previous answer, u undoes the user's last change.
(function () {
  "use strict";
  var current = null;

  function answers() { return Array.prototype.slice.call(document.querySelectorAll("form[data-coding]")); }

  function choose(form) {
    if (!form) { return; }
    if (current && document.body.contains(current)) { current.classList.remove("coding-answer--current"); }
    current = form;
    form.classList.add("coding-answer--current");
    form.scrollIntoView({block: "nearest"});
  }

  function step(by) {
    var list = answers();
    var at = list.indexOf(current);
    choose(list[Math.max(0, Math.min(list.length - 1, at + by))] || list[0]);
  }

  function typing(target) {
    var tag = target.tagName;
    return (tag === "INPUT" && target.type !== "checkbox") || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest("form[data-coding]");
    if (form) { choose(form); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (!current || !document.body.contains(current)) { choose(answers()[0]); }
    if (!current) { return; }
    var key = event.key;
    if (/^[1-9]$/.test(key)) {
      var box = current.querySelector('input[data-key="' + key + '"]');
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (key === "a") {
      current.querySelectorAll("input[data-suggested]").forEach(function (box) { box.checked = true; });
      event.preventDefault();
    } else if (key === "Enter") {
      event.preventDefault();
      current.requestSubmit();
    } else if (key === "j" || key === "ArrowDown") {
      event.preventDefault(); step(1);
    } else if (key === "k" || key === "ArrowUp") {
      event.preventDefault(); step(-1);
    } else if (key === "u") {
      var undo = document.getElementById("undo-form");
      if (undo) { event.preventDefault(); undo.requestSubmit(); }
    }
  });

  // After htmx swapped a saved answer in (the old form is gone: find the new one by its
  // id), choose the next one.
  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var form = id ? document.getElementById(id) : null;
    if (form && form.matches("form[data-coding]")) {
      var list = answers();
      var at = list.indexOf(form);
      if (at >= 0) { choose(list[Math.min(list.length - 1, at + 1)]); }
    }
  });
}());
