// Review report behaviour: sorting and filtering the index; on article pages the
// "only divergences" toggle, keyboard navigation (j / k every row, n / p flagged rows) and the
// review (statuses, comments, merge / split / detach), kept in localStorage and saved as a
// bitext-review/2 file. Scraped text only ever goes into the page through textContent.
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

  // ---- rows: the current one, j/k over every row, n/p over flagged rows ----
  var beadsTable = document.querySelector("table.beads");
  var currentRow = null;
  function allRows() {
    return beadsTable ? Array.prototype.slice.call(beadsTable.tBodies[0].rows) : [];
  }
  function isShown(row) { return !row.classList.contains("hidden"); }
  function setCurrent(row, list) {
    document.querySelectorAll("tr.current").forEach(function (r) { r.classList.remove("current"); });
    currentRow = row;
    if (!row) return;
    row.classList.add("current");
    row.scrollIntoView({block: "center"});
    var status = document.getElementById("position");
    if (status && list) status.textContent = (list.indexOf(row) + 1) + " / " + list.length;
  }
  function go(step, onlyFlagged) {
    var rows = allRows();
    var candidates = rows.filter(function (r) {
      return isShown(r) && (!onlyFlagged || r.classList.contains("flagged"));
    });
    if (!candidates.length) return;
    var at = currentRow ? rows.indexOf(currentRow) : -1;
    var target = null;
    if (at < 0) {
      target = step > 0 ? candidates[0] : candidates[candidates.length - 1];
    } else if (step > 0) {
      target = candidates.filter(function (r) { return rows.indexOf(r) > at; })[0] || candidates[0];
    } else {
      var before = candidates.filter(function (r) { return rows.indexOf(r) < at; });
      target = before.length ? before[before.length - 1] : candidates[candidates.length - 1];
    }
    setCurrent(target, candidates);
  }

  // ---- the review: kept in localStorage, saved and loaded as a bitext-review/2 file ----
  var PREFIX = "bitext-review:";
  var FORMAT = "bitext-review/2";
  var dataElement = document.getElementById("review-data");
  var base = dataElement ? JSON.parse(dataElement.textContent) : null;
  var review = null;
  var templates = {};
  var hasTranslation = beadsTable ? beadsTable.classList.contains("with-translation") : false;

  function message(text, isError) {
    var el = document.getElementById("review-message");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function sameSentences(a, b) {
    return JSON.stringify([a.src_sentences, a.tgt_sentences]) ===
      JSON.stringify([b.src_sentences, b.tgt_sentences]);
  }
  function copy(value) { return JSON.parse(JSON.stringify(value)); }
  function storedPairs() {
    var store = storage();
    var pairs = [];
    if (!store) return pairs;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try { pairs.push(JSON.parse(store.getItem(key))); } catch (e) { /* not ours */ }
      }
    }
    pairs.sort(function (a, b) { return a.pair_id < b.pair_id ? -1 : 1; });
    return pairs;
  }
  function persist() {
    var store = storage();
    if (store && review) store.setItem(PREFIX + review.pair_id, JSON.stringify(review));
    summary();
  }
  function summary() {
    var el = document.getElementById("review-status");
    if (!el) return;
    var pairs = storedPairs();
    if (!review) {
      el.textContent = pairs.length + " article(s) with review work in this browser";
      return;
    }
    var counts = {pending: 0, approved: 0, rejected: 0};
    review.beads.forEach(function (b) { counts[b.status] = (counts[b.status] || 0) + 1; });
    el.textContent = review.beads.length + " rows: " + counts.approved + " approved, " +
      counts.rejected + " rejected, " + counts.pending + " pending · " + pairs.length +
      " article(s) with review work in this browser";
  }
  function coverageProblem(pair) {
    // The same rule as `bitext review import`: every sentence in exactly one bead, in order.
    var next = {src: 0, tgt: 0};
    for (var k = 0; k < pair.beads.length; k++) {
      var bead = pair.beads[k];
      if (!bead || !Array.isArray(bead.src) || !Array.isArray(bead.tgt) ||
          !(bead.src.length + bead.tgt.length)) return "bead " + k + " is malformed or empty";
      for (var side in next) {
        for (var i = 0; i < bead[side].length; i++) {
          if (bead[side][i] !== next[side]) return "bead " + k + " breaks the sentence order";
          next[side] += 1;
        }
      }
    }
    if (next.src !== pair.src_sentences.length || next.tgt !== pair.tgt_sentences.length) {
      return "some sentences are in no bead";
    }
    return null;
  }
  function keyOf(bead) { return bead.src.join(",") + "|" + bead.tgt.join(","); }
  function cell(tag, text, attributes) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    Object.keys(attributes || {}).forEach(function (k) { el.setAttribute(k, attributes[k]); });
    return el;
  }
  function sentencesCell(indices, sentences, lang, missing) {
    var rtl = ["ar", "fa", "he", "ur", "ps", "ckb"].indexOf(lang) >= 0;
    var td = cell("td", null, {lang: lang, dir: rtl ? "rtl" : "ltr", "class": lang});
    if (indices.length) {
      td.textContent = indices.map(function (i) { return sentences[i]; }).join(" ");
    } else {
      td.appendChild(cell("span", missing, {"class": "missing", lang: "en", dir: "ltr"}));
    }
    return td;
  }
  function editedRow(bead) {
    // A bead the translator made: its sentences as text; score, flags and diff come on import.
    var row = cell("tr", null, {"data-flags": "", "class": "edited"});
    var number = cell("td", null, {"class": "num"});
    number.appendChild(cell("span", "", {"class": "number"}));
    number.appendChild(document.createElement("br"));
    number.appendChild(cell("span", "–", {"class": "score", title: "scored again on import"}));
    row.appendChild(number);
    row.appendChild(sentencesCell(bead.src, review.src_sentences, review.src_lang, "(not in the original)"));
    row.appendChild(sentencesCell(bead.tgt, review.tgt_sentences, review.tgt_lang, "(not in the translation)"));
    if (hasTranslation) {
      row.appendChild(cell("td", "(rows you changed get their diff on import)", {"class": "mt missing"}));
    }
    row.appendChild(cell("td", null, {"class": "review"}));
    return row;
  }
  var ACTIONS = [
    ["approve", "Approve", "a"], ["reject", "Reject", "r"], ["pending", "Pending", "u"],
    ["merge", "Merge with next", "m"], ["split", "Split", "s"],
    ["detach-tgt", "Detach translation", "e"], ["detach-src", "Detach original", "d"]
  ];
  function fillReviewCell(td, bead) {
    td.textContent = "";
    td.appendChild(cell("span", bead.status, {"class": "status status-" + bead.status}));
    var comment = cell("textarea", null, {"class": "comment", rows: "1", placeholder: "comment (c)",
                                          "aria-label": "comment"});
    comment.value = bead.comment || "";
    td.appendChild(comment);
    var buttons = cell("div", null, {"class": "actions"});
    ACTIONS.forEach(function (a) {
      buttons.appendChild(cell("button", a[1], {type: "button", "data-action": a[0],
                                                title: a[1] + " (key " + a[2] + ")"}));
      buttons.appendChild(document.createTextNode(" "));
    });
    td.appendChild(buttons);
  }
  function render(keepIndex) {
    if (!beadsTable || !review) return;
    var body = beadsTable.tBodies[0];
    body.textContent = "";
    review.beads.forEach(function (bead, k) {
      var template = templates[keyOf(bead)];
      var row = template ? template.cloneNode(true) : editedRow(bead);
      row.id = "bead-" + k;
      row.setAttribute("data-index", String(k));
      row.setAttribute("data-status", bead.status);
      row.classList.remove("current");
      row.classList.add("review-" + bead.status);
      row.querySelector(".number").textContent = String(k + 1);
      fillReviewCell(row.querySelector("td.review"), bead);
      body.appendChild(row);
    });
    applyFilters();
    if (typeof keepIndex === "number") {
      var rows = allRows();
      var row = rows[Math.max(0, Math.min(keepIndex, rows.length - 1))];
      if (row) { currentRow = row; row.classList.add("current"); }
    } else {
      currentRow = null;
    }
    summary();
  }
  function edit(index, change) {
    if (!review || index < 0 || index >= review.beads.length) return;
    var problem = change(review.beads, index);
    if (problem) { message(problem, true); return; }
    message("");
    persist();
    render(index);
  }
  function act(action, index) {
    edit(index, function (beads, k) {
      var bead = beads[k];
      if (action === "approve" || action === "reject" || action === "pending") {
        bead.status = action === "approve" ? "approved" : action === "reject" ? "rejected" : "pending";
      } else if (action === "merge") {
        if (k + 1 >= beads.length) return "The last row has no next row to merge with.";
        var next = beads[k + 1];
        beads.splice(k, 2, {src: bead.src.concat(next.src), tgt: bead.tgt.concat(next.tgt),
                            status: "pending",
                            comment: [bead.comment, next.comment].filter(Boolean).join(" / ")});
      } else if (action === "split") {
        var rest = {src: bead.src.slice(1), tgt: bead.tgt.slice(1), status: "pending", comment: ""};
        if (!rest.src.length && !rest.tgt.length) {
          return "Nothing to split: one sentence a side. Detach one instead (e or d).";
        }
        beads.splice(k, 1, {src: bead.src.slice(0, 1), tgt: bead.tgt.slice(0, 1),
                            status: "pending", comment: bead.comment}, rest);
      } else if (action === "detach-tgt" || action === "detach-src") {
        var side = action === "detach-tgt" ? "tgt" : "src";
        if (!bead[side].length || bead.src.length + bead.tgt.length < 2) {
          return "Nothing to detach on that side of this row.";
        }
        var last = bead[side][bead[side].length - 1];
        bead[side] = bead[side].slice(0, -1);
        bead.status = "pending";
        beads.splice(k + 1, 0, {src: side === "src" ? [last] : [], tgt: side === "tgt" ? [last] : [],
                                status: "pending", comment: ""});
      }
      return null;
    });
  }
  function download() {
    var pairs = storedPairs();
    if (!pairs.length) {
      message("Nothing to save yet: approve, reject, comment on or change a row first.", true);
      return;
    }
    var text = JSON.stringify({format: FORMAT, pairs: pairs}, null, 1) + "\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
    link.download = "bitext-review-" + new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19) + ".json";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 2000);
    message("Saved " + pairs.length + " article(s) to " + link.download +
            " (bitext review import FILE).");
  }
  function load(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var parsed;
      try { parsed = JSON.parse(reader.result); } catch (e) {
        message("Not a JSON file: " + e.message, true); return;
      }
      if (!parsed || (parsed.format !== FORMAT && parsed.format !== "bitext-review/1") || !Array.isArray(parsed.pairs)) {
        message("Not a " + FORMAT + " review file.", true); return;
      }
      var store = storage();
      var loaded = 0;
      var skipped = [];
      parsed.pairs.forEach(function (pair) {
        if (!pair || typeof pair.pair_id !== "string" || !Array.isArray(pair.beads) ||
            !Array.isArray(pair.src_sentences) || !Array.isArray(pair.tgt_sentences) ||
            coverageProblem(pair)) {
          skipped.push(pair && typeof pair.pair_id === "string" ? pair.pair_id : "a malformed pair");
          return;
        }
        if (base && pair.pair_id === base.pair_id) {
          if (!sameSentences(pair, base)) { skipped.push(pair.pair_id); return; }
          review = pair;
        }
        if (store) store.setItem(PREFIX + pair.pair_id, JSON.stringify(pair));
        loaded += 1;
      });
      render(0);
      message("Loaded " + loaded + " article(s) from " + file.name +
              (skipped.length ? "; not loaded: " + skipped.join(", ") +
               " (sentences differ from this report, or beads do not cover them in order)" : ""),
              skipped.length > 0);
    };
    reader.readAsText(file);
  }

  if (beadsTable && base) {
    allRows().forEach(function (row) {
      var key = row.getAttribute("data-bead");
      if (key && !templates[key]) templates[key] = row.cloneNode(true);
    });
    var store = storage();
    var kept = store ? store.getItem(PREFIX + base.pair_id) : null;
    review = copy(base);
    if (kept) {
      try {
        var parsed = JSON.parse(kept);
        if (sameSentences(parsed, base)) { review = parsed; message("Carrying on with the review kept in this browser."); }
        else { message("The review kept in this browser is for other sentences of this article; starting afresh.", true); }
      } catch (e) { /* a broken entry: start from the report */ }
    }
    render();
    beadsTable.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      var row = event.target.closest("tr[data-index]");
      if (!row) return;
      if (!button) { if (!event.target.closest("textarea")) setCurrent(row, null); return; }
      act(button.getAttribute("data-action"), parseInt(row.getAttribute("data-index"), 10));
    });
    beadsTable.addEventListener("input", function (event) {
      if (!event.target.classList.contains("comment")) return;
      var index = parseInt(event.target.closest("tr").getAttribute("data-index"), 10);
      review.beads[index].comment = event.target.value;
      persist();
    });
    var reset = document.getElementById("review-reset");
    if (reset) reset.addEventListener("click", function () {
      if (store) store.removeItem(PREFIX + base.pair_id);
      review = copy(base);
      render();
      message("Back to the report's alignment for this article.");
    });
  } else {
    summary();
    var inProgress = {};
    storedPairs().forEach(function (pair) { inProgress[pair.pair_id] = pair; });
    document.querySelectorAll("td.review-state[data-pair]").forEach(function (td) {
      var pair = inProgress[td.getAttribute("data-pair")];
      if (!pair) return;
      var approved = pair.beads.filter(function (b) { return b.status === "approved"; }).length;
      var mark = cell("span", "in this browser: " + approved + "/" + pair.beads.length + " approved",
                      {"class": "in-progress"});
      if (td.textContent) td.appendChild(document.createElement("br"));
      td.appendChild(mark);
    });
  }
  var save = document.getElementById("review-save");
  if (save) save.addEventListener("click", download);
  var picker = document.getElementById("review-load");
  if (picker) picker.addEventListener("change", function () {
    if (picker.files && picker.files[0]) load(picker.files[0]);
  });

  var KEYS = {a: "approve", r: "reject", u: "pending", m: "merge", s: "split",
              e: "detach-tgt", d: "detach-src"};
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && target.tagName === "TEXTAREA" && event.key === "Escape") { target.blur(); return; }
    if (target && /INPUT|SELECT|TEXTAREA/.test(target.tagName)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n") go(1, true);
    else if (event.key === "p") go(-1, true);
    else if (event.key === "j") go(1, false);
    else if (event.key === "k") go(-1, false);
    else if (event.key === "w") download();
    else if (currentRow && review && (KEYS[event.key] || event.key === "c")) {
      var index = parseInt(currentRow.getAttribute("data-index"), 10);
      if (event.key === "c") {
        event.preventDefault();
        currentRow.querySelector("textarea.comment").focus();
      } else {
        act(KEYS[event.key], index);
      }
    }
  });
})();
