/* refarch theme switcher.
 *
 * Loaded synchronously in <head> so that an explicit choice is applied
 * before the first paint (no flash of the wrong theme). Without a stored
 * choice, html[data-theme] stays absent and the stylesheet follows the
 * system setting through prefers-color-scheme.
 */
(function () {
  "use strict";

  const KEY = "refarch-theme";
  const root = document.documentElement;
  const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  // Storage can throw (private browsing, disabled cookies, sandboxed
  // frames); the theme then simply is not remembered.
  function stored() {
    try {
      const value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch (e) {
      return null;
    }
  }

  function store(value) {
    try {
      window.localStorage.setItem(KEY, value);
    } catch (e) {
      // Not remembered; the choice still holds for this page.
    }
  }

  function apply(choice) {
    if (choice) {
      root.dataset.theme = choice;
    } else {
      delete root.dataset.theme;
    }
  }

  // The theme on screen: the explicit choice, else the system's.
  function effective() {
    const choice = root.dataset.theme;
    if (choice === "light" || choice === "dark") {
      return choice;
    }
    return media && media.matches ? "dark" : "light";
  }

  apply(stored());

  function wire() {
    const button = document.getElementById("theme-toggle");
    if (!button) {
      return;
    }

    function update() {
      const dark = effective() === "dark";
      const label = dark ? "Switch to light theme" : "Switch to dark theme";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.setAttribute("aria-label", label);
      // A button holding an icon or other markup keeps it; plain text is
      // replaced with the label.
      if (button.children.length === 0) {
        button.textContent = label;
      }
    }

    button.addEventListener("click", function () {
      const next = effective() === "dark" ? "light" : "dark";
      apply(next);
      store(next);
      update();
    });

    // While no choice is stored, the system setting may change under us.
    if (media) {
      if (media.addEventListener) {
        media.addEventListener("change", update);
      } else if (media.addListener) {
        media.addListener(update);
      }
    }

    // A choice made in another tab applies here too.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) {
        apply(stored());
        update();
      }
    });

    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
