// Copy buttons and a few conveniences of the console (issue #14). Everything works
// without this file: copy buttons stay hidden, filter forms keep their submit buttons,
// the "N selected" count is right after each search or save.
(function () {
  "use strict";

  // One polite live region announces "Copied" to screen readers (a button's own text
  // change is not always read out).
  function liveRegion() {
    var region = document.getElementById("copy-status");
    if (!region) {
      region = document.createElement("span");
      region.id = "copy-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  // navigator.clipboard needs a secure context (https or localhost); plain http
  // deployments inside HOOKS_ALLOWED_NETWORKS fall back on a selected textarea.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function textOf(button) {
    if (button.hasAttribute("data-copy-text")) return button.getAttribute("data-copy-text");
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return "";
    return "value" in source && source.tagName !== "BUTTON" ? source.value : source.textContent;
  }

  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy], [data-copy-text]").forEach(function (button) {
      if (button.dataset.copyWired) return;
      button.dataset.copyWired = "1";
      button.hidden = false;
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation(); // a copy button inside <summary> must not toggle it
        var label = button.textContent;
        copyText(textOf(button).trim()).then(function () {
          button.textContent = "Copied";
          button.classList.add("copied");
          liveRegion().textContent = "Copied " + (button.getAttribute("data-copy-what") || "to the clipboard");
        }, function () {
          button.textContent = "Press Ctrl+C";
          liveRegion().textContent = "Could not copy; select the text and press Ctrl+C";
        });
        window.setTimeout(function () {
          button.textContent = label;
          button.classList.remove("copied");
        }, 1500);
      });
    });
  }

  // Error summaries take focus once drawn, so keyboard and screen-reader users land on
  // what went wrong (after a full page load and after an htmx swap alike).
  function focusErrorSummary(root) {
    var summary = root.querySelector ? root.querySelector("[data-error-summary]") : null;
    if (summary && !summary.dataset.focused) {
      summary.dataset.focused = "1";
      summary.focus();
    }
  }

  // A filter form whose fields apply on change hides its submit button (it stays for no-JS).
  function wireLiveFilters(root) {
    root.querySelectorAll("[data-live-filters] [data-submit-fallback]").forEach(function (button) {
      button.hidden = true;
    });
  }

  // "N selected" and its chips follow the ticked event types at once (the server draws
  // them too, but only when the list is redrawn).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox][name=event_types]")) return;
    var list = box.closest(".event-type-list");
    if (!list) return;
    var ticked = list.querySelectorAll("input[type=checkbox][name=event_types]:checked");
    var count = list.querySelector("[data-selected-count]");
    var chips = list.querySelector("[data-selected-chips]");
    if (count) count.textContent = String(ticked.length);
    if (!chips) return;
    chips.textContent = ticked.length ? ": " : "";
    ticked.forEach(function (tick) {
      var chip = document.createElement("span");
      chip.className = "chip";
      var label = tick.closest("label").querySelector(".type-label");
      chip.textContent = label ? label.textContent : tick.value;
      chips.appendChild(chip);
      chips.appendChild(document.createTextNode(" "));
    });
  });

  function wire(root) {
    wireCopyButtons(root);
    wireLiveFilters(root);
    focusErrorSummary(root);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
  // Out-of-band swaps and swapped-in siblings (outerHTML) are not inside event.target.
  document.addEventListener("htmx:afterSettle", function () { wireCopyButtons(document); });
})();
