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
