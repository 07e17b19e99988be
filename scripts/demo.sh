#!/usr/bin/env bash
# The demo: serve the bundled sample site on 127.0.0.1, run `scrapy crawl enab` against it,
# then show what was stored and where. Run from the repository root (make demo does).
set -euo pipefail
out="${BITEXT_DATA_DIR:-data/output}"
ready="$(mktemp -d)/ready.json"

python data/sample_site/serve.py --ready-file "$ready" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$ready" ] && break; sleep 0.1; done
en=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['en'])" "$ready")
ar=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['ar'])" "$ready")
echo "== sample site: English $en  Arabic $ar"

echo "== scrapy crawl enab -a base_url_en=$en -a base_url_ar=$ar"
BITEXT_DATA_DIR="$out" scrapy crawl enab -a base_url_en="$en" -a base_url_ar="$ar" \
    -O "$out/pairs.jsonl" -s LOG_LEVEL=WARNING

echo "== the same crawl again: incremental, conditional GETs, nothing new stored"
BITEXT_DATA_DIR="$out" scrapy crawl enab -a base_url_en="$en" -a base_url_ar="$ar" \
    -s LOG_LEVEL=ERROR

bitext stats --data-dir "$out"
echo
echo "Outputs:"
echo "  corpus store   $out/corpus.sqlite"
echo "  raw captures   $out/warc/ ($(ls "$out"/warc/*.warc.gz | wc -l) WARC files)"
echo "  pairs (JSONL)  $out/pairs.jsonl"
