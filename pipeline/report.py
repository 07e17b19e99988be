"""The translators' review report: a static HTML site (works from file://, no server).

Jinja2 renders it with autoescaping on for every template, so scraped text (titles, sentences,
URLs) is always text: a `<script>` in an article shows as `<script>`. The review script builds
its rows with textContent only. Archived captures are shown from the WARC in a sandboxed iframe
(no scripts, no network) on a page of their own.

Each article page carries its review as data (the review file's form of the pair), the machine's
score, flags and diff of each row, and for articles up to SIMILARITY_MAX_SENTENCES sentences a
side the words that can match across the sides (pipeline.evidence), with which the page's script
re-aligns the rows between the translator's fixed rows. `articles.js` lists the pages in the
index's order, for moving from article to article by keyboard.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from warcio.archiveiterator import ArchiveIterator

from pipeline import modes
from pipeline.align import TRANSLATION_PARAMS, default_params, lexicon_words
from pipeline.charts import report_charts
from pipeline.evidence import similarity_items
from pipeline.exports import atomic_writer
from pipeline.labels import FLAG_NAMES, mode_words
from pipeline.models import BEAD_FLAGS, ArticleVersion, ExportedPair, PairAlignment, WarcCapture
from pipeline.provenance import readable_iri
from pipeline.review import review_of_pair
from pipeline.stages.align import bead_text
from pipeline.stats import AlignmentTally

TEMPLATES = Path(__file__).parent / "report_templates"
FLAG_KINDS = BEAD_FLAGS

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi"})


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def _side(version: Any, archived: dict[str, str]) -> dict[str, Any]:
    """What the article page shows of one side: its language, direction, live and archived URL."""
    return {
        "lang": version.language,
        "dir": text_direction(version.language),
        "url": _safe_url(version.canonical_url),
        "shown_url": readable_iri(version.canonical_url),  # the exact one is the link's href
        "archived": archived.get(version.language),
    }


# What a translator reads for each flag: a name (pipeline.labels) and one line of explanation.
FLAG_HELP = {
    "omitted": "A sentence of the original with no counterpart: the translation leaves it out.",
    "added": "A sentence of the translation with no counterpart in the original: it adds it.",
    "number_mismatch": "The two sides do not carry the same numbers (figures, dates, counts).",
    "name_mismatch": "A name on one side is not found on the other (compared in the "
    "machine translation).",
    "low_similarity": "The machine translation of the original shares little with the translation: "
    "the content may have been changed.",
    "doubtful": "The aligner is unsure these sentences belong together: its score is below "
    f"{TRANSLATION_PARAMS.doubtful_below:.2f} (0 = no evidence, 1 = certain). Without a "
    "translation (mode none) the score rests on a word list, lengths and numbers only, so "
    "many correct beads are doubtful there.",
}


@dataclass(frozen=True)
class ArchivedPage:
    """One capture as the WARC holds it: what the report shows as the archived page."""

    url: str
    fetched_at: str
    record_id: str
    warc_filename: str
    http_status: int | None
    body: bytes


class WarcPages:
    """Archived pages by WARC record id, read from the WARC files the store's captures name;
    each file is scanned once for record offsets, then records are read by seeking."""

    def __init__(self, warc_dir: Path, captures: Iterable[WarcCapture]) -> None:
        self.warc_dir = Path(warc_dir)
        self.file_of = {c.warc_record_id: c.warc_filename for c in captures}
        self._offsets: dict[str, dict[str, int]] = {}

    def _offsets_in(self, filename: str) -> dict[str, int]:
        if filename not in self._offsets:
            offsets: dict[str, int] = {}
            path = self.warc_dir / filename
            if path.is_file():
                with open(path, "rb") as f:
                    iterator = ArchiveIterator(f)
                    for record in iterator:
                        record_id = record.rec_headers.get_header("WARC-Record-ID")
                        offsets[record_id] = iterator.get_record_offset()
            self._offsets[filename] = offsets
        return self._offsets[filename]

    def page(self, record_id: str | None, *, hops: int = 2) -> ArchivedPage | None:
        """The response record `record_id`, following a revisit to the record it refers to."""
        filename = self.file_of.get(record_id or "")
        if not record_id or filename is None:
            return None
        offset = self._offsets_in(filename).get(record_id)
        if offset is None:
            return None
        with open(self.warc_dir / filename, "rb") as f:
            f.seek(offset)
            record = next(iter(ArchiveIterator(f)))
            headers = record.rec_headers
            if record.rec_type == "revisit":
                refers = headers.get_header("WARC-Refers-To")
                return self.page(refers, hops=hops - 1) if refers and hops > 0 else None
            if record.rec_type != "response":
                return None
            return ArchivedPage(
                url=headers.get_header("WARC-Target-URI") or "",
                fetched_at=headers.get_header("WARC-Date") or "",
                record_id=record_id,
                warc_filename=filename,
                http_status=int(record.http_headers.get_statuscode())
                if record.http_headers
                else None,
                body=record.content_stream().read(),
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


PAGE_SLUG_CHARS = 60


def _pairing_note(pair: ExportedPair) -> str:
    """How the pair was found, as the article page says it ("" where that was not recorded)."""
    if pair.pairing_method is None:
        return ""
    if pair.pairing_score is not None and pair.pairing_method.value == "content":
        return f"paired by content (score {pair.pairing_score:.3f})"
    return f"paired by {pair.pairing_method.value}"


def _page_name(pair: ExportedPair) -> str:
    """articles/SITE-SLUG-HASH.html: a readable prefix of the site and article id (ASCII
    letters, digits, - and _), then 16 hex digits of a hash of both, so that any two articles
    get two pages (ids sharing a long prefix, `a.b` and `a_b`) and a page keeps its name."""
    key = f"{pair.site}\x00{pair.translation.site_article_id}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{pair.site}-{pair.translation.site_article_id}")
    slug = slug[:PAGE_SLUG_CHARS].strip("_-") or "article"
    return f"articles/{slug}-{digest}.html"


# The page re-aligns articles up to this many sentences a side (its search is quadratic);
# bigger ones are re-aligned by `bitext review import --realign`.
SIMILARITY_MAX_SENTENCES = 400
LANGUAGE_NAMES = {"ar": "Arabic", "en": "English", "fr": "French", "de": "German",
                  "zh": "Chinese", "es": "Spanish", "fa": "Persian", "tr": "Turkish",
                  "ru": "Russian", "he": "Hebrew", "ur": "Urdu"}  # fmt: skip


def _stored_mt(alignment: PairAlignment, n_src: int) -> list[str] | None:
    """The machine translation of each stored original sentence, where the alignment has it
    (a review that split a sentence has none for that sentence's pieces)."""
    mt = alignment.src_translation
    if mt is None:
        return None
    if alignment.src_segments is None:
        return mt
    found = [""] * n_src
    for seg, text in zip(alignment.src_segments, mt, strict=False):
        if seg.first == seg.last and seg.start == 0 and seg.text is None:
            found[seg.first] = text
    return found


def _page_data(pair: ExportedPair, alignment: PairAlignment) -> dict[str, Any]:
    """What the page's review script works from: the review, each row's machine evidence, and
    the words that can match across the sides (None past SIMILARITY_MAX_SENTENCES)."""
    review = review_of_pair(pair)
    assert review is not None
    mt = _stored_mt(alignment, len(review.src_sentences))
    items = None
    if max(len(review.src_sentences), len(review.tgt_sentences)) <= SIMILARITY_MAX_SENTENCES:
        translations = None
        if not mt:
            from pipeline.dictionary import bundled_dictionary

            lexicon = bundled_dictionary(review.src_lang, review.tgt_lang)
            translations = lexicon.pairs if lexicon is not None else None
        src_items, tgt_items = similarity_items(
            review.src_sentences,
            review.tgt_sentences,
            src_language=review.src_lang,
            tgt_language=review.tgt_lang,
            src_mt=mt,
            word_forms=lexicon_words,
            translations=translations,
        )
        items = {"src": src_items, "tgt": tgt_items}
    params = default_params(bool(alignment.src_translation), modes.encoded(alignment.mode))
    return {
        "review": review.model_dump(mode="json"),
        "rows": [
            {
                "score": b.score,
                "flags": b.flags,
                "diff": [[op.op, op.mt, op.tgt] for op in b.diff] if b.diff else None,
            }
            for b in alignment.beads
        ],
        "mt": mt,
        "items": items,
        "mode": alignment.mode,
        "doubtful_below": params.doubtful_below,
        "languages": {
            "src": LANGUAGE_NAMES.get(review.src_lang, review.src_lang),
            "tgt": LANGUAGE_NAMES.get(review.tgt_lang, review.tgt_lang),
        },
        "revision": {
            "number": alignment.review_revision,
            "reviewer": alignment.reviewer,
            "at": alignment.reviewed_at.isoformat() if alignment.reviewed_at else None,
        },
    }


@dataclass
class ReportSummary:
    articles: int
    beads: int
    divergent_beads: int
    flags: Counter[str]
    index: Path
    archived_pages: int = 0
    reviewed_articles: int = 0
    tally: AlignmentTally | None = None  # every count of the index (as `bitext stats` has them)


def _write_archived(
    env: Environment, out_dir: Path, name: str, version: ArticleVersion, page: ArchivedPage
) -> str:
    """archive/NAME.html: the capture in a sandboxed iframe (srcdoc, no allow-scripts) under a
    Content-Security-Policy that blocks every fetch, so the scraped page neither runs nor calls
    home. Returns the path relative to the report root."""
    html = page.body.decode(version.encoding or "utf-8", errors="replace")
    relative = f"archive/{name}"
    rendered = env.get_template("archived.html").render(
        url=_safe_url(page.url),
        shown_url=readable_iri(page.url),
        language=version.language,
        fetched_at=page.fetched_at,
        record_id=page.record_id,
        warc_filename=page.warc_filename,
        http_status=page.http_status,
        encoding=version.encoding,
        size=len(page.body),
        srcdoc=html,
    )
    with atomic_writer(out_dir / relative) as out:
        out.write(rendered)
    return relative


def write_report(
    pairs: Iterable[ExportedPair],
    out_dir: Path,
    *,
    archive: WarcPages | Callable[[str | None], ArchivedPage | None] | None = None,
    crawls: list[dict[str, Any]] | None = None,
) -> ReportSummary:
    """Write index.html (a summary and charts: scores, flags per article, review progress, the
    `crawls` as pipeline.stats.crawl_summary gives them), one page per aligned article (with
    the review tools), the archived captures the WARC holds (`archive`), and the CSS and JS
    beside them. Its counts are an AlignmentTally's, as `bitext stats` counts."""
    env = _environment()
    article_template = env.get_template("article.html")
    (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    lookup = archive.page if isinstance(archive, WarcPages) else archive
    archived_pages = 0
    rows: list[dict[str, Any]] = []
    tally = AlignmentTally()
    for pair in pairs:
        tally.add(pair)
        alignment = pair.alignment
        if alignment is None:
            continue
        published = pair.translation.published or pair.original.published
        beads = []
        flags: Counter[str] = Counter()
        translation = alignment.src_translation
        for bead in alignment.beads:
            flags.update(bead.flags)
            src_text, tgt_text = bead_text(alignment, bead)
            beads.append(
                {
                    "translation": tgt_text,
                    "original": src_text,
                    "mt": " ".join(translation[i] for i in bead.src) if translation else "",
                    "diff": bead.diff,
                    "flags": bead.flags,
                    "score": bead.score,
                    "key": f"{','.join(map(str, bead.src))}|{','.join(map(str, bead.tgt))}",
                }
            )
        text = pair.translation.text
        title = pair.translation.title or (text.title if text else None) or "(no title)"
        page = _page_name(pair)
        archived = {}
        for side in (pair.translation, pair.original):
            capture = lookup(side.warc_record_id) if lookup else None
            if capture is not None:
                name = f"{Path(page).stem}-{side.language}.html"
                archived[side.language] = "../" + _write_archived(env, out_dir, name, side, capture)
                archived_pages += 1
        data = _page_data(pair, alignment)
        html = article_template.render(
            title=title,
            original=_side(pair.original, archived),
            translation=_side(pair.translation, archived),
            date=published.date().isoformat() if published else "",
            mode=alignment.mode,
            mode_words=mode_words(alignment.mode),
            aligner=alignment.aligner,
            pairing=_pairing_note(pair),
            reviewer=alignment.reviewer,
            review_revision=alignment.review_revision,
            beads=beads,
            kinds=FLAG_KINDS,
            names=FLAG_NAMES,
            help=FLAG_HELP,
            has_translation=bool(translation),
            review_data=data,
            reviewed_at=alignment.reviewed_at.strftime("%Y-%m-%d %H:%M UTC")
            if alignment.reviewed_at
            else "",
        )
        with atomic_writer(out_dir / page) as out:
            out.write(html)
        rows.append(
            {
                "title": title,
                "site": pair.site,
                "original_title": pair.original.title or "",
                "original_lang": pair.original.language,
                "original_dir": text_direction(pair.original.language),
                "page": page,
                "date": published.date().isoformat() if published else "",
                "date_sort": published.isoformat() if published else "",
                "mode": alignment.mode,
                "beads": len(alignment.beads),
                "flags": flags,
                "flag_kinds": sorted(flags),
                "pair_id": data["review"]["pair_id"],
                "approved": sum(1 for b in alignment.beads if b.status == "approved"),
                "rejected": sum(1 for b in alignment.beads if b.status == "rejected"),
                "reviewed": alignment.reviewed_at is not None,
            }
        )
    rows.sort(key=lambda r: r["date_sort"], reverse=True)
    charts = report_charts(tally, crawls or [])
    index = env.get_template("index.html").render(
        articles=rows,
        kinds=FLAG_KINDS,
        names=FLAG_NAMES,
        help=FLAG_HELP,
        tally=tally,
        degraded=sum(n for mode, n in tally.modes.items() if modes.degraded(mode)),
        charts=[{"title": c.title, "summary": c.summary, "svg": Markup(c.svg)} for c in charts],
        site_names=", ".join(sorted({r["site"] for r in rows})),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    for asset in ("base.css", "review-core.js", "report.js"):
        shutil.copyfile(TEMPLATES / asset, out_dir / asset)
    # the pages in the index's order, for the keys that go to the next and previous article
    listing = [{"page": r["page"], "title": r["title"]} for r in rows]
    with atomic_writer(out_dir / "articles.js") as out:
        out.write(f"window.BITEXT_ARTICLES = {json.dumps(listing, ensure_ascii=True)};\n")
    with atomic_writer(out_dir / "index.html") as out:
        out.write(index)
    return ReportSummary(
        tally.aligned,
        tally.beads,
        tally.flagged_beads,
        tally.flags,
        out_dir / "index.html",
        archived_pages=archived_pages,
        reviewed_articles=tally.reviewed_pairs,
        tally=tally,
    )
