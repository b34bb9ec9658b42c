// Keyboard layer of the review application. Every action is also a plain form or link,
// so the pages work without JavaScript; this file only adds shortcuts and the help overlay.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function toggleHelp(force) {
    var help = document.getElementById("help");
    if (!help) return;
    var show = typeof force === "boolean" ? force : help.hidden;
    help.hidden = !show;
  }

  function submitWith(button) {
    var form = button.form;
    if (!form || form.dataset.sent) return;
    form.dataset.sent = "1"; // one verdict per page: a held key must not post twice
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-toggle-help]");
    if (el) { event.preventDefault(); toggleHelp(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      toggleHelp(false);
      if (typing(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (typing(event.target)) return;
    var form = document.getElementById("review-form");
    var key = event.key;
    var link, button, field;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j" || key === "k") {
      link = document.getElementById(key === "j" ? "next" : "prev");
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    if (key === "o") {
      link = document.querySelector("article.call h1 a");
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    if (key === "u") {
      button = document.getElementById("btn-undo");
      if (button) { event.preventDefault(); submitWith(button); }
      return;
    }
    if (!form) return;
    if (key === "p") {
      event.preventDefault();
      submitWith(document.getElementById("btn-relevant"));
    } else if (key === "n") {
      event.preventDefault();
      var reasons = document.getElementById("reasons");
      reasons.classList.add("armed");
      var first = reasons.querySelector("button");
      if (first) first.focus();
    } else if (/^[1-9]$/.test(key)) {
      button = form.querySelector('button[data-reason-key="' + key + '"]');
      if (button) { event.preventDefault(); submitWith(button); }
    } else if (key === "t" || key === "c") {
      field = document.getElementById(key === "t" ? "themes" : "note");
      if (field) { event.preventDefault(); field.focus(); }
    }
  });
})();
