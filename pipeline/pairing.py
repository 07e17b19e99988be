"""Pairing: where a translation's page says its original is, and whether the original agrees.

Plain functions over a parsed page and a site profile (no Scrapy): the spider asks them, and
records what they say. Two strategies, declared by the profile (`SiteProfile.pairing`):
"link" (a link with a known text, Enab Baladi's «النسخة العربية من المقال») and "hreflang"
(`<link rel="alternate" hreflang="...">`, as WordPress with WPML or Polylang writes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from pipeline.models import UnpairedReason
from pipeline.pages import Page, links_with_text, parse_page
from pipeline.profile import LanguageSite, SiteProfile
from pipeline.urls import canonical_url, request_url, same_site


@dataclass(frozen=True)
class Alternate:
    language: str  # the primary subtag, lower case: "ar" for ar-SY
    tag: str  # as the page wrote it
    url: str  # absolute (relative hrefs resolved against the page)


@dataclass(frozen=True)
class OriginalLink:
    url: str
    key: str  # the original's article id on its side


@dataclass(frozen=True)
class NoOriginal:
    reason: UnpairedReason
    detail: str
    url: str | None = None


def primary_language(tag: str | None) -> str | None:
    """ar-SY -> ar, EN_us -> en; None for x-default, empty or malformed tags."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def hreflang_alternates(page: str | Page, page_url: str) -> list[Alternate]:
    """The page's language alternates, in document order; x-default and hrefless ones left out."""
    found = []
    for link in parse_page(page).iter("link"):
        rels = (link.get("rel") or "").lower().split()
        tag = (link.get("hreflang") or "").strip()
        href = (link.get("href") or "").strip()
        language = primary_language(tag)
        if "alternate" in rels and href and language is not None:
            found.append(Alternate(language=language, tag=tag, url=urljoin(page_url, href)))
    return found


def declared_language(page: str | Page) -> str | None:
    """The primary subtag of <html lang> (or xml:lang), None where the page declares none."""
    root = parse_page(page)
    tag = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return primary_language(tag)


def find_original(
    page: str | Page, page_url: str, profile: SiteProfile, original: LanguageSite
) -> OriginalLink | NoOriginal:
    """Where the translation's page says its original is, checked before anything is fetched:
    on the original's site (an off-site link is refused and recorded) and an article URL."""
    if profile.pairing == "hreflang":
        alternates = [
            a for a in hreflang_alternates(page, page_url) if a.language == original.language
        ]
        if not alternates:
            return NoOriginal(
                UnpairedReason.no_original_link,
                f"no hreflang alternate for {original.language} on the page",
            )
        link = alternates[0].url
    else:
        hrefs = links_with_text(page, profile.original_link_texts)
        if not hrefs:
            texts = " / ".join(profile.original_link_texts)
            return NoOriginal(UnpairedReason.no_original_link, f"no «{texts}» link on the page")
        link = urljoin(page_url, hrefs[0])
    if not same_site(link, original.base_url):
        host = urlsplit(link).netloc
        return NoOriginal(UnpairedReason.original_link_offsite, f"link points to {host}", link)
    key = profile.article_id(original, urlsplit(request_url(link)).path)
    if key is None:
        return NoOriginal(
            UnpairedReason.original_link_not_article,
            f"link is not an article URL of the {original.language} site",
            link,
        )
    return OriginalLink(url=link, key=key)


def check_original(
    page: str | Page,
    page_url: str,
    profile: SiteProfile,
    original: LanguageSite,
    translation: LanguageSite,
    translation_urls: tuple[str, ...],
) -> NoOriginal | None:
    """What the fetched original says against the pairing (None: nothing). With hreflang its
    declared language must be the original's, and one of its alternates in the translation's
    language must point back at the translation (any of `translation_urls`: where it was asked
    for, where it was found). "link" sites' originals do not link back: nothing to check."""
    if profile.pairing != "hreflang":
        return None
    declared = declared_language(page)
    if declared is not None and declared != original.language:
        return NoOriginal(
            UnpairedReason.original_wrong_language,
            f"the page declares lang {declared}, not {original.language}",
            page_url,
        )
    back = [a for a in hreflang_alternates(page, page_url) if a.language == translation.language]
    if not back:
        return NoOriginal(
            UnpairedReason.original_not_reciprocal,
            f"the original names no {translation.language} alternate",
            page_url,
        )
    base = translation.base_url
    ours = {canonical_url(u, base_url=base) for u in translation_urls}
    if not any(
        same_site(a.url, base) and canonical_url(a.url, base_url=base) in ours for a in back
    ):
        return NoOriginal(
            UnpairedReason.original_not_reciprocal,
            f"the original's {translation.language} alternate is {back[0].url}, not this page",
            page_url,
        )
    return None
