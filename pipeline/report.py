"""The translators' review report: a static HTML site (works from file://, no server).

Jinja2 renders it with autoescaping on for every template, so scraped text (titles, sentences,
URLs) is always text: a `<script>` in an article shows as `<script>`.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.exports import atomic_writer
from pipeline.models import ExportedPair

TEMPLATES = Path(__file__).parent / "report_templates"
FLAG_KINDS = (
    "omitted",
    "added",
    "number_mismatch",
    "name_mismatch",
    "low_similarity",
    "doubtful",
)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _safe_url(url: str | None) -> str:
    """Only http(s) links: a javascript: URL in a scraped page never becomes a link."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return "#"


def _page_name(pair: ExportedPair) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in pair.en.site_article_id)
    return f"articles/{pair.site}-{safe[:80]}.html"


@dataclass
class ReportSummary:
    articles: int
    beads: int
    divergent_beads: int
    flags: Counter[str]
    index: Path


def write_report(pairs: Iterable[ExportedPair], out_dir: Path) -> ReportSummary:
    """Write index.html, one page per aligned article, and the CSS and JS beside them."""
    env = _environment()
    article_template = env.get_template("article.html")
    (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    beads_total = divergent_total = 0
    degraded = 0
    for pair in pairs:
        alignment = pair.alignment
        if alignment is None:
            continue
        degraded += alignment.mode == "none"
        published = pair.en.published or pair.ar.published
        beads = []
        flags: Counter[str] = Counter()
        translation = alignment.src_translation
        for bead in alignment.beads:
            flags.update(bead.flags)
            beads.append(
                {
                    "en": " ".join(alignment.tgt_sentences[j] for j in bead.tgt),
                    "ar": " ".join(alignment.src_sentences[i] for i in bead.src),
                    "mt": " ".join(translation[i] for i in bead.src) if translation else "",
                    "diff": bead.diff,
                    "flags": bead.flags,
                    "score": bead.score,
                }
            )
        divergent = sum(1 for b in alignment.beads if b.flags)
        beads_total += len(alignment.beads)
        divergent_total += divergent
        totals.update(flags)
        title = pair.en.title or (pair.en.text.title if pair.en.text else None) or "(no title)"
        page = _page_name(pair)
        html = article_template.render(
            title=title,
            en_url=_safe_url(pair.en.canonical_url),
            ar_url=_safe_url(pair.ar.canonical_url),
            date=published.date().isoformat() if published else "",
            mode=alignment.mode,
            aligner=alignment.aligner,
            beads=beads,
            kinds=FLAG_KINDS,
        )
        with atomic_writer(out_dir / page) as out:
            out.write(html)
        rows.append(
            {
                "title": title,
                "site": pair.site,
                "ar_title": pair.ar.title or "",
                "page": page,
                "date": published.date().isoformat() if published else "",
                "date_sort": published.isoformat() if published else "",
                "mode": alignment.mode,
                "beads": len(alignment.beads),
                "flags": flags,
                "flag_kinds": sorted(flags),
            }
        )
    rows.sort(key=lambda r: r["date_sort"], reverse=True)
    index = env.get_template("index.html").render(
        articles=rows,
        kinds=FLAG_KINDS,
        total_beads=beads_total,
        total_divergent=divergent_total,
        degraded=degraded,
        site_names=", ".join(sorted({r["site"] for r in rows})),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    for asset in ("base.css", "report.js"):
        shutil.copyfile(TEMPLATES / asset, out_dir / asset)
    with atomic_writer(out_dir / "index.html") as out:
        out.write(index)
    return ReportSummary(len(rows), beads_total, divergent_total, totals, out_dir / "index.html")
