// "Copy" buttons: the report paragraph of a unit page, the embed code of a chart. A button names
// what it copies in data-copy (an element id): a textarea's value, else the element's paragraphs
// one a line. Buttons stay hidden without JavaScript; the text can still be selected by hand.
(function () {
  "use strict";

  function textOf(element) {
    if ("value" in element && element.tagName === "TEXTAREA") {
      return element.value;
    }
    var paragraphs = element.querySelectorAll("p");
    if (!paragraphs.length) {
      return element.textContent.trim();
    }
    return Array.prototype.map.call(paragraphs, function (p) {
      return p.textContent.replace(/\s+/g, " ").trim();
    }).join("\n");
  }

  function say(button, message) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) {
      status.textContent = message;
    }
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      say(button, button.getAttribute("data-failed"));
      return;
    }
    navigator.clipboard.writeText(textOf(source)).then(
      function () { say(button, button.getAttribute("data-done")); },
      function () { say(button, button.getAttribute("data-failed")); }
    );
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
