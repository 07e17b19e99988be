// The review's logic, without the page: segments (the stored sentences split, joined, edited),
// the edits a translator makes to rows, the evidence shown for a row (numbers and Latin-script
// names on one side only, why a flag was raised) and the small search that re-aligns the rows
// between a translator's fixed rows. Offsets into stored sentences are in code points, as
// Python counts them (Array.from), never UTF-16 units. Loaded by the article pages (and by
// node, for trying it out: module.exports).
(function (root) {
  "use strict";

  // ---- code points ----
  function chars(text) { return Array.from(text || ""); }
  function cpLength(text) { return chars(text).length; }
  function isSpace(ch) { return /\s/.test(ch); }
  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  // ---- segments ----
  function wholeSegments(sentences) {
    return sentences.map(function (s, k) {
      return {first: k, start: 0, last: k, end: cpLength(s), text: null};
    });
  }
  // The stored pieces a segment covers: [{sentence, from, to}] with the spaces at each piece's
  // ends left out, and the text they make (pieces joined by a space), as pipeline.review does.
  function pieces(seg, sentences) {
    var out = [];
    for (var k = seg.first; k <= seg.last; k++) {
      var cs = chars(sentences[k]);
      var from = k === seg.first ? seg.start : 0;
      var to = k === seg.last ? seg.end : cs.length;
      while (from < to && isSpace(cs[from])) from++;
      while (to > from && isSpace(cs[to - 1])) to--;
      if (to > from) out.push({sentence: k, from: from, to: to, text: cs.slice(from, to).join("")});
    }
    return out;
  }
  function storedText(seg, sentences) {
    return pieces(seg, sentences).map(function (p) { return p.text; }).join(" ");
  }
  function segmentText(seg, sentences) {
    return seg.text !== null && seg.text !== undefined ? seg.text : storedText(seg, sentences);
  }
  function isWhole(seg, sentences) {
    return seg.first === seg.last && seg.start === 0 && seg.end === cpLength(sentences[seg.first]) &&
      (seg.text === null || seg.text === undefined);
  }
  function normalise(seg, sentences) {
    // a segment starting at its first sentence's very end starts at the next one
    while (seg.first < seg.last && seg.start >= cpLength(sentences[seg.first])) {
      seg.first += 1; seg.start = 0;
    }
    while (seg.last > seg.first && seg.end === 0) {
      seg.last -= 1; seg.end = cpLength(sentences[seg.last]);
    }
    return seg;
  }
  function sideKey(side) { return side === "src" ? "src_segments" : "tgt_segments"; }
  function sentencesOf(pair, side) { return side === "src" ? pair.src_sentences : pair.tgt_sentences; }

  // A pair as the page works on it: segments always present, beads complete.
  function materialise(pair) {
    var p = copy(pair);
    if (!p.src_segments) p.src_segments = wholeSegments(p.src_sentences);
    if (!p.tgt_segments) p.tgt_segments = wholeSegments(p.tgt_sentences);
    p.beads.forEach(function (b) {
      if (!b.status) b.status = "pending";
      if (b.comment === undefined || b.comment === null) b.comment = "";
      if (!b.origin) b.origin = "aligner";
      if (b.reviewer === undefined) b.reviewer = null;
      if (b.reviewed_at === undefined) b.reviewed_at = null;
    });
    return p;
  }
  // The form a review file holds: segments left out where they are the stored sentences.
  function forFile(pair) {
    var p = copy(pair);
    ["src", "tgt"].forEach(function (side) {
      var key = sideKey(side), sentences = sentencesOf(p, side), segs = p[key];
      var identity = segs.length === sentences.length && segs.every(function (s) { return isWhole(s, sentences); });
      if (identity) p[key] = null;
    });
    return p;
  }
  function texts(pair, side) {
    var sentences = sentencesOf(pair, side);
    return pair[sideKey(side)].map(function (s) { return segmentText(s, sentences); });
  }

  // ---- rows: who made them, which are fixed ----
  function isFixed(bead) {
    return bead.status !== "pending" || bead.origin === "translator" || !!bead.comment;
  }
  function rowKey(pair, bead) {
    // what makes two rows the same row: their segments (and any edited text)
    return ["src", "tgt"].map(function (side) {
      var segs = pair[sideKey(side)];
      return bead[side].map(function (i) {
        var s = segs[i];
        return s.first + "." + s.start + "-" + s.last + "." + s.end + (s.text !== null && s.text !== undefined ? "*" + s.text : "");
      }).join(",");
    }).join("|");
  }

  // ---- edits: each returns null, or a sentence saying why it cannot be done ----
  function shift(pair, side, from, delta) {
    pair.beads.forEach(function (b) {
      b[side] = b[side].map(function (i) { return i >= from ? i + delta : i; });
    });
  }
  function changed(bead) { bead.origin = "translator"; return bead; }
  function newRow(src, tgt) {
    return {src: src, tgt: tgt, status: "pending", comment: "", origin: "translator", reviewer: null, reviewed_at: null};
  }
  function dropEmptyRows(pair) {
    pair.beads = pair.beads.filter(function (b) { return b.src.length + b.tgt.length > 0; });
  }
  var edits = {
    merge: function (pair, k) {
      if (k + 1 >= pair.beads.length) return "The last row has no next row to merge with.";
      var a = pair.beads[k], b = pair.beads[k + 1];
      var status = a.status === b.status ? a.status : "pending";
      var merged = newRow(a.src.concat(b.src), a.tgt.concat(b.tgt));
      merged.status = status;
      merged.comment = [a.comment, b.comment].filter(Boolean).join(" / ");
      pair.beads.splice(k, 2, merged);
      if (a.status !== b.status && (a.status !== "pending" || b.status !== "pending")) {
        return {note: "The two rows were " + a.status + " and " + b.status + ": the merged row is pending."};
      }
      return null;
    },
    detach: function (pair, k, side) {
      var bead = pair.beads[k];
      if (!bead[side].length || bead.src.length + bead.tgt.length < 2) return "Nothing to detach on that side of this row.";
      var last = bead[side][bead[side].length - 1];
      bead[side] = bead[side].slice(0, -1);
      changed(bead);
      pair.beads.splice(k + 1, 0, newRow(side === "src" ? [last] : [], side === "tgt" ? [last] : []));
      return bead.status !== "pending" ? {note: "Detached; row " + (k + 1) + " stays " + bead.status + " (u sets it back to pending)."} : null;
    },
    "move-up": function (pair, k, side) {
      var bead = pair.beads[k];
      if (k === 0) return "The first row has no row above.";
      if (!bead[side].length) return "No sentence on that side of this row to move.";
      var first = bead[side][0];
      bead[side] = bead[side].slice(1);
      var above = changed(pair.beads[k - 1]);
      above[side] = above[side].concat([first]);
      if (bead.src.length + bead.tgt.length) changed(bead);
      dropEmptyRows(pair);
      return null;
    },
    "move-down": function (pair, k, side) {
      var bead = pair.beads[k];
      if (k + 1 >= pair.beads.length) return "The last row has no row below.";
      if (!bead[side].length) return "No sentence on that side of this row to move.";
      var last = bead[side][bead[side].length - 1];
      bead[side] = bead[side].slice(0, -1);
      var below = changed(pair.beads[k + 1]);
      below[side] = [last].concat(below[side]);
      if (bead.src.length + bead.tgt.length) changed(bead);
      dropEmptyRows(pair);
      return null;
    },
    join: function (pair, k, side) {
      var bead = pair.beads[k], segs = pair[sideKey(side)], sentences = sentencesOf(pair, side);
      if (bead[side].length < 2) return "Join needs two sentences on that side of the row.";
      var members = bead[side].map(function (i) { return segs[i]; });
      var first = members[0], last = members[members.length - 1];
      var edited = members.some(function (s) { return s.text !== null && s.text !== undefined; });
      var joined = normalise({first: first.first, start: first.start, last: last.last, end: last.end,
        text: edited ? members.map(function (s) { return segmentText(s, sentences); }).join(" ") : null}, sentences);
      var at = bead[side][0];
      segs.splice(at, members.length, joined);
      bead[side] = [at];
      shift(pair, side, at + members.length, 1 - members.length);
      bead[side] = [at];
      changed(bead);
      return null;
    },
    // Split segment `index` of `side` at `offset` code points into its text.
    split: function (pair, k, side, index, offset) {
      var segs = pair[sideKey(side)], sentences = sentencesOf(pair, side), seg = segs[index];
      if (seg.text !== null && seg.text !== undefined) return "This sentence's text was edited: split it before editing it.";
      var ps = pieces(seg, sentences), at = 0, point = null;
      for (var n = 0; n < ps.length && point === null; n++) {
        var len = ps[n].to - ps[n].from;
        if (offset < at + len) point = {sentence: ps[n].sentence, offset: ps[n].from + offset - at};
        else if (offset === at + len && n + 1 < ps.length) point = {sentence: ps[n + 1].sentence, offset: ps[n + 1].from};
        at += len + 1;
      }
      if (point === null) return "Put the cursor inside the sentence to split it.";
      var left = normalise({first: seg.first, start: seg.start, last: point.sentence, end: point.offset, text: null}, sentences);
      var right = normalise({first: point.sentence, start: point.offset, last: seg.last, end: seg.end, text: null}, sentences);
      if (!storedText(left, sentences) || !storedText(right, sentences)) return "Put the cursor inside the sentence, not at an end.";
      segs.splice(index, 1, left, right);
      shift(pair, side, index + 1, 1);
      var bead = pair.beads[k], where = bead[side].indexOf(index);
      bead[side].splice(where + 1, 0, index + 1);
      changed(bead);
      return null;
    },
    // Set the text of the row's segments on `side` (one line each).
    edit: function (pair, k, side, lines) {
      var bead = pair.beads[k], segs = pair[sideKey(side)], sentences = sentencesOf(pair, side);
      if (lines.length !== bead[side].length) {
        return "Keep one line for each of the " + bead[side].length + " sentence(s) (split or join to change how many).";
      }
      var any = false;
      bead[side].forEach(function (i, n) {
        var text = lines[n].trim();
        if (!text) return;
        var seg = segs[i], now = segmentText(seg, sentences);
        if (text === now) return;
        seg.text = text === storedText(seg, sentences) ? null : text;
        any = true;
      });
      if (!any) return "Nothing changed.";
      changed(bead);
      return null;
    }
  };

  // ---- evidence: numbers and Latin-script names on one side of a row only ----
  var DIGITS = {};
  "٠١٢٣٤٥٦٧٨٩".split("").forEach(function (d, i) { DIGITS[d] = String(i); });
  "۰۱۲۳۴۵۶۷۸۹".split("").forEach(function (d, i) { DIGITS[d] = String(i); });
  var NUMBER = /[0-9٠-٩۰-۹]+(?:[.,٫٬\u2009\u202f\u00a0][0-9٠-٩۰-۹]+)*(?:\/[0-9٠-٩۰-۹]+)?/g;
  function unify(text) { return text.replace(/[٠-٩۰-۹]/g, function (d) { return DIGITS[d]; }); }
  function numberKey(raw) {
    var t = unify(raw).replace(/٫/g, ".");
    t = t.replace(/[,٬\u2009\u202f\u00a0](?=\d{3}(?!\d))/g, "");
    t = t.replace(/[,٬\u2009\u202f\u00a0]/g, ".");
    if (t.indexOf(".") >= 0 && t.indexOf("/") < 0) t = t.replace(/0+$/, "").replace(/\.$/, "");
    return t.replace(/^0+(?=\d)/, "");
  }
  function numberTokens(text) {
    var out = [], m;
    NUMBER.lastIndex = 0;
    while ((m = NUMBER.exec(text)) !== null) out.push({start: m.index, end: m.index + m[0].length, key: numberKey(m[0]), text: m[0], kind: "number"});
    return out;
  }
  var LATIN_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "tr", "id", "pl", "sv"];
  function isLatin(lang) { return LATIN_LANGUAGES.indexOf(lang) >= 0; }
  var STOP = ("The A An And But Or If In On At To For Of By With From As It He She They We You I " +
    "This That These Those His Her Their Its Our My Your Mr Mrs Ms Dr Le La Les Un Une Der Die Das").split(" ");
  function nameTokens(text, lang) {
    var out = [], m, re;
    if (isLatin(lang)) {
      // capitalised runs not opening a sentence
      re = /[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)*/g;
      while ((m = re.exec(text)) !== null) {
        var before = text.slice(0, m.index).replace(/\s+$/, "");
        if (!before || /[.!?:"“«(]$/.test(before)) continue;
        if (STOP.indexOf(m[0].split(/\s+/)[0]) >= 0) continue;
        out.push({start: m.index, end: m.index + m[0].length, key: m[0].toLowerCase(), text: m[0], kind: "name"});
      }
    } else {
      re = /[A-Za-z][A-Za-z0-9'’\-]+/g;
      while ((m = re.exec(text)) !== null) out.push({start: m.index, end: m.index + m[0].length, key: m[0].toLowerCase(), text: m[0], kind: "name"});
    }
    return out;
  }
  function unmatchedNumbers(mine, theirs) {
    var count = {};
    theirs.forEach(function (t) { count[t.key] = (count[t.key] || 0) + 1; });
    return mine.filter(function (t) {
      if (count[t.key]) { count[t.key] -= 1; return false; }
      return true;
    });
  }
  // The tokens to mark in a row's original, translation and machine translation, and the
  // words that say why. mt: the original's machine translation (or "").
  function rowEvidence(srcText, tgtText, mtText, srcLang, tgtLang) {
    var marks = {src: [], tgt: [], mt: []}, notes = [];
    if (!srcText || !tgtText) return {marks: marks, numbers: null, names: null};
    var sn = numberTokens(srcText), tn = numberTokens(tgtText);
    var onlySrc = unmatchedNumbers(sn, tn), onlyTgt = unmatchedNumbers(tn, sn);
    marks.src = marks.src.concat(onlySrc);
    marks.tgt = marks.tgt.concat(onlyTgt);
    var names = {onlySrc: [], onlyTgt: []};
    var lower = function (s) { return s.toLowerCase(); };
    if (!isLatin(srcLang)) {
      nameTokens(srcText, srcLang).forEach(function (t) {
        if (lower(tgtText).indexOf(t.key) < 0) { marks.src.push(t); names.onlySrc.push(t.text); }
      });
    }
    var left = mtText || (isLatin(srcLang) ? srcText : "");
    if (left && isLatin(tgtLang)) {
      var leftMarks = mtText ? marks.mt : marks.src;
      nameTokens(tgtText, tgtLang).forEach(function (t) {
        if (lower(left).indexOf(t.key) < 0) { marks.tgt.push(t); names.onlyTgt.push(t.text); }
      });
      nameTokens(left, tgtLang).forEach(function (t) {
        if (lower(tgtText).indexOf(t.key) < 0) { leftMarks.push(t); names.onlySrc.push(t.text); }
      });
    }
    return {
      marks: marks,
      numbers: {onlySrc: onlySrc.map(function (t) { return t.text; }), onlyTgt: onlyTgt.map(function (t) { return t.text; })},
      names: names
    };
  }

  // ---- similarity: the items of a stretch, their overlap ----
  // items[side][sentence] = [[offset, [concept ids]], ...] (pipeline.evidence.similarity_items)
  function segmentItems(seg, sideItems) {
    var out = [];
    if (!sideItems) return out;
    for (var k = seg.first; k <= seg.last; k++) {
      (sideItems[k] || []).forEach(function (item) {
        var off = item[0];
        if (k === seg.first && off < seg.start) return;
        if (k === seg.last && off >= seg.end) return;
        out.push(item[1]);
      });
    }
    return out;
  }
  // The share of two stretches' items that find a counterpart on the other side, pulled
  // towards `prior` when there are few items to go by.
  function similarity(srcItems, tgtItems, prior, weight) {
    var tgtConcepts = {}, srcConcepts = {}, matched = 0;
    tgtItems.forEach(function (ids) { ids.forEach(function (c) { tgtConcepts[c] = 1; }); });
    srcItems.forEach(function (ids) { ids.forEach(function (c) { srcConcepts[c] = 1; }); });
    srcItems.forEach(function (ids) { if (ids.some(function (c) { return tgtConcepts[c]; })) matched += 1; });
    tgtItems.forEach(function (ids) { if (ids.some(function (c) { return srcConcepts[c]; })) matched += 1; });
    var n = srcItems.length + tgtItems.length;
    if (prior === undefined) return n ? matched / n : 0;
    return (matched + prior * weight) / (n + weight);
  }

  // ---- re-aligning a stretch: a small dynamic programme over bead shapes ----
  var SHAPES = [[1, 1], [1, 0], [0, 1], [2, 1], [1, 2], [2, 2], [3, 1], [1, 3]];
  // chosen on the sample site (40 NTREX articles, whole articles re-aligned: 98% of gold rows) and the
  // real de-fr dev article (rows between fixed rows every 10: 88%); the aligner does better
  // (bitext review import --realign): this is the quick one, in the page.
  var PARAMS = {nullCost: 1.2, mergeCost: 0.7, lengthWeight: 1.0, prior: 0.3, priorWeight: 2, band: 12};
  // src, tgt: [{items: [[ids]...], length: code points}]; ratio: expected target/source length.
  // Returns [{src: [..], tgt: [..], score}] over indices into src and tgt.
  function realign(src, tgt, ratio, params) {
    var P = params || PARAMS, n = src.length, m = tgt.length;
    var INF = 1e18, cost = [], back = [];
    for (var i = 0; i <= n; i++) { cost.push(new Float64Array(m + 1).fill(INF)); back.push(new Int8Array(m + 1).fill(-1)); }
    cost[0][0] = 0;
    function span(side, a, b) {
      var items = [], length = 0;
      for (var k = a; k < b; k++) { items = items.concat(side[k].items); length += side[k].length; }
      return {items: items, length: length};
    }
    function beadCost(i, j, a, b) {
      if (!a || !b) return {cost: P.nullCost * (a + b), score: 0};
      var s = span(src, i, i + a), t = span(tgt, j, j + b);
      var sim = similarity(s.items, t.items, P.prior, P.priorWeight);
      var lengthGap = Math.abs(Math.log((t.length + 20) / ((s.length + 20) * ratio)));
      var c = (a + b) * (1 - sim) + P.lengthWeight * lengthGap * (a + b) / 2 + P.mergeCost * (a + b - 2);
      return {cost: c, score: Math.max(0, Math.min(1, sim - 0.5 * lengthGap * 0.5))};
    }
    // a band around the diagonal: a stretch's rows stay near their place
    var band = Math.max(P.band || 12, Math.ceil(0.15 * Math.max(n, m)) + Math.abs(n - m));
    for (i = 0; i <= n; i++) {
      for (var j = 0; j <= m; j++) {
        if (cost[i][j] >= INF || Math.abs(i * (m || 1) / (n || 1) - j) > band) continue;
        for (var k = 0; k < SHAPES.length; k++) {
          var a = SHAPES[k][0], b = SHAPES[k][1];
          if (i + a > n || j + b > m) continue;
          var c = cost[i][j] + beadCost(i, j, a, b).cost;
          if (c < cost[i + a][j + b]) { cost[i + a][j + b] = c; back[i + a][j + b] = k; }
        }
      }
    }
    var beads = [];
    i = n; j = m;
    while (i > 0 || j > 0) {
      var shape = SHAPES[back[i][j]];
      var a2 = shape[0], b2 = shape[1], from = {src: [], tgt: []};
      for (var x = i - a2; x < i; x++) from.src.push(x);
      for (var y = j - b2; y < j; y++) from.tgt.push(y);
      from.score = Math.round(beadCost(i - a2, j - b2, a2, b2).score * 100) / 100;
      beads.unshift(from);
      i -= a2; j -= b2;
    }
    return beads;
  }

  // Re-align every run of rows between fixed ones. items: the page's similarity data.
  // Returns {pair, rows: [row indices placed], runs} (a copy; the input is left alone).
  function realignRest(pair, items, limit) {
    var p = copy(pair), out = [], placed = [], runs = 0, skipped = 0, run = [];
    var segs = {src: p.src_segments, tgt: p.tgt_segments};
    var totals = {src: 0, tgt: 0};
    ["src", "tgt"].forEach(function (side) {
      texts(p, side).forEach(function (t) { totals[side] += cpLength(t); });
    });
    var ratio = totals.src ? Math.max(totals.tgt, 1) / totals.src : 1;
    function unit(side, i) {
      return {items: segmentItems(segs[side][i], items[side]), length: cpLength(segmentText(segs[side][i], sentencesOf(p, side)))};
    }
    function flush() {
      var src = [], tgt = [];
      run.forEach(function (b) { src = src.concat(b.src); tgt = tgt.concat(b.tgt); });
      if (src.length && tgt.length && src.length <= limit && tgt.length <= limit) {
        var found = realign(src.map(function (i) { return unit("src", i); }), tgt.map(function (j) { return unit("tgt", j); }), ratio);
        runs += 1;
        found.forEach(function (b) {
          placed.push(out.length);
          out.push({src: b.src.map(function (x) { return src[x]; }), tgt: b.tgt.map(function (y) { return tgt[y]; }),
                    status: "pending", comment: "", origin: "realigned", reviewer: null, reviewed_at: null, score: b.score});
        });
      } else {
        if (src.length > limit || tgt.length > limit) skipped += 1;
        out = out.concat(run);
      }
      run = [];
    }
    p.beads.forEach(function (b) { if (isFixed(b)) { flush(); out.push(b); } else run.push(b); });
    flush();
    var scores = {};
    out.forEach(function (b, k) { if (b.score !== undefined) { scores[k] = b.score; delete b.score; } });
    p.beads = out;
    return {pair: p, placed: placed, scores: scores, runs: runs, skipped: skipped};
  }

  var api = {
    chars: chars, cpLength: cpLength, copy: copy,
    wholeSegments: wholeSegments, pieces: pieces, storedText: storedText, segmentText: segmentText,
    isWhole: isWhole, materialise: materialise, forFile: forFile, texts: texts,
    isFixed: isFixed, rowKey: rowKey, edits: edits,
    unify: unify, numberTokens: numberTokens, nameTokens: nameTokens, rowEvidence: rowEvidence,
    segmentItems: segmentItems, similarity: similarity, realign: realign, realignRest: realignRest,
    PARAMS: PARAMS
  };
  root.BitextCore = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof self !== "undefined" ? self : this);
