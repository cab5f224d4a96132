// The web UI's small progressive layer: the theme toggle and the document viewer (select a field,
// see the box it was read from on its page). Everything else is htmx attributes in the templates.
(function () {
  "use strict";

  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function showThemeButton(button) {
    var dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.textContent = dark ? "Light theme" : "Dark theme";
  }

  function setupTheme() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    showThemeButton(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { window.localStorage.setItem("mca-theme", next); } catch (error) { /* not kept */ }
      showThemeButton(button);
    });
  }

  function pageOf(viewer) {
    return parseInt(viewer.getAttribute("data-current-page") || "1", 10);
  }

  function showPage(viewer, page, then) {
    var pages = parseInt(viewer.getAttribute("data-pages"), 10) || 1;
    var target = Math.min(Math.max(page, 1), pages);
    var image = viewer.querySelector("[data-page-image]");
    var number = viewer.querySelector("[data-page-number]");
    var highlight = viewer.querySelector("[data-highlight]");
    if (target === pageOf(viewer) && image.complete && image.naturalWidth > 0) {
      if (then) then();
      return;
    }
    highlight.hidden = true;
    viewer.setAttribute("data-current-page", String(target));
    number.textContent = String(target);
    image.alt = image.alt.replace(/^Page \d+/, "Page " + target);
    image.addEventListener("load", function onLoad() {
      image.removeEventListener("load", onLoad);
      if (then) then();
    });
    image.src = viewer.getAttribute("data-src") + target;
  }

  function highlightField(viewer, button) {
    var box = button.getAttribute("data-box").split(",").map(Number);
    var page = parseInt(button.getAttribute("data-page"), 10);
    viewer.querySelectorAll("[data-field][aria-pressed='true']").forEach(function (other) {
      other.setAttribute("aria-pressed", "false");
    });
    button.setAttribute("aria-pressed", "true");
    showPage(viewer, page, function () {
      var highlight = viewer.querySelector("[data-highlight]");
      highlight.style.left = (box[0] * 100) + "%";
      highlight.style.top = (box[1] * 100) + "%";
      highlight.style.width = Math.max((box[2] - box[0]) * 100, 0.5) + "%";
      highlight.style.height = Math.max((box[3] - box[1]) * 100, 0.5) + "%";
      highlight.hidden = false;
      highlight.setAttribute("data-for", button.getAttribute("data-field"));
      highlight.scrollIntoView({ block: "nearest" });
      var status = viewer.querySelector("[data-viewer-status]");
      if (status) status.textContent = "Showing " + button.getAttribute("data-field") + " on page " + page + ".";
    });
  }

  function setupViewers(root) {
    root.querySelectorAll("[data-viewer]").forEach(function (viewer) {
      if (viewer.getAttribute("data-ready")) return;
      viewer.setAttribute("data-ready", "true");
      viewer.setAttribute("data-current-page", "1");
      viewer.addEventListener("click", function (event) {
        var field = event.target.closest("button[data-field]");
        if (field && viewer.contains(field)) {
          highlightField(viewer, field);
          return;
        }
        var step = event.target.closest("[data-page-step]");
        if (step && viewer.contains(step)) {
          showPage(viewer, pageOf(viewer) + parseInt(step.getAttribute("data-page-step"), 10));
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    setupViewers(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setupViewers(event.target);
  });
})();
