"""Pairing without a crawl: hreflang alternates as WordPress (WPML, Polylang) writes them, and
what a translation's page and its original say, against hand-made pages."""

from __future__ import annotations

import pytest

from pipeline.models import UnpairedReason
from pipeline.pairing import (
    NoOriginal,
    OriginalLink,
    check_original,
    declared_language,
    find_original,
    hreflang_alternates,
    primary_language,
)
from pipeline.profiles.enab import PROFILE as ENAB
from pipeline.profiles.files import (
    GENERIC_PATH,
    ProfileRefused,
    hreflang_profile,
    load_profile_file,
    site_name,
)

SITE = "http://news.example"
PROFILE = hreflang_profile(SITE, "ar,en")
EN = PROFILE.translation
AR = PROFILE.original


def head(*links: tuple[str, str], lang: str = "en-US") -> str:
    tags = "".join(f'<link rel="alternate" hreflang="{t}" href="{h}">' for t, h in links)
    return f'<html lang="{lang}"><head>{tags}</head><body><p>x</p></body></html>'


@pytest.mark.parametrize(
    ("tag", "language"),
    [("ar", "ar"), ("ar-SY", "ar"), ("EN_us", "en"), ("zh-Hant-TW", "zh"), ("x-default", None),
     ("", None), ("12", None), ("english", None)],
)  # fmt: skip
def test_primary_language(tag: str, language: str | None) -> None:
    assert primary_language(tag) == language


def test_alternates_resolve_relative_hrefs_and_skip_x_default() -> None:
    page = head(
        ("ar-SY", "../../../../../2024/03/04/%D8%AE%D8%A8%D8%B1/"),
        ("en-US", "/en/2024/03/04/news/"),
        ("x-default", "/"),
        ("fr", ""),
    )
    got = hreflang_alternates(page, f"{SITE}/en/2024/03/04/news/")
    assert [(a.language, a.tag, a.url) for a in got] == [
        ("ar", "ar-SY", f"{SITE}/2024/03/04/%D8%AE%D8%A8%D8%B1/"),
        ("en", "en-US", f"{SITE}/en/2024/03/04/news/"),
    ]
    assert declared_language(page) == "en"
    assert declared_language("<html><body>x</body></html>") is None


def test_find_original_by_hreflang() -> None:
    url = f"{SITE}/en/2024/03/04/news/"
    found = find_original(head(("ar-SY", "/2024/03/04/khabar/")), url, PROFILE, AR)
    assert found == OriginalLink(url=f"{SITE}/2024/03/04/khabar/", key="/2024/03/04/khabar/")
    missing = find_original(head(("x-default", "/2024/03/04/khabar/")), url, PROFILE, AR)
    assert missing == NoOriginal(
        UnpairedReason.no_original_link, "no hreflang alternate for ar on the page"
    )
    offsite = find_original(head(("ar", "https://other.example/x/")), url, PROFILE, AR)
    assert offsite == NoOriginal(
        UnpairedReason.original_link_offsite,
        "link points to other.example",
        "https://other.example/x/",
    )
    home = find_original(head(("ar", "/")), url, PROFILE, AR)
    assert isinstance(home, NoOriginal)
    assert home.reason == UnpairedReason.original_link_not_article


def test_find_original_by_link_text_keeps_enab_detail() -> None:
    found = find_original(
        "<p>no link</p>", "https://english.enabbaladi.net/x/", ENAB, ENAB.original
    )
    assert found == NoOriginal(
        UnpairedReason.no_original_link, "no «النسخة العربية من المقال» link on the page"
    )


def test_check_original_language_and_reciprocity() -> None:
    en_url = f"{SITE}/en/2024/03/04/news/"
    ar_url = f"{SITE}/2024/03/04/khabar/"

    def check(page: str) -> NoOriginal | None:
        return check_original(page, ar_url, PROFILE, AR, EN, (en_url,))

    assert check(head(("en-US", "/en/2024/03/04/news"), lang="ar-SY")) is None  # no slash: same
    assert check(head(("en", "/en/2024/03/04/other/"), lang="ar")) == NoOriginal(
        UnpairedReason.original_not_reciprocal,
        f"the original's en alternate is {SITE}/en/2024/03/04/other/, not this page",
        ar_url,
    )
    assert check(head(lang="ar")).reason == UnpairedReason.original_not_reciprocal  # type: ignore[union-attr]
    back_offsite = head(("en", "https://mirror.example/en/2024/03/04/news/"), lang="ar")
    assert check(back_offsite).reason == UnpairedReason.original_not_reciprocal  # type: ignore[union-attr]
    assert check(head(("en", en_url), lang="en-GB")) == NoOriginal(
        UnpairedReason.original_wrong_language, "the page declares lang en, not ar", ar_url
    )
    # Enab's originals do not link back: nothing to check
    assert check_original("<html lang='ar'></html>", ar_url, ENAB, ENAB.original,
                          ENAB.translation, (en_url,)) is None  # fmt: skip


@pytest.mark.parametrize(
    ("path", "article"),
    [("/2024/03/04/khabar/", True), ("/en/some-story/", True), ("/%D8%AE/", True),
     ("/", False), ("/en/", False), ("/ar-sy/", False), ("/feed/", False), ("/en/feed/", False),
     ("/tag/syria/", False), ("/category/news/page/2/", False), ("/wp-admin/", False),
     ("/sitemap.xml", False), ("/wp-content/themes/x/style.css", False)],
)  # fmt: skip
def test_generic_article_paths(path: str, article: bool) -> None:
    assert bool(GENERIC_PATH.match(path)) is article


def test_site_and_languages_make_a_profile() -> None:
    assert (PROFILE.name, PROFILE.pairing) == ("news-example", "hreflang")
    assert (AR.language, EN.language, AR.base_url) == ("ar", "en", SITE)
    assert site_name("https://www.Example.org:8443/news") == "example-org"
    with pytest.raises(ProfileRefused, match=r"takes two language codes"):
        hreflang_profile(SITE, "ar")
    with pytest.raises(ProfileRefused, match=r"the two languages are the same: ar"):
        hreflang_profile(SITE, "ar,ar")
    with pytest.raises(ProfileRefused, match=r"not an http\(s\) site URL"):
        hreflang_profile("ftp://x", "ar,en")


def test_a_profile_file_with_enabs_shape(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A second site shaped like Enab Baladi is one file: sides, selectors, link text."""
    file = tmp_path / "mirror.toml"
    file.write_text(
        """
name = "enab-mirror"
site = "https://english.mirror.example"
languages = ["ar", "en"]
pairing = "link"
original_link_texts = ["النسخة العربية من المقال"]
listing_paths = ["/archives/category/news/"]

[sides.ar]
base_url = "https://www.mirror.example"
article_path = '^/(?:archives/)?(?P<id>\\d+)(?:/[^/]*)?/?$'
body = ["div.content-article", "div.entry-content"]

[sides.en]
article_path = '^/archives/(?P<year>\\d{4})/(?P<month>\\d{2})/[^/]+/?$'
title = ["h1.post-title.entry-title::text"]
prune_xpaths = ["//*[@id='related-posts']"]
""",
        encoding="utf-8",
    )
    profile = load_profile_file(file)
    assert (profile.name, profile.pairing) == ("enab-mirror", "link")
    assert profile.original.base_url == "https://www.mirror.example"
    assert profile.translation.base_url == "https://english.mirror.example"
    assert profile.article_id(profile.original, "/archives/700102") == "700102"
    assert profile.translation.title == ("h1.post-title.entry-title::text",)
    assert profile.translation.extraction.prune_xpaths == ("//*[@id='related-posts']",)
    assert profile.original.title[0] == "meta[property='og:title']::attr(content)"  # generic


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar"]\n', "languages"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\nsides = {fr = {}}\n',
         "sides fr are not among languages"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\npairing = "link"\n',
         'pairing "link" needs original_link_texts'),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\ncolour = 1\n',
         "colour: Extra inputs are not permitted"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         'sides = {ar = {article_path = "("}}\n', "is not a pattern RE2 can run"),
        ("name = ", "not readable"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         'sides = {en = {title = ["h1[[[["]}}\n',
         "sides.en: not a CSS selector: 'h1[[[['"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         'next_page = ["a.next::attr(href"]\n', "not a CSS selector: 'a.next::attr(href'"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         'sides = {en = {prune_xpaths = ["//div[@id="]}}\n', "not an XPath expression"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         "sides = {en = {article_path = '^/(?!tag/)[^/]+/$'}}\n",
         "'^/(?!tag/)[^/]+/$' is not a pattern RE2 can run (invalid perl operator: (?!)"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         "sides = {en = {post_id = [['link::attr(href)', 'p=(\\\\d+)']]}}\n",
         "has no group named id"),
        ('name = "x"\nsite = "https://a.example"\nlanguages = ["ar", "en"]\n'
         "sides = {ar = {drop_patterns = [['(unclosed', 'why']]}}\n", "not a regular expression"),
    ],
)  # fmt: skip
def test_bad_profile_files_are_refused_in_one_line(tmp_path, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "p.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileRefused) as refused:
        load_profile_file(file)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_profile_patterns_run_in_linear_time_and_travel_to_workers() -> None:
    """A pattern that backtracks catastrophically in Python's re is harmless in RE2, and a path
    pattern pickles as its source (it goes to the extraction workers with the profile)."""
    import pickle

    from pipeline.patterns import PathPattern

    evil = PathPattern(r"^(\w+\s?)*$")
    link = "/" + "word " * 20_000 + "!"
    assert evil.match(link) is None  # Python's re: years; RE2: milliseconds
    assert pickle.loads(pickle.dumps(GENERIC_PATH)) == GENERIC_PATH
    assert ENAB.translation.article_path.match("/archives/2024/03/x/")["month"] == "03"  # type: ignore[index]


def test_every_registered_profile_compiles() -> None:
    """What a profile file is checked for at load, the registered profiles pass too."""
    from pipeline.patterns import css_selector, linear_regex, python_regex, xpath_expression
    from pipeline.profiles import PROFILES
    from pipeline.profiles.files import SELECTOR_FIELDS

    for profile in PROFILES.values():
        for selector in profile.next_page:
            css_selector(selector)
        for side in (profile.translation, profile.original):
            for name in SELECTOR_FIELDS:
                for selector in getattr(side, name):
                    css_selector(selector)
            for selector, pattern in side.post_id:
                css_selector(selector)
                assert "id" in linear_regex(pattern).groupindex
            for query in side.extraction.prune_xpaths:
                xpath_expression(query)
            for pattern, _ in side.extraction.drop_patterns:
                python_regex(pattern)
