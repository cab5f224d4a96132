// Applies the chosen theme before the page paints (no flash); ui.js wires the toggle.
(function () {
  try {
    var chosen = window.localStorage.getItem("mca-theme");
    if (chosen === "light" || chosen === "dark") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (error) {
    // storage may be unavailable (private mode): the system preference applies
  }
})();
