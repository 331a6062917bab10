/* rule-kit docs: filter and sort the all-rules table. No dependencies; works with and without
   mkdocs-material's instant navigation (document$). */
(function () {
  "use strict";
  var SEVERITY = { critical: 4, high: 3, medium: 2, low: 1 };

  function tableAfter(element) {
    for (var node = element.nextElementSibling; node; node = node.nextElementSibling) {
      if (node.tagName === "TABLE") return node;
      var inner = node.querySelector && node.querySelector("table");
      if (inner) return inner;
    }
    return null;
  }

  function cellKey(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }

  function compare(a, b) {
    var sa = SEVERITY[a.toLowerCase()], sb = SEVERITY[b.toLowerCase()];
    if (sa !== undefined && sb !== undefined) return sa - sb;
    var na = parseFloat(a), nb = parseFloat(b);
    if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb) && String(na) === a && String(nb) === b) return na - nb;
    return a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, index) {
      header.setAttribute("role", "button");
      header.setAttribute("tabindex", "0");
      header.classList.add("rk-sortable");
      function sort() {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(cellKey(r1, index), cellKey(r2, index));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function makeFilterable(tools, table) {
    var input = tools.querySelector("input.rk-filter");
    var counter = tools.querySelector(".rk-filter-count");
    if (!input) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var keep = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      if (counter) counter.textContent = shown + " of " + rows.length + " rules";
    }
    input.addEventListener("input", apply);
    apply();
  }

  function setUp() {
    document.querySelectorAll(".rk-table-tools").forEach(function (tools) {
      if (tools.dataset.rkReady) return;
      var table = tableAfter(tools);
      if (!table || !table.tBodies.length) return;
      tools.dataset.rkReady = "1";
      makeSortable(table);
      makeFilterable(tools, table);
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
