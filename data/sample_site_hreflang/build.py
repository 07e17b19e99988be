"""Build the second sample site: a WordPress-style bilingual news site (a block theme, Polylang-
style language versions) that declares each article's versions with hreflang alternates.

    python data/sample_site_hreflang/build.py [--out DIR]

Arabic is the site's default language (the originals, at /YYYY/MM/DD/<arabic-slug>/), English
the translation (/en/YYYY/MM/DD/<slug>/). Article bodies come from the Enab-style sample site's
NTREX-128 documents (../sample_site/sources, CC BY-SA 4.0): the texts recur, the theme, URLs,
metadata and pairing do not. The awkward
cases a crawler meets on such sites, one article each (the manifest says what to expect):
a missing alternate, an off-site alternate, one that is a 404, one that redirects, one whose
original does not point back, one pointing at a page in the wrong language, relative hrefs,
region codes (ar-SY, en-US, en-us) and x-default, and an original with no translation.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "sample_site"))
from build import paragraphs, read_ntrex, slugify  # noqa: E402  (the Enab site's sources)

SITE = "https://www.sada-news.example"  # rewritten by serve.py to the server's address
OFFSITE = "https://elsewhere.example"
FIRST_DOC = 26  # NTREX documents 26..38
AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
             "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]  # fmt: skip

# key -> what the English page's Arabic alternate is, and what the crawl must record
CASES = {
    "a01": ("absolute", "paired", None),
    "a02": ("root-relative", "paired", None),
    "a03": ("path-relative", "paired", None),
    "a04": ("absolute", "paired", None),
    "a05": ("absolute", "paired", None),
    "a06": ("absolute", "paired", None),
    "a07": ("missing", "unpaired", "no_original_link"),
    "a08": ("offsite", "unpaired", "original_link_offsite"),
    "a09": ("404", "unpaired", "original_fetch_failed"),
    "a10": ("redirect", "paired", None),
    "a11": ("not-reciprocal", "unpaired", "original_not_reciprocal"),
    "a12": ("wrong-language", "unpaired", "original_wrong_language"),
    "a13": ("no-translation", None, None),
}


@dataclass
class Article:
    key: str
    case: str
    published: date
    en_title: str
    en_paras: list[str]
    ar_title: str
    ar_paras: list[str]

    @property
    def day(self) -> str:
        return self.published.strftime("%Y/%m/%d")

    @property
    def en_path(self) -> str:
        return f"/en/{self.day}/{slugify(self.en_title, 6)}/"

    @property
    def ar_slug(self) -> str:
        return "-".join(re.findall(r"[\u0600-\u06FF0-9]+", self.ar_title)[:5]) or "مقال"

    @property
    def ar_path(self) -> str:  # as WordPress links it: the Arabic slug percent-encoded
        return f"/{self.day}/{quote(self.ar_slug)}/"


def build_articles() -> list[Article]:
    docs = read_ntrex()[FIRST_DOC : FIRST_DOC + len(CASES)]
    start = date(2024, 3, 4)
    articles = []
    for n, ((key, (case, _, _)), (_, en, ar)) in enumerate(zip(CASES.items(), docs, strict=True)):
        articles.append(
            Article(
                key=key,
                case=case,
                published=start + timedelta(days=3 * n),
                en_title=en[0].rstrip("."),
                en_paras=paragraphs(en[1:]),
                ar_title=ar[0].rstrip("."),
                ar_paras=paragraphs(ar[1:]),
            )
        )
    return articles


def alternates(links: list[tuple[str, str]]) -> str:
    return "\n".join(
        f'<link rel="alternate" hreflang="{escape(tag)}" href="{escape(href)}" />'
        for tag, href in links
    )


def page(*, lang: str, title: str, url: str, links: list[tuple[str, str]], published: date,
         date_text: str, paras: list[str], author: str, tags: list[str], switcher: str) -> str:  # fmt: skip
    direction = "rtl" if lang.startswith("ar") else "ltr"
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    tag_links = ", ".join(
        f'<a href="{SITE}/tag/{slugify(t)}/" rel="tag">{escape(t)}</a>' for t in tags
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{direction}">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{escape(title)} &#8211; Sada News</title>
<link rel="canonical" href="{escape(url)}" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{escape(title)}" />
<meta property="og:url" content="{escape(url)}" />
<meta property="og:site_name" content="Sada News" />
<meta property="article:published_time" content="{published.isoformat()}T07:30:00+00:00" />
<meta name="author" content="{escape(author)}" />
{alternates(links)}
<link rel="stylesheet" href="{SITE}/wp-content/themes/sada/style.css" />
</head>
<body class="wp-singular post-template-default single single-post wp-embed-responsive">
<div class="wp-site-blocks">
<header class="wp-block-template-part site-header">
<p class="wp-block-site-title"><a href="{SITE}/" rel="home">Sada News</a></p>
<nav class="wp-block-navigation" aria-label="Menu"><ul>
<li><a href="{SITE}/category/politics/">Politics</a></li><li><a href="{SITE}/category/economy/">Economy</a></li>
</ul></nav>
<div class="pll-switcher">{switcher}</div>
</header>
<main class="wp-block-group site-main">
<h1 class="wp-block-post-title">{escape(title)}</h1>
<div class="wp-block-post-date"><time datetime="{published.isoformat()}T07:30:00+00:00">{escape(date_text)}</time></div>
<div class="entry-content wp-block-post-content is-layout-flow">
{body}
</div>
<div class="taxonomy-post_tag wp-block-post-terms">{tag_links}</div>
<div class="wp-block-comments"><h2>Leave a reply</h2><form><textarea name="comment"></textarea></form></div>
</main>
<footer class="wp-block-template-part site-footer">
<p>&#169; 2024 Sada News &#183; Proudly powered by WordPress</p>
</footer>
</div>
</body>
</html>
"""


def relative(src: str, dst: str) -> str:
    """dst relative to the page at src (a path ending in /, so itself the directory)."""
    return posixpath.relpath(dst, src).rstrip("/") + "/"


def en_page(a: Article, articles: dict[str, Article]) -> str:
    ar_url = f"{SITE}{a.ar_path}"
    target = {
        "absolute": ar_url,
        "root-relative": a.ar_path,
        "path-relative": relative(a.en_path, a.ar_path),
        "missing": None,
        "offsite": f"{OFFSITE}{a.ar_path}",
        "404": f"{SITE}/{a.day}/{quote('مقال-محذوف')}/",
        "redirect": f"{SITE}/archives/{5000 + int(a.key[1:])}/",
        "not-reciprocal": ar_url,
        "wrong-language": f"{SITE}/{a.day}/{quote(a.ar_slug)}-2/",
    }[a.case]
    tag = "en-us" if a.key == "a04" else "en-US"  # region codes in either case
    links = [(tag, f"{SITE}{a.en_path}")]
    if target is not None:
        links.insert(0, ("ar-SY", target))
    links.append(("x-default", ar_url))  # x-default is no language: never the original
    switcher = (
        f'<a lang="ar-SY" hreflang="ar-SY" href="{escape(target)}">العربية</a>' if target else ""
    )
    return page(lang="en-US", title=a.en_title, url=f"{SITE}{a.en_path}", links=links,
                published=a.published, date_text=a.published.strftime("%B %-d, %Y"),
                paras=a.en_paras, author="Sada News", tags=["Syria", "Reports"],
                switcher=switcher)  # fmt: skip


def ar_page(a: Article, articles: dict[str, Article]) -> str:
    links = [("ar-SY", f"{SITE}{a.ar_path}")]
    if a.case == "not-reciprocal":  # the original names another article's translation
        links.append(("en-US", f"{SITE}{articles['a05'].en_path}"))
    elif a.case != "no-translation":
        links.append(("en-US", f"{SITE}{a.en_path}"))
    links.append(("x-default", f"{SITE}{a.ar_path}"))
    ar_date = f"{a.published.day} {AR_MONTHS[a.published.month - 1]} {a.published.year}"
    return page(lang="ar-SY", title=a.ar_title, url=f"{SITE}{a.ar_path}", links=links,
                published=a.published, date_text=ar_date, paras=a.ar_paras, author="صدى نيوز",
                tags=["سوريا", "تقارير"], switcher="")  # fmt: skip


def wrong_language_page(a: Article) -> str:
    """Where a12's Arabic alternate points: the English text left in the Arabic slot."""
    url = f"{SITE}/{a.day}/{quote(a.ar_slug)}-2/"
    return page(lang="en-US", title=a.en_title, url=url, links=[], published=a.published,
                date_text=a.published.strftime("%B %-d, %Y"), paras=a.en_paras,
                author="Sada News", tags=[], switcher="")  # fmt: skip


def feed(items: list[tuple[str, str, date]], language: str) -> str:
    entries = "\n".join(
        f"<item><title>{escape(t)}</title><link>{SITE}{p}</link>"
        f"<pubDate>{d.strftime('%a, %d %b %Y')} 07:30:00 +0000</pubDate></item>"
        for t, p, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Sada News</title><link>{SITE}/</link><language>{language}</language>\n"
        f"{entries}\n</channel></rss>\n"
    )


def sitemap(paths: list[str]) -> str:
    urls = "\n".join(f"<url><loc>{SITE}{p}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


def home(articles: list[Article]) -> str:
    items = "\n".join(
        f'<li class="wp-block-post"><h2 class="wp-block-post-title"><a href="{SITE}{a.ar_path}">'
        f"{escape(a.ar_title)}</a></h2></li>"
        for a in articles
    )
    return (
        '<!DOCTYPE html>\n<html lang="ar-SY" dir="rtl"><head><meta charset="UTF-8" />'
        "<title>صدى نيوز</title>"
        f'<link rel="alternate" hreflang="ar-SY" href="{SITE}/" />'
        f'<link rel="alternate" hreflang="en-US" href="{SITE}/en/" /></head>'
        f'<body><main><ul class="wp-block-post-template">\n{items}\n</ul></main></body></html>\n'
    )


def write(root: Path, path: str, text: str) -> None:
    from urllib.parse import unquote

    target = root / unquote(path).strip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build(out: Path) -> dict:
    articles = build_articles()
    by_key = {a.key: a for a in articles}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest: dict[str, dict] = {}
    for a in articles:
        if a.case != "404":
            write(out, a.ar_path, ar_page(a, by_key))
        if a.case != "no-translation":
            write(out, a.en_path, en_page(a, by_key))
        if a.case == "wrong-language":
            write(out, f"/{a.day}/{quote(a.ar_slug)}-2/", wrong_language_page(a))
        _, status, reason = CASES[a.key]
        manifest[a.key] = {
            "case": a.case,
            "en_path": a.en_path if a.case != "no-translation" else None,
            "ar_path": a.ar_path if status == "paired" else None,
            "status": status,
            "reason": reason,
            "en_title": a.en_title,
        }
    translated = [a for a in articles if a.case != "no-translation"]
    originals = [a for a in articles if a.case != "404"]
    write(out, "/feed/", feed([(a.ar_title, a.ar_path, a.published) for a in originals], "ar"))
    write(out, "/en/feed/", feed([(a.en_title, a.en_path, a.published) for a in translated], "en"))
    write(out, "/", home(originals))
    (out / "sitemap.xml").write_text(
        sitemap([a.en_path for a in translated] + [a.ar_path for a in originals]), "utf-8"
    )
    (out / "robots.txt").write_text("User-agent: *\nDisallow: /wp-admin/\n", "utf-8")
    redirects = {
        f"/archives/{5000 + int(a.key[1:])}/": {"redirect": f"{SITE}{a.ar_path}", "status": 301}
        for a in articles
        if a.case == "redirect"
    }
    (out / "behaviors.json").write_text(json.dumps(redirects, indent=1) + "\n", "utf-8")
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "www")
    args = parser.parse_args()
    manifest = build(args.out)
    print(f"{len(manifest)} articles written to {args.out}")


if __name__ == "__main__":
    main()
