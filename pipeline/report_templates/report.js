// Review report behaviour. The index: sorting, filtering, the articles with review work kept
// in this browser. An article page: a dense grid of rows (one line of each text; the current
// row shows all of it), a toolbar acting on the current row, keys for everything (? lists
// them), undo / redo of every action, re-aligning the rows between the translator's fixed
// rows, and the evidence for each row (numbers and names on one side only, why each flag was
// raised). Work is kept in localStorage and saved as a bitext-review/3 file. Scraped text only
// ever goes into the page through textContent. The logic without the page is review-core.js.
(function () {
  "use strict";
  var core = window.BitextCore;
  var PREFIX = "bitext-review:";
  var FORMAT = "bitext-review/3";
  var OLD_FORMATS = ["bitext-review/1", "bitext-review/2"];
  var REVIEWER_KEY = "bitext-reviewer";
  var THRESHOLD_KEY = "bitext-approve-above";
  var REALIGN_LIMIT = 400; // segments a side in one stretch the page re-aligns
  var RTL = ["ar", "fa", "he", "ur", "ps", "ckb", "yi"];
  var FLAG_NAMES = {
    omitted: "Missing in translation", added: "Added in translation", number_mismatch: "Numbers differ",
    name_mismatch: "Names differ", low_similarity: "Meaning differs", doubtful: "Doubtful pairing"
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    return node;
  }
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function message(text, isError) {
    var node = $("review-message");
    if (!node) return;
    node.textContent = text || "";
    node.classList.toggle("error", !!isError);
  }
  function storedPairs() {
    var store = storage(), pairs = [];
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
  function reviewerName() {
    var store = storage();
    var name = store ? store.getItem(REVIEWER_KEY) : "";
    return name ? name.slice(0, 200) : null;
  }

  // ---- the index: sorting and filtering ----
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

  var dataElement = $("review-data");
  if (!dataElement || !core) {
    indexPage();
    return;
  }
  articlePage(JSON.parse(dataElement.textContent));

  function indexPage() {
    var search = $("search"), onlyDivergent = $("only-divergences"), kind = $("kind");
    function applyFilters() {
      var text = search ? search.value.toLowerCase() : "";
      var wanted = kind ? kind.value : "";
      document.querySelectorAll("#articles tr[data-flags]").forEach(function (row) {
        var flags = row.getAttribute("data-flags");
        var show = true;
        if (onlyDivergent && onlyDivergent.checked && !flags) show = false;
        if (wanted && (" " + flags + " ").indexOf(" " + wanted + " ") < 0) show = false;
        if (text && row.textContent.toLowerCase().indexOf(text) < 0) show = false;
        row.classList.toggle("hidden", !show);
      });
    }
    [search, onlyDivergent, kind].forEach(function (node) {
      if (node) { node.addEventListener("input", applyFilters); node.addEventListener("change", applyFilters); }
    });
    var pairs = storedPairs();
    var status = $("review-status");
    if (status) status.textContent = pairs.length + " article(s) with review work in this browser";
    var inProgress = {};
    pairs.forEach(function (pair) { inProgress[pair.pair_id] = pair; });
    document.querySelectorAll("td.review-state[data-pair]").forEach(function (td) {
      var pair = inProgress[td.getAttribute("data-pair")];
      if (!pair || !Array.isArray(pair.beads)) return;
      var approved = pair.beads.filter(function (b) { return b.status === "approved"; }).length;
      var mark = el("span", "in this browser: " + approved + "/" + pair.beads.length + " approved", {"class": "in-progress"});
      if (td.textContent) td.appendChild(document.createElement("br"));
      td.appendChild(mark);
    });
    var save = $("review-save");
    if (save) save.addEventListener("click", function () { download(null); });
    var picker = $("review-load");
    if (picker) picker.addEventListener("change", function () {
      if (picker.files && picker.files[0]) loadFile(picker.files[0], null);
    });
  }

  // ---- saving and loading review files (both pages) ----
  function download(current) {
    var pairs = storedPairs();
    if (!pairs.length) {
      message("Nothing to save yet: approve, reject, comment on or change a row first.", true);
      return;
    }
    var file = {format: FORMAT, reviewer: reviewerName(), pairs: pairs};
    var text = JSON.stringify(file, null, 1) + "\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
    link.download = "bitext-review-" + new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19) + ".json";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 2000);
    message("Saved " + pairs.length + " article(s) to " + link.download + " (bitext review import FILE).");
    return current;
  }
  function pairProblem(pair) {
    if (!pair || typeof pair.pair_id !== "string" || !Array.isArray(pair.beads) ||
        !Array.isArray(pair.src_sentences) || !Array.isArray(pair.tgt_sentences)) return "malformed";
    var sizes = {
      src: pair.src_segments ? pair.src_segments.length : pair.src_sentences.length,
      tgt: pair.tgt_segments ? pair.tgt_segments.length : pair.tgt_sentences.length
    };
    var next = {src: 0, tgt: 0};
    for (var k = 0; k < pair.beads.length; k++) {
      var bead = pair.beads[k];
      if (!bead || !Array.isArray(bead.src) || !Array.isArray(bead.tgt) || !(bead.src.length + bead.tgt.length)) return "bead " + k + " is malformed or empty";
      for (var side in next) {
        for (var i = 0; i < bead[side].length; i++) {
          if (bead[side][i] !== next[side]) return "bead " + k + " breaks the order";
          next[side] += 1;
        }
      }
    }
    if (next.src !== sizes.src || next.tgt !== sizes.tgt) return "some sentences are in no bead";
    return null;
  }
  function loadFile(file, onThisPage) {
    var reader = new FileReader();
    reader.onload = function () {
      var parsed;
      try { parsed = JSON.parse(reader.result); } catch (e) { message("Not a JSON file: " + e.message, true); return; }
      if (!parsed || (parsed.format !== FORMAT && OLD_FORMATS.indexOf(parsed.format) < 0) || !Array.isArray(parsed.pairs)) {
        message("Not a " + FORMAT + " review file.", true); return;
      }
      var store = storage(), loaded = 0, skipped = [];
      parsed.pairs.forEach(function (pair) {
        if (pairProblem(pair) || (onThisPage && !onThisPage(pair, true))) {
          skipped.push(pair && typeof pair.pair_id === "string" ? pair.pair_id : "a malformed pair");
          return;
        }
        if (store) store.setItem(PREFIX + pair.pair_id, JSON.stringify(pair));
        if (onThisPage) onThisPage(pair, false);
        loaded += 1;
      });
      if (parsed.reviewer && store && !store.getItem(REVIEWER_KEY)) store.setItem(REVIEWER_KEY, String(parsed.reviewer).slice(0, 200));
      message("Loaded " + loaded + " article(s) from " + file.name +
              (skipped.length ? "; not loaded: " + skipped.join(", ") +
               " (sentences differ from this report, or beads do not cover them in order)" : ""),
              skipped.length > 0);
    };
    reader.readAsText(file);
  }

  // ---- an article page ----
  function articlePage(data) {
    var table = document.querySelector("table.beads");
    var body = table.tBodies[0];
    var hasMt = table.classList.contains("with-translation");
    var base = core.materialise(data.review);
    var langs = {src: base.src_lang, tgt: base.tgt_lang};
    var names = data.languages || {src: base.src_lang, tgt: base.tgt_lang};
    var machine = {};
    base.beads.forEach(function (b, k) { machine[core.rowKey(base, b)] = data.rows[k]; });
    var realignedScores = {};
    var pair = core.copy(base);
    var current = null; // row index
    var side = "tgt";
    var history = [], future = [];
    var matches = [];

    // carry on with the work kept in this browser
    var store = storage();
    var kept = store ? store.getItem(PREFIX + base.pair_id) : null;
    if (kept) {
      try {
        var parsed = JSON.parse(kept);
        if (sameSentences(parsed, base) && !pairProblem(parsed)) {
          pair = core.materialise(parsed);
          message("Carrying on with the review kept in this browser.");
        } else {
          message("The review kept in this browser is for other sentences of this article; starting afresh.", true);
        }
      } catch (e) { /* a broken entry: start from the report */ }
    }
    function sameSentences(a, b) {
      return JSON.stringify([a.src_sentences, a.tgt_sentences]) === JSON.stringify([b.src_sentences, b.tgt_sentences]);
    }
    function persist() {
      if (store) {
        try { store.setItem(PREFIX + pair.pair_id, JSON.stringify(core.forFile(pair))); }
        catch (e) { message("This browser's storage is full: save the review file (w) now.", true); }
      }
    }

    // -- what a row shows --
    function segMt(segments) {
      if (!data.mt) return "";
      var parts = [];
      for (var n = 0; n < segments.length; n++) {
        var s = segments[n];
        var whole = s.start === 0 && s.end === core.cpLength(pair.src_sentences[s.last]) && (s.text === null || s.text === undefined);
        if (!whole) return "";
        for (var k = s.first; k <= s.last; k++) { if (!data.mt[k]) return ""; parts.push(data.mt[k]); }
      }
      return parts.join(" ");
    }
    function rowFacts(bead) {
      var key = core.rowKey(pair, bead);
      var srcSegs = bead.src.map(function (i) { return pair.src_segments[i]; });
      var tgtSegs = bead.tgt.map(function (j) { return pair.tgt_segments[j]; });
      var srcTexts = srcSegs.map(function (s) { return core.segmentText(s, pair.src_sentences); });
      var tgtTexts = tgtSegs.map(function (s) { return core.segmentText(s, pair.tgt_sentences); });
      var facts = {key: key, srcTexts: srcTexts, tgtTexts: tgtTexts, srcText: srcTexts.join(" "), tgtText: tgtTexts.join(" ")};
      facts.mt = bead.src.length ? segMt(srcSegs) : "";
      facts.evidence = core.rowEvidence(facts.srcText, facts.tgtText, facts.mt, langs.src, langs.tgt);
      var known = machine[key];
      if (known) {
        facts.score = known.score; facts.flags = known.flags; facts.diff = known.diff; facts.computed = false;
      } else {
        facts.computed = true;
        facts.score = realignedScores[key] !== undefined ? realignedScores[key] : null;
        facts.diff = null;
        var flags = [];
        if (!bead.tgt.length) flags.push("omitted");
        else if (!bead.src.length) flags.push("added");
        else {
          var ev = facts.evidence;
          if (ev.numbers && (ev.numbers.onlySrc.length || ev.numbers.onlyTgt.length)) flags.push("number_mismatch");
          if (ev.names && (ev.names.onlySrc.length || ev.names.onlyTgt.length)) flags.push("name_mismatch");
        }
        facts.flags = flags;
      }
      return facts;
    }
    function rowItems(bead, sideName) {
      if (!data.items) return null;
      var segs = sideName === "src" ? pair.src_segments : pair.tgt_segments;
      var items = [];
      bead[sideName].forEach(function (i) { items = items.concat(core.segmentItems(segs[i], data.items[sideName])); });
      return items;
    }
    function closest(k, from, to) {
      // the row within 3 rows holding `to` text most like row k's `from` text
      var mine = rowItems(pair.beads[k], from);
      if (!mine) return null;
      var best = null;
      for (var d = -3; d <= 3; d++) {
        var other = pair.beads[k + d];
        if (!d || !other || !other[to].length) continue;
        var theirs = rowItems(other, to);
        var sim = from === "src" ? core.similarity(mine, theirs) : core.similarity(theirs, mine);
        if (!best || sim > best.sim) best = {row: k + d, sim: sim};
      }
      return best || {row: null, sim: 0};
    }
    function reasons(k, facts) {
      var out = {};
      facts.flags.forEach(function (flag) {
        var text = "";
        var bead = pair.beads[k];
        var unpaired = !bead.src.length || !bead.tgt.length;
        if (flag === "omitted" || flag === "added" || (flag === "doubtful" && unpaired)) {
          var left = flag === "doubtful" ? !bead.tgt.length : flag === "omitted";
          var from = left ? "src" : "tgt", to = left ? "tgt" : "src";
          var other = left ? names.tgt : names.src;
          var best = closest(k, from, to);
          var lead = flag === "doubtful" ? "doubtful: the aligner is not sure this sentence has no counterpart; " : "";
          if (!best) text = lead + "no counterpart: the aligner found nothing in the " + other + " near it to pair it with.";
          else if (best.row === null || best.sim < 0.25) {
            text = lead + "no counterpart: nothing in the " + other + " within 3 rows is similar" +
              (best.row !== null ? " (closest: row " + (best.row + 1) + ", " + Math.round(best.sim * 100) + "% of words shared)." : ".");
          } else {
            text = lead + "no counterpart in this row, but row " + (best.row + 1) + " shares " + Math.round(best.sim * 100) +
              "% of its words with it: it may belong there (K / J move sentences between rows).";
          }
        } else if (flag === "number_mismatch") {
          var nums = facts.evidence.numbers;
          var parts = [];
          if (nums && nums.onlySrc.length) parts.push(nums.onlySrc.join(", ") + " only in the original");
          if (nums && nums.onlyTgt.length) parts.push(nums.onlyTgt.join(", ") + " only in the translation");
          text = "numbers differ: " + (parts.length ? parts.join("; ") : "the aligner counted them differently (e.g. a number written out in words)") + ".";
        } else if (flag === "name_mismatch") {
          var found = facts.evidence.names, bits = [];
          if (found && found.onlyTgt.length) bits.push(found.onlyTgt.join(", ") + " only in the translation");
          if (found && found.onlySrc.length) bits.push(found.onlySrc.join(", ") + " only in the original" + (facts.mt ? " (its machine translation)" : ""));
          text = "names differ: " + (bits.length ? bits.join("; ") : "a name on one side was not found on the other") + ".";
        } else if (flag === "low_similarity") {
          text = "meaning differs: the machine translation of the original shares little with the translation" +
            (facts.diff ? " (" + sharedShare(facts.diff) + "% of its words)" : "") + ".";
        } else if (flag === "doubtful") {
          text = "doubtful: the aligner's score " + (facts.score === null ? "" : facts.score.toFixed(2) + " ") +
            "is below " + Number(data.doubtful_below).toFixed(2) + modeNote(data.mode) + ".";
        }
        out[flag] = text;
      });
      return out;
    }
    // what a score rests on without a machine translation (modes: pipeline/modes.py; one not
    // known here says nothing)
    function modeNote(mode) {
      var parts = String(mode || "").split("+");
      if (parts.indexOf("translation") >= 0 || parts.indexOf("supplied") >= 0) return "";
      if (parts.length === 1 && parts[0] === "encoder") return "; without a machine translation it rests on the sentence encoder, a word list, lengths and numbers";
      if (parts.length === 1 && parts[0] === "none") return "; without a machine translation it rests on a word list, lengths and numbers only";
      return "";
    }
    function sharedShare(diff) {
      var equal = 0, all = 0;
      diff.forEach(function (op) {
        var words = op[1] ? op[1].split(/\s+/).length : 0;
        all += words;
        if (op[0] === "equal") equal += words;
      });
      return all ? Math.round(100 * equal / all) : 0;
    }
    function marked(text, marks) {
      // text with each mark as <mark>, built node by node (never as HTML)
      var span = document.createDocumentFragment(), at = 0;
      marks.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (m) {
        if (m.start < at) return;
        span.appendChild(document.createTextNode(text.slice(at, m.start)));
        span.appendChild(el("mark", text.slice(m.start, m.end), {"class": "only only-" + m.kind, title: m.kind === "number" ? "this number is not on the other side" : "this name is not on the other side"}));
        at = m.end;
      });
      span.appendChild(document.createTextNode(text.slice(at)));
      return span;
    }
    function sideCell(sideName, texts, marks, flagsNode) {
      var lang = langs[sideName];
      var td = el("td", null, {lang: lang, dir: RTL.indexOf(lang) >= 0 ? "rtl" : "ltr", "class": lang + " side-" + sideName});
      if (flagsNode) td.appendChild(flagsNode);
      var box = el("div", null, {"class": "text"});
      if (!texts.length) {
        box.appendChild(el("span", sideName === "src" ? "(not in the original)" : "(not in the translation)", {"class": "missing", lang: "en", dir: "ltr"}));
      }
      var offset = 0, joined = texts.join(" ");
      texts.forEach(function (text, n) {
        var own = marks.filter(function (m) { return m.start >= offset && m.end <= offset + text.length; })
          .map(function (m) { return {start: m.start - offset, end: m.end - offset, kind: m.kind}; });
        var seg = el("span", null, {"class": "seg", "data-seg": String(n)});
        seg.appendChild(marked(text, own));
        box.appendChild(seg);
        if (n + 1 < texts.length) box.appendChild(document.createTextNode(" "));
        offset += text.length + 1;
      });
      td.appendChild(box);
      td.setAttribute("title", joined.length > 80 ? joined.slice(0, 600) : "");
      return td;
    }
    function renderRow(bead, k) {
      var facts = rowFacts(bead);
      var why = reasons(k, facts);
      var classes = [];
      if (facts.flags.length) classes.push("flagged");
      facts.flags.forEach(function (f) { classes.push("flag-" + f); });
      classes.push("review-" + bead.status);
      if (bead.origin === "translator") classes.push("edited");
      if (bead.origin === "realigned") classes.push("realigned");
      var tr = el("tr", null, {id: "bead-" + k, "data-index": String(k), "data-status": bead.status,
        "data-flags": facts.flags.join(" "), "data-score": facts.score === null ? "" : facts.score.toFixed(3),
        "data-origin": bead.origin, "class": classes.join(" ")});
      var num = el("td", null, {"class": "num"});
      num.appendChild(el("span", String(k + 1), {"class": "number"}));
      num.appendChild(document.createTextNode(" "));
      num.appendChild(el("span", facts.score === null ? "–" : facts.score.toFixed(2),
        {"class": "score", title: facts.computed ? (facts.score === null ? "scored on import" : "the page's re-alignment score; the aligner scores it on import") : "alignment score"}));
      tr.appendChild(num);
      var evidence = facts.evidence.marks;
      tr.appendChild(sideCell("src", facts.srcTexts, evidence.src));
      var chips = el("span", null, {"class": "flags", lang: "en", dir: "ltr"});
      facts.flags.forEach(function (f) {
        chips.appendChild(el("span", FLAG_NAMES[f] || f, {"class": "flag flag-" + f, title: why[f] || ""}));
      });
      var tgtCell = sideCell("tgt", facts.tgtTexts, evidence.tgt, facts.flags.length ? chips : null);
      if (facts.flags.length) {
        var list = el("ul", null, {"class": "reasons", lang: "en", dir: "ltr"});
        facts.flags.forEach(function (f) { list.appendChild(el("li", (FLAG_NAMES[f] || f) + " — " + why[f], {"data-flag": f})); });
        tgtCell.appendChild(list);
      }
      tr.appendChild(tgtCell);
      if (hasMt) {
        var lang = langs.tgt;
        var mt = el("td", null, {lang: lang, dir: RTL.indexOf(lang) >= 0 ? "rtl" : "ltr", "class": "mt"});
        var box = el("div", null, {"class": "text"});
        if (facts.diff) {
          facts.diff.forEach(function (op) {
            if (op[0] === "equal") { box.appendChild(document.createTextNode(op[1] + " ")); return; }
            if (op[1]) { box.appendChild(el("del", op[1], {title: "in the machine translation only"})); box.appendChild(document.createTextNode(" ")); }
            if (op[2]) { box.appendChild(el("ins", op[2], {title: "in the translation only"})); box.appendChild(document.createTextNode(" ")); }
          });
        } else if (facts.mt) {
          box.appendChild(marked(facts.mt, evidence.mt));
        } else if (bead.src.length && bead.tgt.length && data.mt) {
          box.appendChild(el("span", "(no machine translation of a split sentence)", {"class": "missing", lang: "en", dir: "ltr"}));
        }
        mt.appendChild(box);
        tr.appendChild(mt);
      }
      var review = el("td", null, {"class": "review"});
      review.appendChild(el("span", bead.status, {"class": "status status-" + bead.status}));
      if (bead.reviewer || bead.reviewed_at) {
        var when = bead.reviewed_at ? bead.reviewed_at.replace("T", " ").slice(0, 16) : "";
        review.appendChild(el("span", (bead.reviewer ? " " + bead.reviewer : "") + (when ? " " + when : ""),
          {"class": "who", title: (bead.reviewer ? "by " + bead.reviewer : "by (no name set)") + (bead.reviewed_at ? " at " + bead.reviewed_at : "")}));
      }
      if (bead.comment) review.appendChild(el("div", bead.comment, {"class": "comment-text", title: bead.comment}));
      tr.appendChild(review);
      return tr;
    }
    function render() {
      closeEditors();
      var fragment = document.createDocumentFragment();
      pair.beads.forEach(function (bead, k) { fragment.appendChild(renderRow(bead, k)); });
      body.textContent = "";
      body.appendChild(fragment);
      applyRowFilter();
      markCurrent(false);
      summary();
      if ($("row-search") && $("row-search").value) findMatches($("row-search").value, false);
    }
    function rows() { return Array.prototype.slice.call(body.rows).filter(function (r) { return r.hasAttribute("data-index"); }); }
    function rowAt(k) { return $("bead-" + k); }
    function markCurrent(scroll) {
      document.querySelectorAll("tr.current").forEach(function (r) { r.classList.remove("current"); });
      document.querySelectorAll("td.side-current").forEach(function (c) { c.classList.remove("side-current"); });
      if (current === null) { $("position").textContent = ""; return; }
      if (current >= pair.beads.length) current = pair.beads.length - 1;
      var row = rowAt(current);
      if (!row) return;
      row.classList.add("current");
      var cell = row.querySelector("td.side-" + side);
      if (cell) cell.classList.add("side-current");
      if (scroll !== false) row.scrollIntoView({block: "nearest"});
      $("position").textContent = "row " + (current + 1) + " of " + pair.beads.length + " · side: " + (side === "src" ? "original" : "translation");
    }
    function summary() {
      var counts = {pending: 0, approved: 0, rejected: 0};
      pair.beads.forEach(function (b) { counts[b.status] = (counts[b.status] || 0) + 1; });
      $("review-status").textContent = counts.approved + " approved, " + counts.rejected + " rejected, " +
        counts.pending + " pending · " + storedPairs().length + " article(s) with work in this browser";
    }
    function applyRowFilter() {
      var only = $("only-divergences");
      rows().forEach(function (r) { r.classList.toggle("hidden", !!(only && only.checked && !r.getAttribute("data-flags"))); });
    }

    // -- actions: every change goes through change(), which keeps it undoable --
    function snapshot() { return {pair: core.copy(pair), current: current, side: side}; }
    function restore(s) { pair = s.pair; current = s.current; side = s.side; persist(); render(); markCurrent(); }
    function stampChanged(before) {
      var seen = {};
      before.beads.forEach(function (b) { seen[core.rowKey(before, b) + "#" + b.status + "#" + b.comment] = 1; });
      var who = reviewerName(), at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      pair.beads.forEach(function (b) {
        if (b.origin === "realigned") return;
        if (!seen[core.rowKey(pair, b) + "#" + b.status + "#" + b.comment]) { b.reviewer = who; b.reviewed_at = at; }
      });
    }
    function change(apply) {
      var before = snapshot();
      var outcome = apply();
      if (typeof outcome === "string") { pair = before.pair; message(outcome, true); return false; }
      if (JSON.stringify(pair) === JSON.stringify(before.pair)) { message(outcome && outcome.note ? outcome.note : ""); return true; }
      stampChanged(before.pair);
      history.push(before);
      if (history.length > 500) history.shift();
      future = [];
      message(outcome && outcome.note ? outcome.note : "");
      persist();
      render();
      markCurrent();
      return true;
    }
    function undo() {
      if (!history.length) { message("Nothing to undo."); return; }
      future.push(snapshot());
      restore(history.pop());
      message("Undone (Ctrl-Shift-Z redoes it).");
    }
    function redo() {
      if (!future.length) { message("Nothing to redo."); return; }
      history.push(snapshot());
      restore(future.pop());
      message("Redone.");
    }
    function firstPending(after) {
      var n = pair.beads.length;
      for (var d = 1; d <= n; d++) {
        var k = ((after === null ? -1 : after) + d) % n;
        if (pair.beads[k].status === "pending" && !rowAt(k).classList.contains("hidden")) return k;
      }
      return null;
    }
    function target() {
      // the current row; with none chosen, the first pending one
      if (current === null) current = firstPending(null);
      return current;
    }
    function setStatus(status, advance) {
      var k = target();
      if (k === null) { message("Every row is reviewed: N goes to the next article, w saves.", false); return; }
      var done = change(function () { pair.beads[k].status = status; return null; });
      if (done && advance) {
        var next = firstPending(k);
        if (next !== null) { current = next; markCurrent(); }
        else message("Every row is reviewed: N goes to the next article, w saves.");
      }
    }
    function structural(name, sideName) {
      var k = target();
      if (k === null) return;
      change(function () {
        var result = core.edits[name](pair, k, sideName || side);
        if (current >= pair.beads.length) current = pair.beads.length - 1;
        if (name === "move-up" && !pair.beads[k]) current = k - 1;
        return result;
      });
    }
    function approveAll() {
      var input = $("approve-above");
      var threshold = parseFloat(input ? input.value : "0.5");
      if (isNaN(threshold)) threshold = 0.5;
      var picked = [];
      pair.beads.forEach(function (b, k) {
        if (b.status !== "pending") return;
        var facts = rowFacts(b);
        if (!facts.flags.length && facts.score !== null && facts.score >= threshold) picked.push(k);
      });
      if (!picked.length) { message("No pending row without a flag scores " + threshold.toFixed(2) + " or more."); return; }
      change(function () {
        picked.forEach(function (k) { pair.beads[k].status = "approved"; });
        return {note: "Approved " + picked.length + " unflagged row(s) scoring " + threshold.toFixed(2) + " or more (Ctrl-Z undoes it)."};
      });
      var next = firstPending(null);
      if (next !== null) { current = next; markCurrent(); }
    }
    function realignRest() {
      if (!data.items) {
        message("This article is too long to re-align in the page: save the review file and run bitext review import --realign.", true);
        return;
      }
      var result = null;
      change(function () {
        result = core.realignRest(pair, data.items, REALIGN_LIMIT);
        if (!result.runs) return result.skipped ? "Too many rows between your fixed rows to re-align here: use bitext review import --realign." : "Nothing to re-align: fix some rows first (approve, change, comment); the rows between them are aligned again.";
        pair = result.pair;
        Object.keys(result.scores).forEach(function (k) { realignedScores[core.rowKey(pair, pair.beads[k])] = result.scores[k]; });
        return {note: "Re-aligned " + result.placed.length + " row(s) in " + result.runs + " stretch(es) between your fixed rows (Ctrl-Z undoes it)."};
      });
    }

    // -- editors opened on demand: comment, split point, text --
    function closeEditors() {
      document.querySelectorAll("tr.editor").forEach(function (r) { r.remove(); });
    }
    function openComment() {
      var k = target();
      if (k === null) return;
      markCurrent();
      var row = rowAt(k);
      var area = el("textarea", null, {"class": "comment", rows: "2", maxlength: "5000", "aria-label": "comment",
        placeholder: "comment (Esc or Ctrl-Enter closes)"});
      area.value = pair.beads[k].comment || "";
      var cell = row.querySelector("td.review");
      var old = cell.querySelector(".comment-text");
      if (old) old.remove();
      cell.appendChild(area);
      var done = false;
      function commit() {
        if (done) return;
        done = true;
        var text = area.value.slice(0, 5000);
        if (text !== (pair.beads[k].comment || "")) change(function () { pair.beads[k].comment = text; return null; });
        else render();
      }
      area.addEventListener("keydown", function (event) {
        if (event.key === "Escape" || (event.key === "Enter" && (event.ctrlKey || event.metaKey))) {
          event.preventDefault(); event.stopPropagation(); commit();
        }
      });
      area.addEventListener("blur", commit);
      area.focus();
    }
    function openEditor(kind) {
      var k = target();
      if (k === null) return;
      var bead = pair.beads[k];
      if (!bead[side].length) { message("No sentence on that side of this row (Tab switches sides).", true); return; }
      markCurrent();
      var sentences = side === "src" ? pair.src_sentences : pair.tgt_sentences;
      var segs = side === "src" ? pair.src_segments : pair.tgt_segments;
      var lines = bead[side].map(function (i) { return core.segmentText(segs[i], sentences); });
      var lang = langs[side];
      var editorRow = el("tr", null, {"class": "editor"});
      var cell = el("td", null, {colspan: String(rowAt(k).cells.length)});
      cell.appendChild(el("div", kind === "split"
        ? "Split: put the cursor where the new sentence starts and press Enter (Esc cancels). One line a sentence."
        : "Edit the text (the stored text stays; the edit is a review revision). One line a sentence; Enter or Ctrl-Enter saves, Esc cancels.",
        {"class": "help", lang: "en", dir: "ltr"}));
      var area = el("textarea", null, {"class": kind === "split" ? "split-editor" : "text-editor", lang: lang,
        dir: RTL.indexOf(lang) >= 0 ? "rtl" : "ltr", rows: String(Math.min(8, lines.length + 1))});
      if (kind === "split") area.readOnly = true;
      area.value = lines.join("\n");
      cell.appendChild(area);
      editorRow.appendChild(cell);
      rowAt(k).after(editorRow);
      area.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); render(); focusGrid(); return; }
        if (event.key !== "Enter") return;
        event.preventDefault(); event.stopPropagation();
        if (kind === "split") {
          var before = area.value.slice(0, area.selectionStart).split("\n");
          var line = before.length - 1, offset = core.cpLength(before[line]);
          change(function () { return core.edits.split(pair, k, side, bead[side][line], offset); });
        } else {
          change(function () { return core.edits.edit(pair, k, side, area.value.split("\n")); });
        }
        focusGrid();
      });
      area.focus();
      if (kind === "split") { var middle = Math.floor(lines[0].length / 2); area.setSelectionRange(middle, middle); }
    }
    function focusGrid() { if (document.activeElement && document.activeElement.blur) document.activeElement.blur(); }

    // -- search --
    function findMatches(text, jump) {
      var wanted = core.unify(text.trim().toLowerCase());
      matches = [];
      rows().forEach(function (r) {
        var hit = !!wanted && core.unify(r.textContent.toLowerCase()).indexOf(wanted) >= 0;
        r.classList.toggle("match", hit);
        if (hit) matches.push(parseInt(r.getAttribute("data-index"), 10));
      });
      $("search-count").textContent = wanted ? matches.length + " row(s) match" : "";
      if (jump && matches.length) {
        var next = matches.filter(function (k) { return current === null || k >= current; })[0];
        current = next === undefined ? matches[0] : next;
        markCurrent();
      }
    }
    function nextMatch(step) {
      if (!matches.length) return;
      var at = current === null ? -1 : current, found;
      if (step > 0) found = matches.filter(function (k) { return k > at; })[0];
      else found = matches.filter(function (k) { return k < at; }).pop();
      current = found === undefined ? (step > 0 ? matches[0] : matches[matches.length - 1]) : found;
      markCurrent();
      $("search-count").textContent = (matches.indexOf(current) + 1) + " of " + matches.length + " rows";
    }

    // -- moving about --
    function go(step, onlyFlagged) {
      var candidates = rows().filter(function (r) {
        return !r.classList.contains("hidden") && (!onlyFlagged || r.classList.contains("flagged"));
      }).map(function (r) { return parseInt(r.getAttribute("data-index"), 10); });
      if (!candidates.length) return;
      var found;
      if (current === null) found = step > 0 ? candidates[0] : candidates[candidates.length - 1];
      else if (step > 0) found = candidates.filter(function (k) { return k > current; })[0];
      else found = candidates.filter(function (k) { return k < current; }).pop();
      if (found === undefined) found = step > 0 ? candidates[0] : candidates[candidates.length - 1];
      current = found;
      markCurrent();
    }
    var neighbours = (function () {
      var list = window.BITEXT_ARTICLES || [], here = decodeURIComponent(window.location.pathname);
      for (var i = 0; i < list.length; i++) {
        if (here.slice(-list[i].page.length) === list[i].page) {
          return {prev: list[i - 1] || null, next: list[i + 1] || null};
        }
      }
      return {prev: null, next: null};
    })();
    [["prev-article", neighbours.prev], ["next-article", neighbours.next]].forEach(function (pairOf) {
      var link = $(pairOf[0]);
      if (link && pairOf[1]) {
        link.href = "../" + pairOf[1].page;
        link.title = (pairOf[0] === "prev-article" ? "previous article (P): " : "next article (N): ") + pairOf[1].title;
        link.classList.remove("hidden");
      }
    });
    function article(which) {
      var to = neighbours[which];
      if (!to) { message(which === "next" ? "This is the last article." : "This is the first article."); return; }
      window.location.href = "../" + to.page;
    }

    // -- the toolbar, the inputs, the keys --
    var ACTIONS = {
      approve: function () { setStatus("approved", true); },
      reject: function () { setStatus("rejected", true); },
      pending: function () { setStatus("pending", false); },
      comment: openComment,
      merge: function () { structural("merge"); },
      split: function () { openEditor("split"); },
      join: function () { structural("join"); },
      "move-up": function () { structural("move-up"); },
      "move-down": function () { structural("move-down"); },
      detach: function () { structural("detach"); },
      "detach-src": function () { structural("detach", "src"); },
      "detach-tgt": function () { structural("detach", "tgt"); },
      edit: function () { openEditor("edit"); },
      undo: undo, redo: redo,
      "approve-all": approveAll,
      realign: realignRest
    };
    document.querySelectorAll("#review-bar button[data-action]").forEach(function (button) {
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the row's editors
      button.addEventListener("click", function () { ACTIONS[button.getAttribute("data-action")](); });
    });
    table.addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-index]");
      if (!row || event.target.closest("textarea")) return;
      current = parseInt(row.getAttribute("data-index"), 10);
      var cell = event.target.closest("td.side-src, td.side-tgt");
      if (cell) side = cell.classList.contains("side-src") ? "src" : "tgt";
      markCurrent(false);
    });
    var threshold = $("approve-above");
    if (threshold) {
      var saved = store ? store.getItem(THRESHOLD_KEY) : null;
      if (saved !== null && !isNaN(parseFloat(saved))) threshold.value = saved;
      threshold.addEventListener("change", function () { if (store) store.setItem(THRESHOLD_KEY, threshold.value); });
    }
    var nameInput = $("reviewer-name");
    if (nameInput) {
      nameInput.value = reviewerName() || "";
      nameInput.addEventListener("change", function () {
        if (store) store.setItem(REVIEWER_KEY, nameInput.value.trim().slice(0, 200));
        message(nameInput.value.trim() ? "Your changes are signed " + nameInput.value.trim() + "." : "Your changes are not signed.");
      });
    }
    var search = $("row-search");
    if (search) {
      search.addEventListener("input", function () { findMatches(search.value, true); });
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); nextMatch(event.shiftKey ? -1 : 1); }
        else if (event.key === "Escape") { event.preventDefault(); focusGrid(); }
      });
    }
    var only = $("only-divergences");
    if (only) only.addEventListener("change", applyRowFilter);
    $("show-help").addEventListener("click", function () { $("help").classList.toggle("hidden"); });
    $("review-save").addEventListener("click", function () { download(null); });
    var picker = $("review-load");
    picker.addEventListener("change", function () {
      if (!picker.files || !picker.files[0]) return;
      loadFile(picker.files[0], function (loaded, checkOnly) {
        if (loaded.pair_id !== base.pair_id) return true;
        if (checkOnly) return sameSentences(loaded, base);
        var before = snapshot();
        pair = core.materialise(loaded);
        history.push(before);
        future = [];
        current = null;
        render();
        return true;
      });
    });
    $("review-reset").addEventListener("click", function () {
      var before = snapshot();
      if (store) store.removeItem(PREFIX + base.pair_id);
      pair = core.copy(base);
      history.push(before);
      current = null;
      render();
      message("Back to the report's alignment for this article (Ctrl-Z brings your work back).");
    });
    var toolbar = $("review-bar");
    function toolbarHeight() { document.documentElement.style.setProperty("--toolbar-height", toolbar.offsetHeight + "px"); }
    window.addEventListener("resize", toolbarHeight);
    toolbarHeight();

    var KEYS = {
      a: "approve", r: "reject", u: "pending", c: "comment", m: "merge", s: "split", g: "join",
      K: "move-up", J: "move-down", d: "detach-src", e: "detach-tgt", t: "edit", A: "approve-all", R: "realign"
    };
    document.addEventListener("keydown", function (event) {
      var t = event.target;
      var typing = t && (/INPUT|SELECT|TEXTAREA/.test(t.tagName) || t.isContentEditable);
      var key = event.key;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !typing) {
        var lower = key.toLowerCase();
        if (lower === "z") { event.preventDefault(); if (event.shiftKey) redo(); else undo(); }
        else if (lower === "y") { event.preventDefault(); redo(); }
        return;
      }
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (key === "j" || key === "ArrowDown") { event.preventDefault(); go(1, false); }
      else if (key === "k" || key === "ArrowUp") { event.preventDefault(); go(-1, false); }
      else if (key === "n") go(1, true);
      else if (key === "p") go(-1, true);
      else if (key === "N") article("next");
      else if (key === "P") article("prev");
      else if (key === "Tab") { event.preventDefault(); side = side === "src" ? "tgt" : "src"; markCurrent(false); }
      else if (key === "/") { event.preventDefault(); search.focus(); search.select(); }
      else if (key === "?") $("help").classList.toggle("hidden");
      else if (key === "w") download(null);
      else if (key === "Escape") { current = null; markCurrent(false); }
      else if (KEYS[key]) { event.preventDefault(); ACTIONS[KEYS[key]](); }
    });
    // for tests and tools driving the page (the bench)
    window.bitextReview = {
      state: function () { return {pair: core.forFile(pair), current: current, side: side, history: history.length}; },
      facts: function (k) { var f = rowFacts(pair.beads[k]); return {flags: f.flags, score: f.score, reasons: reasons(k, f)}; }
    };
    render();
  }
})();
