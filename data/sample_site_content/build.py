"""Build the third sample site: a news site whose Arabic and English editions do not link to each
other (no translation link, no hreflang alternate between articles), for content pairing.

    python data/sample_site_content/build.py [--out DIR] [--later]

`--later`: the site some days on, when the English of one more article (stories.LATER, whose
Arabic original is already there) has come out: a second crawl must pair it.

Unlike the other two sample sites: a magazine theme (no WordPress classes, no Open Graph), the
two editions on different URL schemes (Arabic /ar/news/<number>/, English
/en/stories/<slug>.html) and discovered differently (the Arabic by its paginated front page,
the English by the sitemap robots.txt names and by the RSS feed its front page announces); the
English appears 0-2 days after its original, some of it condensed (paragraphs left out); and
articles in one language only, some about the same event as a translated one with its numbers
and names (sources/stories.py), plus two real English reports (../sample_site/sources/seeds)
of an event one Arabic-only article covers. `manifest.json` says which pairs a crawl must make
and which articles must stay unpaired.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sources"))
from stories import ARABIC_ONLY, ENGLISH_ONLY, LATER, PAIRS, SEEDS  # noqa: E402

SITE = "https://www.furat-post.example"  # rewritten by serve.py to the server's address
SEEDS_DIR = HERE.parent / "sample_site" / "sources" / "seeds"
DAMASCUS = timezone(timedelta(hours=3))
PER_PAGE = 6  # Arabic front page: articles a page, newest first
# English translations condensed: (paragraph indexes left out), about a quarter of the text
CONDENSED = {"p02": (4,), "p05": (2, 5), "p08": (3,), "p11": (1,)}
AR_MONTHS = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
             "تشرين الأول", "تشرين الثاني", "كانون الأول"]  # fmt: skip


def slugify(text: str, words: int) -> str:
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(tokens[:words]) or "story"


@dataclass
class Story:
    key: str
    language: str
    title: str
    paragraphs: list[str]
    published: datetime
    path: str


def arabic(key: str, number: int, title: str, paras: list[str], day: int, month: int = 3) -> Story:
    when = datetime(2024, month, day, 9, 30, tzinfo=DAMASCUS)
    return Story(key, "ar", title, paras, when, f"/ar/news/{number}/")


def english(key: str, title: str, paras: list[str], when: datetime) -> Story:
    return Story(key, "en", title, paras, when, f"/en/stories/{slugify(title, 7)}.html")


def stories(later: bool = False) -> tuple[list[Story], list[Story], dict[str, str]]:
    """(Arabic stories, English stories, Arabic path -> English path of each translated one);
    `later`: with the English of stories.LATER out (before: their originals alone)."""
    ar: list[Story] = []
    en: list[Story] = []
    pairs: dict[str, str] = {}
    for n, (key, (ar_title, ar_paras, en_title, en_paras, day)) in enumerate(
        (PAIRS | LATER).items()
    ):
        original = arabic(key, 7100 + 7 * n, ar_title, ar_paras, day)
        if key in LATER and not later:
            ar.append(original)
            continue
        delay = timedelta(days=n % 3, hours=5)  # 0, 1 or 2 days later, in the afternoon
        kept = [p for i, p in enumerate(en_paras) if i not in CONDENSED.get(key, ())]
        translation = english(key, en_title, kept, original.published + delay)
        ar.append(original)
        en.append(translation)
        pairs[original.path] = translation.path
    for n, (key, (title, paras, day)) in enumerate(ARABIC_ONLY.items()):
        month = 4 if key == "s02" else 3  # s02 reports the April event of the English seeds
        ar.append(arabic(key, 7400 + 3 * n, title, paras, day, month))
    for key, (title, paras, day) in ENGLISH_ONLY.items():
        en.append(english(key, title, paras, datetime(2024, 3, day, 11, tzinfo=UTC)))
    for key, (name, lines, day) in SEEDS.items():
        seed = [line for line in (SEEDS_DIR / name).read_text(encoding="utf-8").splitlines()]
        body = [line.strip() for line in seed if line.strip()]
        picked = [body[i] for i in lines if i < len(body)]
        en.append(english(key, picked[0], picked[1:], datetime(2024, 4, day, 16, tzinfo=UTC)))
    ar.sort(key=lambda s: s.published, reverse=True)
    en.sort(key=lambda s: s.published, reverse=True)
    return ar, en, pairs


CHROME = {
    "ar": {
        "name": "الفرات بوست",
        "nav": [("/ar/category/local/", "محليات"), ("/ar/category/economy/", "اقتصاد")],
        "most_read": "الأكثر قراءة",
        "newsletter": "اشترك في النشرة اليومية لتصلك أهم الأخبار كل صباح.",
        "footer": "جميع الحقوق محفوظة لموقع الفرات بوست 2024.",
        "share": "شارك المقال",
    },
    "en": {
        "name": "Furat Post",
        "nav": [("/en/category/news/", "News"), ("/en/category/business/", "Business")],
        "most_read": "Most read",
        "newsletter": "Sign up for our morning briefing: the day's top stories in your inbox.",
        "footer": "© 2024 Furat Post. All rights reserved.",
        "share": "Share this story",
    },
}


def date_text(story: Story) -> str:
    if story.language == "ar":
        d = story.published
        return f"{d.day} {AR_MONTHS[d.month - 1]} {d.year}"
    return story.published.strftime("%d %b %Y, %H:%M")


def article_page(story: Story, most_read: list[Story]) -> str:
    c = CHROME[story.language]
    direction = "rtl" if story.language == "ar" else "ltr"
    nav = " ".join(f'<a href="{SITE}{href}">{escape(label)}</a>' for href, label in c["nav"])
    body = "\n".join(f"      <p>{escape(p)}</p>" for p in story.paragraphs)
    read = "\n".join(
        f'        <li><a href="{SITE}{s.path}">{escape(s.title)}</a></li>'
        for s in most_read
        if s is not story
    )
    return f"""<!DOCTYPE html>
<html lang="{story.language}" dir="{direction}">
<head>
  <meta charset="utf-8">
  <title>{escape(story.title)} | {escape(c["name"])}</title>
  <link rel="canonical" href="{SITE}{story.path}">
</head>
<body class="mag">
  <div class="topbar"><span class="brand">{escape(c["name"])}</span> <nav>{nav}</nav></div>
  <div class="grid">
    <div class="col-main">
      <h1 class="headline">{escape(story.title)}</h1>
      <div class="dateline"><time datetime="{story.published.isoformat()}">{date_text(story)}</time></div>
      <div class="story-text">
{body}
      </div>
      <div class="share">{escape(c["share"])}</div>
    </div>
    <div class="col-side">
      <h3>{escape(c["most_read"])}</h3>
      <ol class="popular">
{read}
      </ol>
    </div>
  </div>
  <div class="signup">{escape(c["newsletter"])}</div>
  <div class="foot">{escape(c["footer"])}</div>
</body>
</html>
"""  # noqa: E501


def front_page(language: str, items: list[Story], *, next_path: str | None, extra: str) -> str:
    c = CHROME[language]
    direction = "rtl" if language == "ar" else "ltr"
    cards = "\n".join(
        f'  <div class="card"><a href="{SITE}{s.path}"><b>{escape(s.title)}</b></a> '
        f"<small>{date_text(s)}</small></div>"
        for s in items
    )
    more = f'<a class="next" href="{SITE}{next_path}">›</a>' if next_path else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}" dir="{direction}"><head><meta charset="utf-8">'
        f'<title>{escape(c["name"])}</title>{extra}</head>\n<body class="mag">\n{cards}\n'
        f"{more}\n</body></html>\n"
    )


def chooser() -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Furat Post</title>'
        '</head><body><p><a hreflang="ar" href="/ar/">العربية</a> · '
        '<a hreflang="en" href="/en/">English</a></p></body></html>\n'
    )


def rss(items: list[Story]) -> str:
    entries = "\n".join(
        f"<item><title>{escape(s.title)}</title><link>{SITE}{s.path}</link>"
        f"<pubDate>{s.published.astimezone(UTC).strftime('%a, %d %b %Y %H:%M:%S')} +0000"
        "</pubDate></item>"
        for s in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Furat Post</title><link>{SITE}/en/</link><language>en</language>\n"
        f"{entries}\n</channel></rss>\n"
    )


def sitemap(items: list[Story]) -> str:
    urls = "\n".join(
        f"<url><loc>{SITE}{s.path}</loc><lastmod>{s.published.date().isoformat()}</lastmod></url>"
        for s in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


def write(root: Path, path: str, text: str) -> None:
    target = root / path.strip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build(out: Path, later: bool = False) -> dict:
    ar, en, pairs = stories(later)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for story in ar:
        write(out, story.path, article_page(story, ar[:4]))
    for story in en:
        write(out, story.path, article_page(story, en[:4]))
    pages = [ar[i : i + PER_PAGE] for i in range(0, len(ar), PER_PAGE)]
    for n, items in enumerate(pages, start=1):
        path = "/ar/" if n == 1 else f"/ar/page/{n}/"
        following = f"/ar/page/{n + 1}/" if n < len(pages) else None
        write(out, path, front_page("ar", items, next_path=following, extra=""))
    feed_link = f'<link rel="alternate" type="application/rss+xml" href="{SITE}/en/rss.xml">'
    write(out, "/en/", front_page("en", en[:3], next_path=None, extra=feed_link))
    write(out, "/en/rss.xml", rss(en[:8]))
    write(out, "/en/sitemap-stories.xml", sitemap(en))
    write(out, "/", chooser())
    (out / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /search\n\nSitemap: {SITE}/en/sitemap-stories.xml\n", "utf-8"
    )
    (out / "behaviors.json").write_text("{}\n", "utf-8")
    paired = set(pairs.values())
    manifest = {
        "pairs": pairs,
        "arabic_only": sorted(s.path for s in ar if s.path not in pairs),
        "english_only": sorted(s.path for s in en if s.path not in paired),
        "condensed": sorted(s.path for s in en if s.key in CONDENSED),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "www")
    parser.add_argument("--later", action="store_true", help="with stories.LATER's English")
    args = parser.parse_args()
    manifest = build(args.out, args.later)
    print(
        f"{len(manifest['pairs'])} pairs, {len(manifest['arabic_only'])} Arabic-only and "
        f"{len(manifest['english_only'])} English-only articles written to {args.out}"
    )


if __name__ == "__main__":
    main()
