"""What people read for the store's own names (flags, counts, reasons, error kinds, modes): the
report, `bitext stats` and the CLI's summaries say the same words. A name this table does not
know (a new flag, a mode such as `translation+encoder`) is shown as it is, with its
underscores as spaces, never refused."""

from __future__ import annotations

from collections.abc import Mapping

FLAG_NAMES = {
    "omitted": "Missing in translation",
    "added": "Added in translation",
    "number_mismatch": "Numbers differ",
    "name_mismatch": "Names differ",
    "low_similarity": "Meaning differs",
    "doubtful": "Doubtful pairing",
}

COUNT_NAMES = {
    "crawls": "crawl runs",
    "articles": "article pages (both languages)",
    "versions": "versions (a page's text as fetched; edits make new ones)",
    "pairs": "article pairs (a translation with its original)",
    "unpaired": "translations without their original",
    "errors": "pages that failed (crawl errors)",
    "captures": "WARC captures (every response kept)",
    "texts": "clean texts",
    "texts_no_body": "pages with no body text",
    "texts_wrong_language": "clean texts not in the expected language",
    "translations": "sentence translations cached",
    "alignments": "stored alignments",
    "stage_failures": "pairs with a failed stage (to run again)",
}

UNPAIRED_NAMES = {
    "no_original_link": "no link to its original",
    "original_link_offsite": "its original is on another site (not fetched)",
    "original_link_not_article": "the link does not lead to an article",
    "original_fetch_failed": "its original could not be fetched",
    "original_robots_disallowed": "robots.txt forbids fetching its original",
    "original_redirect_offsite": "its original redirects to another site",
    "original_page_empty": "its original is an empty page",
    "original_wrong_language": "its original is not in the original's language",
    "original_not_reciprocal": "its original does not name it as its translation",
}

CRAWL_ERROR_NAMES = {
    "http_error": "HTTP error (4xx, 5xx)",
    "network_error": "network error",
    "robots_disallowed": "forbidden by robots.txt",
    "redirect_offsite": "redirected to another site",
    "empty_page": "empty page",
    "robots_unavailable": "robots.txt unavailable (host skipped)",
    "not_an_article": "not an article",
    "parse_error": "page could not be read",
}

STAGE_FAILURE_NAMES = {
    "model_load_failed": "the translation model did not load",
    "translate_error": "translating failed",
    "align_error": "aligning failed",
    "too_large": "page too large to read",
    "extract_error": "reading the page failed",
}

STAGE_NAMES = {
    "extraction": "clean text",
    "translation": "translation",
    "alignment": "alignment",
}

MODE_NAMES = {
    "translation": "our machine translation",
    "supplied": "translations supplied",
    "none": "neither translation nor sentence encoder (degraded)",
    "encoder": "sentence encoder",
}

REVIEW_NAMES = {"approved": "approved", "rejected": "rejected", "pending": "not reviewed yet"}


def in_words(name: str, table: Mapping[str, str]) -> str:
    """`name` as people read it: the table's words, else the name with spaces."""
    return table.get(name) or name.replace("_", " ")


def language_label(code: str) -> str:
    """`ar` -> "Arabic (ar)"; a code langcodes does not know stays as it is."""
    from pipeline.language_tags import language_name

    name = language_name(code)
    return f"{name} ({code})" if name != code else code


def mode_words(mode: str) -> str:
    """An alignment mode in words; a compound mode (`translation+encoder`) by its parts, a
    mode this version does not know shown as it is."""
    if not mode:
        return "unknown"
    parts = mode.split("+")
    if not all(part in MODE_NAMES for part in parts):
        return f"{mode} (a mode this version does not know)"
    return f"{mode}: " + " + ".join(MODE_NAMES[part] for part in parts)
