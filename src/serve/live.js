// refarch serve: live reload and build errors in the page. Injected by the
// dev server only; never part of a built site.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="refarch-base"]');
  var base = meta ? meta.getAttribute("content") : "/";
  // The rebuild this page came from: a page fetched just before a rebuild
  // whose event it then missed (while loading) reloads on connecting.
  var script = document.currentScript;
  var epoch = script && script.dataset.epoch !== undefined ? Number(script.dataset.epoch) : null;
  var overlay = null;

  function showProblem(text) {
    if (!text) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.className = "error-overlay";
      overlay.setAttribute("role", "alert");
      var title = document.createElement("p");
      title.className = "error-overlay-title";
      title.textContent = document.body.hasAttribute("data-refarch-no-site")
        ? "The site does not build yet. Fix the file and the site appears here."
        : "The last edit does not build. This is the last good site; fix the file and it updates.";
      overlay.appendChild(title);
      overlay.appendChild(document.createElement("pre"));
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }

  function swapStyles(version) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href").split("?")[0];
      links[i].setAttribute("href", href + "?v=" + version);
    }
  }

  var source = new EventSource(base + "__refarch/events");
  source.addEventListener("hello", function (e) {
    var state = JSON.parse(e.data);
    // Rebuilds made while this page loaded (or while disconnected) sent
    // events it did not get: reload for changed pages, restyle for
    // stylesheets alone.
    if (epoch !== null && state.epoch !== epoch) {
      if (state.pages_epoch > epoch) { location.reload(); return; }
      swapStyles(state.epoch);
    }
    epoch = state.epoch;
    showProblem(state.problem);
  });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("css", function (e) {
    var state = JSON.parse(e.data);
    epoch = state.epoch;
    swapStyles(state.epoch);
    showProblem(null);
  });
  source.addEventListener("problem", function (e) {
    showProblem(JSON.parse(e.data).problem);
  });
})();
