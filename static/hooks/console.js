// The console works without this file; it only adds a few conveniences.
(function () {
  "use strict";

  // Show / hide a password input. The button is hidden unless this script runs.
  function wireSecretToggles(root) {
    root.querySelectorAll("[data-toggle-secret]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.toggleSecret);
        if (!input) return;
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.textContent = show ? "Hide" : "Show";
        button.setAttribute("aria-pressed", show ? "true" : "false");
      });
    });
  }

  // Enter in a live search box searches (htmx) instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-no-submit]")) {
      event.preventDefault();
    }
  });

  // Escape closes an open Actions menu or the phone navigation menu, and puts the focus
  // back on its toggle so keyboard users stay where they were.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open], details.navmenu[open]").forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.removeAttribute("open");
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });

  // Close an open Actions menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("DOMContentLoaded", function () { wireSecretToggles(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wireSecretToggles(event.target); });
})();
