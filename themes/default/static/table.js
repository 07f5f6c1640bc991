/* refarch tables: sorting and filtering, as progressive enhancement.
 *
 * Without this script every table is complete and readable; with it,
 * table[data-sortable] gains sort buttons in its th[data-sort] headers and
 * controls carrying data-filter-table="ID" filter the rows of table#ID.
 * Filter values are mirrored in the query string so a view can be shared.
 */
(function () {
  "use strict";

  const TEXT_DEBOUNCE_MS = 150;
  const URL_DEBOUNCE_MS = 250;
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  /* ---------------------------------------------------------------- sort */

  // Column position of a header cell, counting the colspans before it, so
  // header and body cells line up even when some cells span columns.
  function columnOf(cell) {
    let column = 0;
    for (let sibling = cell.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
      column += sibling.colSpan || 1;
    }
    return column;
  }

  function cellAt(row, column) {
    let start = 0;
    for (const cell of row.cells) {
      start += cell.colSpan || 1;
      if (column < start) {
        return cell;
      }
    }
    return null;
  }

  // A sort key, or null when the cell has nothing to sort by (such rows go
  // last in either direction).
  function sortKey(cell, type) {
    if (!cell) {
      return null;
    }
    const raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    if (type === "number") {
      // Thousands separators, units and percent signs go; a typographic
      // minus counts as a minus.
      const value = parseFloat(raw.replace(/\u2212/g, "-").replace(/[^0-9.-]/g, ""));
      return Number.isFinite(value) ? value : null;
    }
    const text = raw.trim();
    return text === "" ? null : text;
  }

  function enhanceSortable(table) {
    const headers = Array.from(table.querySelectorAll("thead th[data-sort]"));
    // The server's order breaks ties, so rows with equal keys never shuffle.
    const original = new Map();
    for (const body of table.tBodies) {
      Array.from(body.rows).forEach((row, index) => original.set(row, index));
    }

    function sortBy(th) {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      const type = th.getAttribute("data-sort") === "number" ? "number" : "text";
      const column = columnOf(th);
      for (const header of headers) {
        header.setAttribute("aria-sort", header === th ? (ascending ? "ascending" : "descending") : "none");
      }
      for (const body of table.tBodies) {
        const entries = Array.from(body.rows, (row) => ({
          row: row,
          key: sortKey(cellAt(row, column), type),
          position: original.has(row) ? original.get(row) : Infinity,
        }));
        entries.sort((a, b) => {
          let order = 0;
          if (a.key === null || b.key === null) {
            order = (a.key === null) - (b.key === null);
          } else {
            order = type === "number" ? a.key - b.key : collator.compare(a.key, b.key);
            order = ascending ? order : -order;
          }
          return order || a.position - b.position;
        });
        const fragment = document.createDocumentFragment();
        entries.forEach((entry) => fragment.appendChild(entry.row));
        body.appendChild(fragment);
      }
    }

    for (const th of headers) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) {
        button.appendChild(th.firstChild);
      }
      th.appendChild(button);
      // A header the page was already sorted by keeps its aria-sort.
      if (!th.hasAttribute("aria-sort")) {
        th.setAttribute("aria-sort", "none");
      }
      button.addEventListener("click", () => sortBy(th));
    }
  }

  /* -------------------------------------------------------------- filter */

  function normalise(text) {
    return text.toLowerCase().replace(/\s+/g, " ").trim();
  }

  const rowTexts = new WeakMap();

  function rowText(row) {
    if (!rowTexts.has(row)) {
      const own = row.getAttribute("data-filter-text");
      rowTexts.set(row, normalise(own !== null ? own : row.textContent));
    }
    return rowTexts.get(row);
  }

  function isSelect(control) {
    return control.tagName === "SELECT";
  }

  function keyOf(control) {
    return control.getAttribute("data-filter-key") ||
      (isSelect(control) ? control.getAttribute("data-filter-column") : "q");
  }

  function applyFilters(table, controls) {
    const needles = [];
    const columns = [];
    for (const control of controls) {
      const column = control.getAttribute("data-filter-column");
      if (!isSelect(control)) {
        const needle = normalise(control.value);
        if (needle !== "") {
          needles.push(needle);
        }
      } else if (column && control.value !== "") {
        columns.push({ attribute: "data-" + column, value: control.value });
      }
    }

    let shown = 0;
    let total = 0;
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        const keep = needles.every((needle) => rowText(row).indexOf(needle) !== -1) &&
          columns.every((filter) => row.getAttribute(filter.attribute) === filter.value);
        if (row.hidden === keep) {
          row.hidden = !keep;
        }
        total += 1;
        shown += keep ? 1 : 0;
      }
    }

    for (const counter of document.querySelectorAll("[data-filter-count]")) {
      if (counter.getAttribute("data-filter-count") !== table.id) {
        continue;
      }
      const message = shown + " of " + total + " " + (counter.getAttribute("data-noun") || "rows");
      // Only real changes reach the live region, so nothing is re-announced.
      if (counter.textContent !== message) {
        counter.textContent = message;
      }
      // Added after the first fill, so the page load itself is not announced.
      if (!counter.hasAttribute("aria-live")) {
        counter.setAttribute("aria-live", "polite");
      }
    }
  }

  // Mirrors every filter control into the query string, keeping unrelated
  // parameters and the fragment.
  function writeQuery(controls) {
    const params = new URLSearchParams(window.location.search);
    for (const control of controls) {
      const key = keyOf(control);
      const value = control.value.trim();
      if (key && value !== "") {
        params.set(key, value);
      } else if (key) {
        params.delete(key);
      }
    }
    const query = params.toString();
    const url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    try {
      window.history.replaceState(window.history.state, "", url);
    } catch (e) {
      // Some browsers throttle replaceState; the filter still applies.
    }
  }

  function enhanceFilters() {
    const groups = new Map();
    const all = [];
    for (const control of document.querySelectorAll("input[data-filter-table], select[data-filter-table]")) {
      const table = document.getElementById(control.getAttribute("data-filter-table"));
      if (table && table.tagName === "TABLE") {
        groups.set(table, (groups.get(table) || []).concat(control));
        all.push(control);
      }
    }

    // The query string wins over whatever the browser restored into the
    // controls; a select only takes a value it actually offers.
    const params = new URLSearchParams(window.location.search);
    for (const control of all) {
      const value = params.get(keyOf(control));
      if (value !== null && (!isSelect(control) || Array.from(control.options).some((o) => o.value === value))) {
        control.value = value;
      }
    }

    let urlTimer = 0;
    groups.forEach((controls, table) => {
      let textTimer = 0;
      const refresh = () => {
        applyFilters(table, controls);
        window.clearTimeout(urlTimer);
        urlTimer = window.setTimeout(() => writeQuery(all), URL_DEBOUNCE_MS);
      };
      for (const control of controls) {
        if (isSelect(control)) {
          control.addEventListener("change", refresh);
        } else {
          control.addEventListener("input", () => {
            window.clearTimeout(textTimer);
            textTimer = window.setTimeout(refresh, TEXT_DEBOUNCE_MS);
          });
        }
      }
      applyFilters(table, controls);
    });

    // Back/forward cache: the controls may come back with other values.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        groups.forEach((controls, table) => applyFilters(table, controls));
      }
    });
  }

  function init() {
    document.querySelectorAll("table[data-sortable]").forEach(enhanceSortable);
    enhanceFilters();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
