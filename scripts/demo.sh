#!/usr/bin/env bash
# The demo: serve the three bundled sample sites on 127.0.0.1 (Enab-style, a WordPress-style
# site with hreflang alternates, and one whose editions do not link to each other), run
# `scrapy crawl enab` and `scrapy crawl bilingual` against them, then show what was stored and where. Run from the repository root (make demo does).
set -euo pipefail
out="${BITEXT_DATA_DIR:-data/output}"
ready="$(mktemp -d)/ready.json"

ready2="$(dirname "$ready")/ready-hreflang.json"
python data/sample_site/serve.py --ready-file "$ready" >/dev/null &
server=$!
python data/sample_site_hreflang/serve.py --ready-file "$ready2" >/dev/null &
server2=$!
ready3="$(dirname "$ready")/ready-content.json"
python data/sample_site_content/serve.py --ready-file "$ready3" >/dev/null &
server3=$!
trap 'kill $server $server2 $server3 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$ready" ] && [ -s "$ready2" ] && [ -s "$ready3" ] && break; sleep 0.1; done
site=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['site'])" "$ready2")
site3=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['site'])" "$ready3")
en=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['en'])" "$ready")
ar=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['ar'])" "$ready")
echo "== sample site: English $en  Arabic $ar"

# The sample site is ours and on loopback: shorter politeness delays than the defaults.
fast=(-s DOWNLOAD_DELAY=0.02 -s AUTOTHROTTLE_START_DELAY=0.05 -s RETRY_BACKOFF_BASE=0.2)
echo "== scrapy crawl enab -a base_url_en=$en -a base_url_ar=$ar ${fast[*]} -O $out/pairs.jsonl"
BITEXT_DATA_DIR="$out" scrapy crawl enab -a base_url_en="$en" -a base_url_ar="$ar" "${fast[@]}" \
    -O "$out/pairs.jsonl" -s LOG_LEVEL=WARNING

echo "== the same crawl again: incremental, conditional GETs, nothing new stored"
BITEXT_DATA_DIR="$out" scrapy crawl enab -a base_url_en="$en" -a base_url_ar="$ar" "${fast[@]}" \
    -s LOG_LEVEL=INFO 2>&1 | grep -E "'bitext/(not_modified|versions/new|pairs/created)" || true

echo "== a second site, WordPress-style, pairing by hreflang: no code, no profile file"
echo "== scrapy crawl bilingual -a site=$site -a languages=ar,en ${fast[*]} -O $out/pairs-hreflang.jsonl"
BITEXT_DATA_DIR="$out" scrapy crawl bilingual -a site="$site" -a languages=ar,en "${fast[@]}" \
    -O "$out/pairs-hreflang.jsonl" -s LOG_LEVEL=WARNING
python - "$out/pairs-hreflang.jsonl" <<'PY'
import collections, json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
kinds = collections.Counter(r.get("reason") or r["type"] for r in records)
print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
PY

echo "== a third site whose editions do not link to each other: pairing by content"
echo "== scrapy crawl bilingual -a site=$site3 -a languages=ar,en -a pairing=content ${fast[*]} -O $out/pairs-content.jsonl"
BITEXT_DATA_DIR="$out" scrapy crawl bilingual -a site="$site3" -a languages=ar,en \
    -a pairing=content "${fast[@]}" -O "$out/pairs-content.jsonl" -s LOG_LEVEL=WARNING
python - "$out/pairs-content.jsonl" <<'PY'
import collections, json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
kinds = collections.Counter(r.get("reason") or r["type"] for r in records)
print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
PY

echo "== bitext translate: Arabic<->English needs an Argos package (none can be had here)"
bitext translate --data-dir "$out" || true

echo "== bitext align: sentence alignment and divergence flags (no translation here: the sentence encoder, a word list, lengths; embeddings from the crawl, none made again)"
bitext align --data-dir "$out"

echo "== bitext review: a translator's round trip (the report's review tools write the same file)"
bitext review export --data-dir "$out" -o "$out/review.json"
# As a translator would in the report: the first two beads of one article merged and approved.
python - "$out/review.json" "$out/review-edited.json" "$out/review-bad.json" <<'PY'
import copy, json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
pair = next(p for p in data["pairs"] if len(p["beads"]) > 2 and all(b["src"] and b["tgt"] for b in p["beads"][:2]))
first, second = pair["beads"][:2]
merged = {"src": first["src"] + second["src"], "tgt": first["tgt"] + second["tgt"],
          "status": "approved", "comment": "demo: two beads merged by a translator"}
pair["beads"][:2] = [merged]
edited = {"format": data["format"], "pairs": [pair]}
json.dump(edited, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
bad = copy.deepcopy(edited)
bad["pairs"][0]["beads"][1]["src"] = bad["pairs"][0]["beads"][0]["src"][-1:] + bad["pairs"][0]["beads"][1]["src"]
json.dump(bad, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(f"  edited {pair['pair_id']}: beads 0 and 1 merged and approved")
PY
bitext review import "$out/review-edited.json" --data-dir "$out" --reviewer demo
echo "-- a file with a sentence in two beads is refused whole:"
bitext review import "$out/review-bad.json" --data-dir "$out" --reviewer demo || true

echo "== exports and the review report"
bitext export --data-dir "$out" --format jsonl -o "$out/corpus.jsonl"
bitext export --data-dir "$out" --format tmx --dedup -o "$out/corpus.tmx"
bitext export --data-dir "$out" --format moses --dedup -o "$out/corpus"
bitext export --data-dir "$out" --format xliff --dedup -o "$out/corpus.xlf"
bitext export --data-dir "$out" --format tmx --reviewed-only -o "$out/reviewed.tmx"
bitext report --data-dir "$out" -o "$out/report"
if command -v xmllint >/dev/null; then
  echo "== the exports against the standards (xmllint)"
  xmllint --noout --schema tests/schemas/xliff_core_2.0.xsd "$out/corpus.xlf"
  for tmx in "$out/corpus.tmx" "$out/reviewed.tmx"; do
    # quiet unless it fails: xmllint also warns that the DOCTYPE's own "tmx14.dtd" is not beside it
    xmllint --noout --dtdvalid tests/schemas/tmx14.dtd "$tmx" 2>/dev/null \
      && echo "$tmx validates (TMX 1.4 DTD)" \
      || { xmllint --noout --dtdvalid tests/schemas/tmx14.dtd "$tmx"; exit 1; }
  done
else
  echo "== xmllint (Debian libxml2-utils) not installed: schema check of the exports skipped"
fi

bitext stats --data-dir "$out"
echo
echo "Outputs:"
echo "  corpus store   $out/corpus.sqlite"
echo "  raw captures   $out/warc/ ($(ls "$out"/warc/*.warc.gz | wc -l) WARC files)"
echo "  crawl feeds    $out/pairs.jsonl (Enab-style), $out/pairs-hreflang.jsonl (hreflang),"
echo "                 $out/pairs-content.jsonl (paired by content)"
echo "  corpus (JSONL) $out/corpus.jsonl"
echo "  TMX 1.4b       $out/corpus.tmx"
echo "  Moses          $out/corpus.ar, $out/corpus.en, $out/corpus.ids (where each line comes from)"
echo "  XLIFF 2.0      $out/corpus.xlf"
echo "  reviewed TMX   $out/reviewed.tmx (approved beads only)"
echo "  review file    $out/review.json (bitext review import after editing)"
echo "  review report  file://$(cd "$out/report" && pwd)/index.html"
echo
echo "One pair's clean Arabic text (first sentences) and what was removed from it:"
python - "$out/pairs.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    if item.get("status") == "paired":
        ar = item["original"]["text"]
        print("  title:", ar["title"])
        for s in ar["sentences"][:2]:
            print("  sentence:", s["text"])
        for r in ar["removed"]:
            print(f"  removed ({r['reason']}):", r["text"][:80])
        break
PY
