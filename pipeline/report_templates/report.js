// Review report behaviour: sorting and filtering the index; on article pages the
// "only divergences" toggle and keyboard navigation between flagged beads (n / p, j / k).
(function () {
  "use strict";
  function sortTable(table, column, numeric) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = table.getAttribute("data-sort") !== column + ":asc";
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute("data-value") || a.cells[column].textContent;
      var y = b.cells[column].getAttribute("data-value") || b.cells[column].textContent;
      if (numeric) { x = parseFloat(x) || 0; y = parseFloat(y) || 0; }
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.setAttribute("data-sort", column + (ascending ? ":asc" : ":desc"));
  }
  document.querySelectorAll("th.sortable").forEach(function (th) {
    th.addEventListener("click", function () {
      sortTable(th.closest("table"), th.cellIndex, th.classList.contains("num"));
    });
  });

  var search = document.getElementById("search");
  var onlyDivergent = document.getElementById("only-divergences");
  var kind = document.getElementById("kind");
  function applyFilters() {
    var text = search ? search.value.toLowerCase() : "";
    var wanted = kind ? kind.value : "";
    document.querySelectorAll("tr[data-flags]").forEach(function (row) {
      var flags = row.getAttribute("data-flags");
      var show = true;
      if (onlyDivergent && onlyDivergent.checked && !flags) show = false;
      if (wanted && (" " + flags + " ").indexOf(" " + wanted + " ") < 0) show = false;
      if (text && row.textContent.toLowerCase().indexOf(text) < 0) show = false;
      row.classList.toggle("hidden", !show);
    });
  }
  [search, onlyDivergent, kind].forEach(function (el) {
    if (el) el.addEventListener("input", applyFilters);
    if (el) el.addEventListener("change", applyFilters);
  });

  var current = -1;
  function flagged() {
    return Array.prototype.filter.call(
      document.querySelectorAll("table.beads tr.flagged"),
      function (row) { return !row.classList.contains("hidden"); });
  }
  function go(step) {
    var rows = flagged();
    if (!rows.length) return;
    document.querySelectorAll("tr.current").forEach(function (r) { r.classList.remove("current"); });
    current = (current + step + rows.length) % rows.length;
    rows[current].classList.add("current");
    rows[current].scrollIntoView({block: "center"});
    var status = document.getElementById("position");
    if (status) status.textContent = (current + 1) + " / " + rows.length;
  }
  document.addEventListener("keydown", function (event) {
    if (event.target && /INPUT|SELECT|TEXTAREA/.test(event.target.tagName)) return;
    if (event.key === "n" || event.key === "j") go(1);
    if (event.key === "p" || event.key === "k") go(-1);
  });
})();
