// The support checker: the same verdicts as `refarch support`, computed in
// the browser from support/support.json (the catalog, the rules as loaded,
// the sizes and the exception process). Nothing here is hard-coded: every
// choice comes from the export. The semantics follow DESIGN's "Support
// rules" step for step, as src/analysis/support.rs does; the shared test
// vectors and a randomized comparison hold the two to the same answers.
(function () {
  "use strict";

  var DIMENSIONS = ["method", "provider", "environment", "arch", "executor", "release", "kubernetes",
    "feature", "external", "users", "repositories", "largest_repo_mb", "monorepos"];
  var ID_DIMENSIONS = ["method", "provider", "environment", "arch", "executor"];
  var NUMBER_DIMENSIONS = ["users", "repositories", "largest_repo_mb", "monorepos"];

  // --- Versions and ranges: a bound compares at its own precision. ---
  function parseVersion(text) {
    if (typeof text !== "string") return null;
    var t = text.trim();
    if (t.charAt(0) === "v") t = t.slice(1);
    var parts = t.split(".");
    if (parts.length < 1 || parts.length > 3) return null;
    var out = [];
    for (var i = 0; i < parts.length; i++) {
      if (!/^[0-9]+$/.test(parts[i])) return null;
      out.push(parseInt(parts[i], 10));
    }
    return out;
  }

  function splitOperator(text) {
    var ops = ["<=", ">=", "<", ">", "="];
    for (var i = 0; i < ops.length; i++) {
      if (text.indexOf(ops[i]) === 0) return [ops[i], text.slice(ops[i].length).trim()];
    }
    return ["=", text];
  }

  function holdsOp(op, ordering) {
    switch (op) {
      case "<": return ordering < 0;
      case "<=": return ordering <= 0;
      case ">": return ordering > 0;
      case ">=": return ordering >= 0;
      default: return ordering === 0;
    }
  }

  function parseRange(text, parseBound) {
    if (text.trim() === "*") return [];
    return text.split(",").map(function (part) {
      var split = splitOperator(part.trim());
      return [split[0], parseBound(split[1].trim())];
    });
  }

  function compareAtPrecision(version, bound) {
    for (var i = 0; i < bound.length; i++) {
      var mine = i < version.length ? version[i] : 0;
      if (mine !== bound[i]) return mine < bound[i] ? -1 : 1;
    }
    return 0;
  }

  function versionIn(rangeText, version) {
    var range = parseRange(rangeText, parseVersion);
    return range.every(function (c) { return holdsOp(c[0], compareAtPrecision(version, c[1])); });
  }

  function numberIn(rangeText, number) {
    var range = parseRange(rangeText, function (b) { return parseInt(b.replace(/_/g, ""), 10); });
    return range.every(function (c) { return holdsOp(c[0], number === c[1] ? 0 : (number < c[1] ? -1 : 1)); });
  }

  // --- Conditions. `undefined`: the rule says nothing on that dimension. ---
  function asList(value) { return Array.isArray(value) ? value : [value]; }

  function holds(when, dimension, r) {
    var condition = when[dimension];
    if (condition === undefined || condition === null) return undefined;
    if (ID_DIMENSIONS.indexOf(dimension) >= 0) {
      return r[dimension] !== undefined && asList(condition).indexOf(r[dimension]) >= 0;
    }
    if (dimension === "release" || dimension === "kubernetes") {
      var version = r[dimension] === undefined ? null : parseVersion(r[dimension]);
      return version !== null && versionIn(condition, version);
    }
    if (dimension === "feature") {
      var wanted = r.feature || [];
      return asList(condition).some(function (f) { return wanted.indexOf(f) >= 0; });
    }
    if (dimension === "external") {
      var given = r.external || {};
      return Object.keys(condition).every(function (kind) {
        if (!Object.prototype.hasOwnProperty.call(given, kind)) return false;
        if (condition[kind].trim() === "*") return true;
        var v = given[kind] === true ? null : parseVersion(given[kind]);
        return v !== null && versionIn(condition[kind], v);
      });
    }
    return r[dimension] !== undefined && numberIn(condition, r[dimension]);
  }

  function matches(when, r) {
    return DIMENSIONS.every(function (d) { return holds(when, d, r) !== false; });
  }

  // The values of a requirement set, in the engines' shared order, each
  // with a requirement set holding that value alone.
  function singleValues(r) {
    var out = [];
    function push(dimension, value, single) { out.push({ dimension: dimension, value: value, single: single }); }
    ["method", "provider", "environment", "arch", "executor", "release", "kubernetes"].forEach(function (d) {
      if (r[d] !== undefined) { var s = {}; s[d] = r[d]; push(d, d === "release" || d === "kubernetes" ? formatVersion(r[d]) : r[d], s); }
    });
    (r.feature || []).slice().sort().forEach(function (f) { push("feature", f, { feature: [f] }); });
    Object.keys(r.external || {}).sort().forEach(function (kind) {
      var v = r.external[kind];
      var s = { external: {} };
      s.external[kind] = v;
      push("external", v === true ? kind : kind + "=" + formatVersion(v), s);
    });
    NUMBER_DIMENSIONS.forEach(function (d) {
      if (r[d] !== undefined) { var s = {}; s[d] = r[d]; push(d, String(r[d]), s); }
    });
    return out;
  }

  function formatVersion(text) {
    var v = parseVersion(text);
    return v === null ? String(text) : v.join(".");
  }

  // --- Sizing: the smallest size whose limits cover every figure. ---
  function sizing(data, r) {
    var figures = NUMBER_DIMENSIONS.filter(function (d) { return r[d] !== undefined; });
    if (figures.length === 0 || data.sizes.length === 0) return { result: "not-given" };
    var limitOf = function (size, d) { var l = size.limits[d]; return l === undefined ? null : l; };
    for (var i = 0; i < data.sizes.length; i++) {
      var size = data.sizes[i];
      var fits = figures.every(function (d) { var l = limitOf(size, d); return l === null || r[d] <= l; });
      if (fits) return { result: "fits", size: size.id, name: size.name };
    }
    var largest = data.sizes[data.sizes.length - 1];
    for (var j = 0; j < figures.length; j++) {
      var limit = limitOf(largest, figures[j]);
      if (limit !== null && r[figures[j]] > limit) {
        return { result: "contact-support", dimension: figures[j], value: r[figures[j]], largest: largest.id, limit: limit };
      }
    }
    return { result: "not-given" };
  }

  function severity(data, status) { return data.statuses.map(function (s) { return s.id; }).indexOf(status); }

  function evaluate(data, r) {
    var matched = [];
    data.rules.forEach(function (rule, order) {
      if (matches(rule.when, r)) matched.push({ id: rule.id, status: rule.status, reason: rule.reason, source: rule.source, order: order });
    });
    // Most severe first; the file's order breaks ties (a stable sort).
    matched.sort(function (a, b) { return (severity(data, b.status) - severity(data, a.status)) || (a.order - b.order); });
    var undocumented = singleValues(r).filter(function (v) {
      return !data.rules.some(function (rule) { return holds(rule.when, v.dimension, v.single) === true; });
    }).map(function (v) { return { dimension: v.dimension, value: v.value }; });
    var size = sizing(data, r);
    var worst = matched.length ? matched[0].status : "not-documented";
    function atLeast(status) { if (severity(data, status) > severity(data, worst)) worst = status; }
    if (undocumented.length) atLeast("not-documented");
    if (size.result === "contact-support") atLeast("contact-support");
    return {
      status: worst,
      rules: matched.map(function (m) { return { id: m.id, status: m.status, reason: m.reason, source: m.source }; }),
      undocumented: undocumented,
      sizing: size,
      alternatives: []
    };
  }

  // "If not, what is?": per dimension of a rule worse than supported, the
  // values that fix that dimension, everything else unchanged.
  function alternatives(data, r, verdict) {
    var supported = severity(data, "supported");
    var dims = [];
    verdict.rules.forEach(function (m) {
      if (severity(data, m.status) <= supported) return;
      var rule = data.rules.filter(function (x) { return x.id === m.id; })[0];
      DIMENSIONS.forEach(function (d) { if (holds(rule.when, d, r) !== undefined && dims.indexOf(d) < 0) dims.push(d); });
    });
    dims.sort(function (a, b) { return DIMENSIONS.indexOf(a) - DIMENSIONS.indexOf(b); });
    var out = [];
    dims.forEach(function (d) {
      var values = candidates(data, d).filter(function (candidate) {
        var current = d === "release" && r.release !== undefined ? formatVersion(r.release) : r[d];
        if (current === candidate) return false;
        var changed = Object.assign({}, r);
        changed[d] = candidate;
        return fixes(data, changed, d);
      });
      if (values.length) out.push({ dimension: d, values: values });
    });
    return out;
  }

  function candidates(data, d) {
    var ids = function (list) { return list.map(function (e) { return e.id; }); };
    if (d === "method" || d === "provider" || d === "arch" || d === "executor") return ids(data.catalog[d]);
    if (d === "release") return data.releases.slice().reverse();
    return [];
  }

  function fixes(data, changed, d) {
    var supported = severity(data, "supported");
    var documented = data.rules.some(function (rule) { return holds(rule.when, d, changed) === true; });
    return documented && data.rules.every(function (rule) {
      return holds(rule.when, d, changed) === undefined || !matches(rule.when, changed) || severity(data, rule.status) <= supported;
    });
  }

  function verdict(data, r) {
    var result = evaluate(data, r);
    if (severity(data, result.status) > severity(data, "supported")) result.alternatives = alternatives(data, r, result);
    if (severity(data, result.status) >= severity(data, "not-for-production")) result.exception = data.exception;
    return result;
  }

  function shellWord(word) {
    return /^[A-Za-z0-9._=-]+$/.test(word) ? word : "'" + word.replace(/'/g, "'\\''") + "'";
  }

  function commandLine(r) {
    var words = ["refarch support"];
    singleValues(r).forEach(function (v) {
      words.push("--" + v.dimension.replace(/_/g, "-") + " " + shellWord(v.value));
    });
    return words.join(" ");
  }

  window.refarchChecker = { verdict: verdict, commandLine: commandLine, parseVersion: parseVersion };
})();

// The form on /support/: built from the export, kept in the address, and
// answered by the engine above on every change.
(function () {
  "use strict";
  var root = document.getElementById("checker");
  if (!root) return;
  var meta = document.querySelector('meta[name="refarch-base"]');
  var base = meta ? meta.getAttribute("content") : "/";
  var engine = window.refarchChecker;
  var data = null;
  var SELECTS = [["method", "Deployment method"], ["provider", "Hosting provider"], ["environment", "Environment"],
    ["arch", "CPU architecture"], ["executor", "Executor runtime"]];
  var NUMBERS = [["users", "Users"], ["repositories", "Repositories"], ["largest_repo_mb", "Largest repository (MB)"],
    ["monorepos", "Monorepos"]];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function field(id, label, control) {
    var wrap = el("div", { "class": "checker-field" });
    wrap.appendChild(el("label", { "for": id }, label));
    wrap.appendChild(control);
    return wrap;
  }

  function select(name, entries) {
    var s = el("select", { id: "checker-" + name, name: name });
    s.appendChild(el("option", { value: "" }, "Not specified"));
    entries.forEach(function (e) { s.appendChild(el("option", { value: e.id }, e.name)); });
    return s;
  }

  function build() {
    var form = el("form", { id: "checker-form", "class": "checker-form" });
    form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
    var deployment = el("fieldset");
    deployment.appendChild(el("legend", {}, "Deployment"));
    SELECTS.forEach(function (pair) { deployment.appendChild(field("checker-" + pair[0], pair[1], select(pair[0], data.catalog[pair[0]]))); });
    var releases = data.releases.slice().reverse().map(function (r) { return { id: r, name: r }; });
    deployment.appendChild(field("checker-release", "Release", select("release", releases)));
    var kube = el("input", { id: "checker-kubernetes", name: "kubernetes", type: "text", inputmode: "decimal", placeholder: "for example 1.31", autocomplete: "off" });
    deployment.appendChild(field("checker-kubernetes", "Kubernetes version", kube));
    form.appendChild(deployment);

    var externals = el("fieldset");
    externals.appendChild(el("legend", {}, "Services run outside the deployment"));
    data.catalog.external.forEach(function (x) {
      if (x.versioned) {
        var input = el("input", { id: "checker-external-" + x.id, name: "external-" + x.id, type: "text", inputmode: "decimal", placeholder: "version, if external", autocomplete: "off" });
        externals.appendChild(field("checker-external-" + x.id, x.name + " version", input));
      } else {
        var box = el("input", { id: "checker-external-" + x.id, name: "external-" + x.id, type: "checkbox" });
        var wrap = el("div", { "class": "checker-check" });
        wrap.appendChild(box);
        wrap.appendChild(el("label", { "for": "checker-external-" + x.id }, x.name + " is external"));
        externals.appendChild(wrap);
      }
    });
    form.appendChild(externals);

    var features = el("fieldset");
    features.appendChild(el("legend", {}, "Features"));
    data.catalog.feature.forEach(function (f) {
      var wrap = el("div", { "class": "checker-check" });
      wrap.appendChild(el("input", { id: "checker-feature-" + f.id, name: "feature", value: f.id, type: "checkbox" }));
      wrap.appendChild(el("label", { "for": "checker-feature-" + f.id }, f.name));
      features.appendChild(wrap);
    });
    form.appendChild(features);

    var usage = el("fieldset");
    usage.appendChild(el("legend", {}, "Usage"));
    NUMBERS.forEach(function (pair) {
      usage.appendChild(field("checker-" + pair[0], pair[1], el("input", { id: "checker-" + pair[0], name: pair[0], type: "number", min: "0", step: "1" })));
    });
    form.appendChild(usage);
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    root.appendChild(form);

    var result = el("div", { id: "checker-result", "class": "checker-result", "aria-live": "polite" });
    root.appendChild(result);
  }

  // The form as requirements, in the engines' shape.
  function read() {
    var r = {};
    SELECTS.concat([["release"]]).forEach(function (pair) {
      var v = document.getElementById("checker-" + pair[0]).value;
      if (v) r[pair[0]] = v;
    });
    // Versions typed by hand must parse, as the CLI demands; a bad one is
    // flagged on its field and left out of the question.
    var kubeField = document.getElementById("checker-kubernetes");
    var kube = kubeField.value.trim();
    kubeField.setAttribute("aria-invalid", kube && !engine.parseVersion(kube) ? "true" : "false");
    if (kube && engine.parseVersion(kube)) r.kubernetes = kube;
    var features = Array.prototype.slice.call(document.querySelectorAll('#checker-form input[name="feature"]:checked')).map(function (i) { return i.value; });
    if (features.length) r.feature = features.sort();
    data.catalog.external.forEach(function (x) {
      var input = document.getElementById("checker-external-" + x.id);
      if (x.versioned) {
        var version = input.value.trim();
        input.setAttribute("aria-invalid", version && !engine.parseVersion(version) ? "true" : "false");
        if (version && engine.parseVersion(version)) { r.external = r.external || {}; r.external[x.id] = version; }
      }
      if (!x.versioned && input.checked) { r.external = r.external || {}; r.external[x.id] = true; }
    });
    NUMBERS.forEach(function (pair) {
      var v = document.getElementById("checker-" + pair[0]).value;
      if (v !== "" && /^[0-9]+$/.test(v)) r[pair[0]] = parseInt(v, 10);
    });
    return r;
  }

  // Fills the form from the address (`?method=helm&feature=rockskip&external=postgres=15`).
  function fill(params) {
    SELECTS.concat([["release"], ["kubernetes"]]).concat(NUMBERS).forEach(function (pair) {
      var v = params.get(pair[0]);
      if (v === null) return;
      // Releases are offered as minors; a patch belongs to its minor.
      if (pair[0] === "release" && engine.parseVersion(v)) v = engine.parseVersion(v).slice(0, 2).join(".");
      document.getElementById("checker-" + pair[0]).value = v;
    });
    params.getAll("feature").forEach(function (f) {
      var box = document.getElementById("checker-feature-" + f);
      if (box) box.checked = true;
    });
    params.getAll("external").forEach(function (value) {
      var parts = value.split("=");
      var input = document.getElementById("checker-external-" + parts[0]);
      if (!input) return;
      if (input.type === "checkbox") input.checked = true; else input.value = parts.slice(1).join("=");
    });
  }

  function toQuery(r) {
    var params = new URLSearchParams();
    SELECTS.concat([["release"], ["kubernetes"]]).forEach(function (pair) { if (r[pair[0]] !== undefined) params.append(pair[0], r[pair[0]]); });
    (r.feature || []).forEach(function (f) { params.append("feature", f); });
    Object.keys(r.external || {}).sort().forEach(function (k) { params.append("external", r.external[k] === true ? k : k + "=" + r.external[k]); });
    NUMBERS.forEach(function (pair) { if (r[pair[0]] !== undefined) params.append(pair[0], String(r[pair[0]])); });
    return params.toString();
  }

  function label(status) {
    return data.statuses.filter(function (s) { return s.id === status; })[0] || { id: status, label: status, description: "" };
  }

  function badge(status) {
    var s = label(status);
    return el("span", { "class": "status status-" + s.id, title: s.description }, s.label);
  }

  function link(href, text) { return el("a", { href: href }, text); }

  function render(r, v) {
    var result = document.getElementById("checker-result");
    result.textContent = "";
    var heading = el("p", { "class": "checker-status" });
    heading.appendChild(el("strong", {}, "Verdict: "));
    heading.appendChild(badge(v.status));
    heading.appendChild(document.createTextNode(" " + label(v.status).description));
    result.appendChild(heading);

    var concerns = v.rules.filter(function (m) { return data.statuses.map(function (s) { return s.id; }).indexOf(m.status) > 1; });
    if (concerns.length) {
      result.appendChild(el("h3", {}, "Why"));
      var list = el("ul", { "class": "checker-rules" });
      concerns.forEach(function (m) {
        var item = el("li");
        item.appendChild(badge(m.status));
        item.appendChild(document.createTextNode(" " + m.reason + " "));
        if (/^(https?:|\/)/.test(m.source)) item.appendChild(link(m.source.charAt(0) === "/" ? base + m.source.slice(1) : m.source, "Source"));
        item.appendChild(document.createTextNode(" · "));
        item.appendChild(link("#rule-" + m.id, "rule " + m.id));
        list.appendChild(item);
      });
      result.appendChild(list);
    }
    var fine = v.rules.filter(function (m) { return concerns.indexOf(m) < 0; });
    if (fine.length) result.appendChild(el("p", {}, "Also applies: " + fine.map(function (m) { return m.id + " (" + label(m.status).label.toLowerCase() + ")"; }).join(", ")));
    if (!v.rules.length) result.appendChild(el("p", {}, "No rule applies to this combination."));
    if (v.undocumented.length) {
      result.appendChild(el("p", {}, "Not documented (no rule covers these values): " + v.undocumented.map(function (u) { return u.dimension + " = " + u.value; }).join(", ")));
    }
    var size = el("p", {});
    if (v.sizing.result === "fits") {
      size.appendChild(document.createTextNode("Reference size: "));
      size.appendChild(link(base + "reference-architectures/" + v.sizing.size + "/", v.sizing.name));
      size.appendChild(document.createTextNode(", the smallest that fits."));
    } else if (v.sizing.result === "contact-support") {
      size.textContent = "Contact support: " + v.sizing.dimension + " " + v.sizing.value + " is beyond the largest size (" + v.sizing.largest + ", up to " + v.sizing.limit + ").";
    } else {
      size.textContent = "Give users or repositories to size the deployment.";
    }
    result.appendChild(size);
    if (v.alternatives.length) {
      result.appendChild(el("h3", {}, "What would be supported instead"));
      var alternatives = el("ul");
      v.alternatives.forEach(function (a) { alternatives.appendChild(el("li", {}, a.dimension + ": " + a.values.join(", "))); });
      result.appendChild(alternatives);
    }
    if (v.exception) {
      result.appendChild(el("h3", {}, "This is not supported: the exception process"));
      result.appendChild(el("p", {}, v.exception.summary));
      result.appendChild(el("p", {}, "Engage: " + v.exception.parties.join(", ") + "."));
      var questions = el("ol");
      v.exception.questions.forEach(function (q) { questions.appendChild(el("li", {}, q)); });
      result.appendChild(questions);
    }
    var command = engine.commandLine(r);
    var commandBox = el("p", { "class": "checker-command" });
    commandBox.appendChild(el("code", { id: "checker-command" }, command));
    var copy = el("button", { type: "button", id: "checker-copy" }, "Copy as command");
    copy.addEventListener("click", function () {
      if (navigator.clipboard) navigator.clipboard.writeText(command).then(function () { copy.textContent = "Copied"; }, function () {});
    });
    commandBox.appendChild(document.createTextNode(" "));
    commandBox.appendChild(copy);
    result.appendChild(commandBox);
  }

  function update() {
    var r = read();
    var query = toQuery(r);
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
    render(r, engine.verdict(data, r));
  }

  fetch(base + "support/support.json")
    .then(function (response) { return response.json(); })
    .then(function (json) {
      data = json;
      build();
      var params = new URLSearchParams(location.search);
      if (Array.from(params.keys()).length) {
        fill(params);
      } else {
        // Sensible defaults: production, on the latest release.
        document.getElementById("checker-environment").value = "prod";
        document.getElementById("checker-release").value = data.releases[data.releases.length - 1];
      }
      root.hidden = false;
      update();
    })
    .catch(function () {
      root.hidden = false;
      root.appendChild(el("p", {}, "The checker could not load its rules; use the matrices below or the command line."));
    });
})();
