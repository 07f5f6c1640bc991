/* refarch search: queries the sharded index that refarch writes under
 * <base>search/, from the header (a combobox with a dropdown of results)
 * and on the search page (div#search-page-results).
 *
 * The index holds customer-written text, so results are built with
 * createElement/textContent only, never from HTML strings.
 */
(function () {
  "use strict";

  const DROPDOWN_LIMIT = 20;
  const PAGE_LIMIT = 100;
  const DEBOUNCE_MS = 120;
  const COMPLETION_BUDGET = 256 * 1024;
  const UNAVAILABLE = "Search is unavailable";

  // Built at run time: an engine without Unicode property escapes then
  // reports search as unavailable instead of failing to parse this file.
  const WORD = (() => {
    try { return new RegExp("[\\p{Alphabetic}\\p{N}]+", "gu"); } catch (e) { return null; }
  })();

  const baseMeta = document.querySelector('meta[name="refarch-base"]');
  let base = (baseMeta && baseMeta.getAttribute("content")) || "/";
  if (!base.endsWith("/")) base += "/";

  /* ----------------------------------------------------------- the index */

  // Must match the Rust tokenizer: lowercase the whole text, keep runs of
  // letters and digits, drop tokens under two characters (counted in code
  // points, as Rust counts chars; the same goes for shard prefixes).
  function tokenize(text) {
    if (!WORD) throw new Error("no Unicode regular expressions");
    return (String(text).toLowerCase().match(WORD) || []).filter((token) => Array.from(token).length >= 2);
  }

  const chars = (text) => Array.from(text);

  // One promise per file, shared by concurrent searches; a failed file is
  // forgotten so that a later search tries again.
  const files = new Map();

  function load(path) {
    if (!files.has(path)) {
      const promise = fetch(base + path, { credentials: "same-origin" }).then((response) => {
        if (!response.ok) throw new Error(path + ": HTTP " + response.status);
        return response.json();
      });
      promise.catch(() => files.delete(path));
      files.set(path, promise);
    }
    return files.get(path);
  }

  async function manifest() {
    const m = await load("search/manifest.json");
    if (!m || m.version !== 2 || !Array.isArray(m.shards) || !(m.meta_shard_size > 0)) {
      throw new Error("unexpected search manifest");
    }
    return { shardSize: m.meta_shard_size, shards: new Map(m.shards) };
  }

  // The shards that can hold terms starting with `token`. Terms are sharded
  // by prefix, and a crowded prefix is split by one more character (see
  // src/output/search.rs): the shard named by the longest prefix of the
  // token, and every shard named by a longer word that starts with it.
  // A partial word whose completions would cost more than
  // COMPLETION_BUDGET bytes is matched as a whole word only.
  function shardsFor(token, shards) {
    const found = [];
    const letters = chars(token);
    for (let n = letters.length; n >= 2; n--) {
      const key = letters.slice(0, n).join("");
      if (shards.has(key)) {
        found.push(key);
        break;
      }
    }
    const longer = [];
    let cost = 0;
    for (const [key, bytes] of shards) {
      if (key.length > token.length && key.startsWith(token)) {
        longer.push(key);
        cost += bytes;
      }
    }
    return cost <= COMPLETION_BUDGET ? found.concat(longer) : found;
  }

  // Resolves to { tokens, total, results: [{url, title, section, summary}] }
  // with at most `limit` results, best first.
  async function search(query, limit) {
    const tokens = Array.from(new Set(tokenize(query)));
    const none = { tokens: tokens, total: 0, results: [] };
    if (tokens.length === 0) return none;
    const index = await manifest();
    const keys = tokens.map((token) => shardsFor(token, index.shards));
    if (keys.some((list) => list.length === 0)) return none;
    const shards = await Promise.all(
      keys.map((list) => Promise.all(list.map((key) => load("search/idx/" + encodeURIComponent(key) + ".json"))))
    );

    // A token matches every term that starts with it: an exact match scores
    // in full, a longer term (search as you type) at half. A document must
    // match every token; its scores add up. Postings are flat pairs of
    // (document - previous document, score).
    let scores = null;
    tokens.forEach((token, i) => {
      const mine = new Map();
      for (const shard of shards[i]) {
        for (const term of Object.keys(shard || {})) {
          const postings = shard[term];
          if (!term.startsWith(token) || !Array.isArray(postings)) continue;
          const weight = term === token ? 1 : 0.5;
          let doc = 0;
          for (let p = 0; p + 1 < postings.length; p += 2) {
            doc += postings[p];
            mine.set(doc, (mine.get(doc) || 0) + postings[p + 1] * weight);
          }
        }
      }
      if (scores !== null) {
        for (const [doc, score] of mine) {
          if (scores.has(doc)) mine.set(doc, score + scores.get(doc));
          else mine.delete(doc);
        }
      }
      scores = mine;
    });

    // Best score first; equal scores in document order.
    const ranked = Array.from(scores).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const top = ranked.slice(0, limit);
    const shardOf = (doc) => Math.floor(doc / index.shardSize);
    const shardIds = Array.from(new Set(top.map(([doc]) => shardOf(doc))));
    const metas = await Promise.all(shardIds.map((k) => load("search/meta/" + k + ".json")));
    const results = [];
    for (const [doc] of top) {
      const meta = metas[shardIds.indexOf(shardOf(doc))];
      const entry = Array.isArray(meta) ? meta[doc % index.shardSize] : null;
      if (!Array.isArray(entry)) continue;
      results.push({ url: String(entry[0] || ""), title: entry[1] || "", section: entry[2] || "", summary: entry[3] || "" });
    }
    return { tokens: tokens, total: ranked.length, results: results };
  }

  /* ----------------------------------------------------------- rendering */

  function setAttributes(node, attributes) {
    Object.keys(attributes || {}).forEach((name) => node.setAttribute(name, attributes[name]));
    return node;
  }

  function element(tag, className, text, attributes) {
    const node = setAttributes(document.createElement(tag), attributes);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function empty(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // The summary, with every word that starts with a query token in <mark>.
  function summaryNode(text, tokens) {
    const node = element("span", "result-summary");
    const words = new RegExp(WORD.source, "gu");
    let last = 0;
    let match;
    while ((match = words.exec(text)) !== null) {
      const word = match[0].toLowerCase();
      if (!tokens.some((token) => word.startsWith(token))) continue;
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      node.appendChild(element("mark", "", match[0]));
      last = match.index + match[0].length;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
    return node;
  }

  function resultLink(result, tokens) {
    const link = element("a", "search-result");
    link.href = base + result.url;
    link.appendChild(element("span", "result-title", result.title || result.url || "Home"));
    if (result.section) link.appendChild(element("span", "result-section", result.section));
    if (result.summary) link.appendChild(summaryNode(String(result.summary), tokens));
    return link;
  }

  function countLine(found, query) {
    const quoted = "\u201c" + query.trim() + "\u201d";
    if (found.total === 0) return "No results for " + quoted;
    const count = found.total === 1 ? "1 result" : found.total + " results";
    const shown = found.results.length;
    return count + " for " + quoted + (found.total > shown ? " (showing the first " + shown + ")" : "");
  }

  /* ------------------------------------------------------ header combobox */

  function setupHeader() {
    const input = document.getElementById("search-input");
    const box = document.getElementById("search-results");
    if (!input || !box) return;
    const form = input.form || input.parentNode;
    const status = form.appendChild(element("span", "visually-hidden", "", { role: "status" }));
    setAttributes(input, {
      name: input.name || "q", autocomplete: "off", role: "combobox",
      "aria-autocomplete": "list", "aria-controls": box.id, "aria-expanded": "false",
    });
    box.setAttribute("role", "listbox");
    if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", "Search results");
    box.hidden = true;

    let options = [];
    let active = -1;
    let shownFor = null; // the input value the listbox content answers
    let timer = 0;
    let sequence = 0; // answers to superseded queries are dropped

    function setActive(index) {
      active = index;
      options.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function setOpen(open) {
      box.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) setActive(-1);
    }

    // Results become options. A message sits in the listbox as a disabled
    // option, which keeps the listbox valid; the status region announces it.
    function show(found, message) {
      setOpen(false);
      empty(box);
      shownFor = input.value;
      // tabindex -1: focus stays in the input, which points at the active
      // option through aria-activedescendant.
      options = (found ? found.results : []).map((result, i) => box.appendChild(setAttributes(
        resultLink(result, found.tokens),
        { id: box.id + "-option-" + i, tabindex: "-1", role: "option", "aria-selected": "false" }
      )));
      if (options.length === 0) {
        box.appendChild(element("div", "search-message", message, { role: "option", "aria-disabled": "true" }));
      }
      status.textContent = message;
      setOpen(true);
    }

    function run() {
      const query = input.value;
      const mine = ++sequence;
      search(query, DROPDOWN_LIMIT).then((found) => {
        if (mine !== sequence) return;
        if (found.tokens.length > 0) {
          show(found, countLine(found, query));
        } else {
          // Nothing searchable yet (blank, or a single letter): no dropdown.
          setOpen(false);
          empty(box);
          options = [];
          status.textContent = "";
        }
      }, () => mine === sequence && show(null, UNAVAILABLE));
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DEBOUNCE_MS);
    });

    input.addEventListener("focus", () => {
      if (box.firstChild && shownFor === input.value) setOpen(true);
    });

    input.addEventListener("keydown", (event) => {
      if (event.isComposing) return; // keys that belong to an input method
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length > 0) {
        event.preventDefault();
        setOpen(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        const from = active < 0 ? (step > 0 ? -1 : 0) : active;
        setActive((from + step + options.length) % options.length);
      } else if (event.key === "Enter" && !box.hidden && active >= 0) {
        // With no active option, Enter submits the form to the search page.
        event.preventDefault();
        window.location.assign(options[active].href);
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();
        setOpen(false);
      } else if (event.key === "Tab") {
        setOpen(false);
      }
    });

    document.addEventListener("click", (event) => {
      if (!form.contains(event.target)) setOpen(false);
    });
  }

  /* --------------------------------------------------------- search page */

  function setupPage() {
    const target = document.getElementById("search-page-results");
    if (!target) return;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const input = document.getElementById("search-input");
    if (input) input.value = query;
    if (query.trim() === "") return;

    // The count line goes in first and stays, so that its change from
    // "Searching" to the outcome is announced. It is the only live region:
    // a live container would read every result aloud as the list arrives.
    target.removeAttribute("aria-live");
    empty(target);
    const line = target.appendChild(element("p", "search-count", "Searching\u2026", { role: "status" }));
    search(query, PAGE_LIMIT).then(
      (found) => {
        line.textContent = countLine(found, query);
        if (found.results.length === 0) return;
        const list = target.appendChild(element("ol", "search-results"));
        found.results.forEach((result) => list.appendChild(element("li")).appendChild(resultLink(result, found.tokens)));
      },
      () => (line.textContent = UNAVAILABLE)
    );
  }

  function init() {
    setupHeader();
    setupPage();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
