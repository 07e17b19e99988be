"""Build the bundled sample copy of Enab Baladi's English and Arabic sites.

    python data/sample_site/build.py [--out DIR] [--pairs N]

Pages are shaped like the real ones (Jannah-like English theme, Bootstrap-like Arabic theme, the
real boilerplate from `sources/seeds` and `sources/enab-ar-samples`) and carry the awkward cases a
crawler meets. Article bodies come from NTREX-128 (CC BY-SA 4.0, see `sources/README.md`).
`--pairs N` above 40 inflates the site by reusing the 40 documents under new ids (benchmarks).

Output: `OUT/en/...`, `OUT/ar/...` (one `index.html` per path, `.xml` for feeds and sitemaps),
and `OUT/behaviors.json`, which tells `serve.py` about flaky pages, redirects and encodings.
Links point at the real hosts; `serve.py` rewrites them to the addresses it listens on.
Deterministic: the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
EN_HOST = "https://english.enabbaladi.net"
AR_HOST = "https://www.enabbaladi.net"
ARABIC_LINK_TEXT = "النسخة العربية من المقال"
AR_MONTHS = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
]
EN_AUTHORS = [
    "Jana al-Issa",
    "Diana Rahima",
    "Hassan Ibrahim",
    "Lujain Mourad",
    "Khaled al-Jeratli",
]
AR_AUTHORS = ["جنى العيسى", "ديانا رحيمة", "حسن إبراهيم", "لجين مراد", "خالد الجرعتلي"]
CATEGORIES = [
    ("news", "News", "أخبار سوريا"),
    ("economy", "Economy", "اقتصاد"),
    ("world", "World", "عربي ودولي"),
]
PER_PAGE = 10
FIRST_AR_ID = 700100


@dataclass
class Article:
    key: str  # stable name used by tests
    en_path: str  # /archives/YYYY/MM/slug/
    en_title: str
    en_paras: list[str]
    published: date
    category: int
    ar_id: int | None = None  # None: English only
    ar_title: str = ""
    ar_paras: list[str] = field(default_factory=list)
    ar_slug: str = ""
    ar_link: str | None = None  # href of the Arabic-version link, None: no link
    ar_markup: str = "current"  # current (2025 theme) | older (2023 theme)
    en_status: str = "ok"  # ok | empty | missing | robots
    ar_status: str = "ok"  # ok | missing | empty | robots | offsite-redirect


def slugify(text: str, words: int = 8) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    tokens = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(tokens[:words]) or "article"


def arabic_slug(text: str, words: int = 5) -> str:
    return "-".join(re.findall(r"[\u0600-\u06FF0-9]+", text)[:words]) or "مقال"


def read_ntrex() -> list[tuple[str, list[str], list[str]]]:
    ids = (SOURCES / "docs.ids").read_text(encoding="utf-8").splitlines()
    en = (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()
    ar = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for doc_id, en_line, ar_line in zip(ids, en, ar, strict=True):
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(en_line.strip())
        docs[doc_id][1].append(ar_line.strip())
    return [(k, v[0], v[1]) for k, v in docs.items()]


def paragraphs(sentences: list[str], size: int = 3) -> list[str]:
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


CAPTION_RE = re.compile(r"\s-\s\w+ \d{1,2}, \d{4} \(|^\(Enab Baladi\)$")


def read_seed(name: str, title_line: int) -> tuple[str, list[str]]:
    """Title and body paragraphs of a seed, its boilerplate left out."""
    lines = [
        ln.strip() for ln in (SOURCES / "seeds" / name).read_text(encoding="utf-8").splitlines()
    ]
    body: list[str] = []
    for line in lines[title_line + 1 :]:
        if len(line) < 100 or CAPTION_RE.search(line) or line in body:
            continue
        body.append(line)
    return lines[title_line], body


def ar_date(d: date) -> str:
    return f"{d.day} {AR_MONTHS[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------- the articles


def build_articles(n_pairs: int) -> list[Article]:
    docs = read_ntrex()
    start = date(2024, 1, 3)
    articles: list[Article] = []
    for i in range(n_pairs):
        _doc_id, en_sents, ar_sents = docs[i % len(docs)]
        cycle = i // len(docs)
        en_paras = paragraphs(en_sents[1:])
        ar_paras = paragraphs(ar_sents[1:])
        if i % 5 == 4 and len(en_paras) > 1:
            en_paras = en_paras[:-1]  # an edited translation: the English drops the last paragraph
        published = start + timedelta(days=(9 * i) % 360, hours=0) + timedelta(days=366 * cycle)
        en_title = en_sents[0] if cycle == 0 else f"{en_sents[0]} ({cycle + 1})"
        ar_title = ar_sents[0] if cycle == 0 else f"{ar_sents[0]} ({cycle + 1})"
        slug = slugify(en_title)
        ar_id = FIRST_AR_ID + i
        a = Article(
            key=f"pair-{i:02d}",
            en_path=f"/archives/{published:%Y}/{published:%m}/{slug}/",
            en_title=en_title,
            en_paras=en_paras,
            published=published,
            category=i % len(CATEGORIES),
            ar_id=ar_id,
            ar_title=ar_title,
            ar_paras=ar_paras,
            ar_slug=arabic_slug(ar_title),
        )
        # Percent-encoded slug in half the links, raw Arabic in the other half: both must work.
        slug_in_link = quote(a.ar_slug) if i % 2 == 0 else a.ar_slug
        a.ar_link = f"{AR_HOST}/{ar_id}/{slug_in_link}/"
        if i % 3 == 2:
            a.ar_markup = "older"
            a.ar_link = f"{AR_HOST}/archives/{ar_id}"  # older link form, redirected by the site
        articles.append(a)

    seeds = [
        ("000_bfe8093ed89158fd.txt", 0),
        ("001_b66b5cd2fbb4d987.txt", 0),
        ("003_52cede1c26844f7c.txt", 0),
        ("002_e4dd4ca6a9aa8044.txt", 1),
        ("004_bd298267c9d9f68e.txt", 3),
    ]
    seed_texts = [read_seed(name, line) for name, line in seeds]
    half = len(seed_texts[3][1]) // 2
    tension = ("Rising regional tension as rockets target coalition bases", seed_texts[3][1][half:])
    seed_texts[3] = (seed_texts[3][0], seed_texts[3][1][:half])
    special = [
        # key, (title, paragraphs), Arabic link, Arabic status
        ("no-arabic-link", seed_texts[0], None, "ok"),
        ("arabic-404", seed_texts[1], f"{AR_HOST}/799001/{quote('مقال-محذوف')}/", "missing"),
        ("arabic-offsite-link", seed_texts[2], "https://www.example.com/799002/story/", "ok"),
        ("arabic-redirect-offsite", seed_texts[3], f"{AR_HOST}/799003/", "offsite-redirect"),
        ("arabic-empty", seed_texts[4], f"{AR_HOST}/799004/{quote('صفحة-فارغة')}/", "empty"),
        ("arabic-robots", tension, f"{AR_HOST}/799005/{quote('ممنوع')}/", "robots"),
    ]
    day = date(2024, 12, 20)
    for n, (key, (title, paras), link, ar_status) in enumerate(special):
        d = day + timedelta(days=n)
        articles.append(
            Article(
                key=key,
                en_path=f"/archives/{d:%Y}/{d:%m}/{slugify(title)}/",
                en_title=title,
                en_paras=paras,
                published=d,
                category=0,
                ar_link=link,
                ar_status=ar_status,
                ar_id=int(link.split("/")[3]) if link and link.startswith(AR_HOST) else None,
                ar_slug=unquote(link.split("/")[4]) if link and link.count("/") > 4 else "",
            )
        )
    failures = [
        ("english-empty", "empty"),
        ("english-robots", "robots"),
        ("english-404", "missing"),
    ]
    for n, (key, status) in enumerate(failures):
        d = date(2024, 6, 10) + timedelta(days=n)
        title = {
            "english-empty": "Empty page",
            "english-robots": "Embargoed report",
            "english-404": "Deleted story",
        }[key]
        articles.append(
            Article(
                key=key,
                en_path=f"/archives/{d:%Y}/{d:%m}/{slugify(title)}/",
                en_title=title,
                en_paras=seed_texts[0][1][:2],
                published=d,
                category=0,
                en_status=status,
            )
        )
    return articles


# --------------------------------------------------------------------------- templates

EN_DONATION = [  # one paragraph a line, as on the real page (seed 000)
    "Propaganda distorts the truth and prolongs the war..",
    "Syria needs free media.. We need your support to stay independent..",
    "Support Enab Baladi..",
    "$1 a month makes a difference..",
]
AR_DONATION = [
    "الإعلام الموجّه يشوه الحقيقة في بلادنا ويطيل أمد الحرب..",
    "سوريا بحاجة للصحافة الحرة.. ونحن بحاجتك لنبقى مستقلين",
    "دولار واحد شهريًا يصنع الفرق",
]
AR_ABOUT = (
    "مؤسسة إعلامية سورية مستقلة تأسست عام 2011، تقدم تغطيات على مدار الساعة عبر موقعها "
    "الإلكتروني التفاعلي بأكثر من لغة، وتصدر مطبوعة أسبوعية، سياسية، اجتماعية، منوعة. فضلًا عن "
    "مجموعة من الحسابات النشطة على مواقع التواصل الاجتماعي، وعددٍ من الخدمات الأخرى."
)
COPYRIGHT = (
    "Copyright © 2025 Enab Baladi. Enab Baladi is a nonprofit charitable 501(c)(3) "
    "organization, Tax ID. 46-3313735"
)


def en_url(a: Article) -> str:
    return EN_HOST + a.en_path


def ar_url(a: Article) -> str:
    return f"{AR_HOST}/{a.ar_id}/{quote(a.ar_slug)}/"


def en_page(a: Article, related: list[Article]) -> str:
    e = escape
    cat_slug, cat_name, _ = CATEGORIES[a.category]
    author = EN_AUTHORS[a.published.toordinal() % len(EN_AUTHORS)]
    caption = f"{e(a.en_title.split(',')[0])} - {a.published:%B} {a.published.day}, {a.published:%Y} (Enab Baladi)"
    body = []
    if a.published.toordinal() % 2:  # many posts open with an in-content captioned image
        body.append(
            f'<figure class="wp-block-image"><img src="https://cdn.enabbaladi.net/img/{a.key}-1.jpg" alt=""><figcaption>{caption}</figcaption></figure>'
        )
    for n, p in enumerate(a.en_paras):
        body.append(f"<p>{e(p)}</p>")
        if n == 1:
            body.append(
                '<div class="stream-item stream-item-in-post"><span>ADVERTISEMENT</span></div>'
            )
    if a.ar_link is not None:
        body.append(
            f'<p><a href="{e(a.ar_link)}" target="_blank" rel="noopener">{ARABIC_LINK_TEXT}</a></p>'
        )
    rel = "\n".join(
        f'<li><a href="{e(en_url(r))}?so=related">{e(r.en_title)}</a></li>' for r in related
    )
    iso = f"{a.published:%Y-%m-%d}T09:30:00+00:00"
    return f"""<!DOCTYPE html>
<html lang="en-US" dir="ltr">
<head>
<meta charset="UTF-8">
<title>{e(a.en_title)} | Enab Baladi</title>
<meta property="og:title" content="{e(a.en_title)}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{iso}">
<meta property="article:modified_time" content="{iso}">
<meta name="author" content="{e(author)}">
<link rel="canonical" href="{e(en_url(a))}">
<link rel="shortlink" href="{EN_HOST}/?p={100000 + a.published.toordinal() % 90000 + len(a.key)}">
</head>
<body class="post-template-default single single-post">
<div class="top-bar"><span class="today-date">• {a.published:%A}, {a.published.day} {a.published:%B %Y}</span><a class="logo" href="{EN_HOST}/">logo</a></div>
<nav id="main-nav"><ul><li><a href="{EN_HOST}/archives/category/news/">News</a></li><li><a href="{EN_HOST}/archives/category/economy/">Economy</a></li></ul></nav>
<div class="mobile-header"><span class="post-title">{e(a.en_title)}</span><figure><figcaption>{caption}</figcaption></figure></div>
<div id="breadcrumb"><a href="{EN_HOST}/">Home</a> <em>›</em> <a href="{EN_HOST}/archives/category/{cat_slug}/">{cat_name}</a> <em>›</em> <span class="current">{e(a.en_title)}</span></div>
<article id="the-post" class="container-wrapper post-content">
<header class="entry-header-outer">
<h1 class="post-title entry-title">{e(a.en_title)}</h1>
<div class="single-featured-image"><img src="https://cdn.enabbaladi.net/img/{a.key}.jpg" alt=""><figcaption class="single-caption-text">{caption}</figcaption></div>
<figure class="wp-caption"><figcaption>{caption}</figcaption></figure>
<div class="font-size-controls"><a href="#">A</a> <a href="#">A</a> <a href="#">A</a></div>
<div class="post-meta"><span class="meta-author"><a href="{EN_HOST}/archives/author/{slugify(author)}/">{e(author)}</a></span> <span class="date meta-item">{a.published:%Y/%m/%d}</span></div>
</header>
<div class="entry-content entry clearfix">
{chr(10).join(body)}
</div>
<div class="post-bottom-meta post-bottom-tags"><span class="tagcloud"><a href="{EN_HOST}/archives/tag/syria/">Syria</a> <a href="{EN_HOST}/archives/tag/{cat_slug}/">{cat_name}</a></span></div>
</article>
<div id="related-posts" class="container-wrapper"><h3 class="block-title">Related Articles</h3><ul>{rel}</ul></div>
<div class="donation-box">{"".join(f"<p>{d}</p>" for d in EN_DONATION)}<p><a href="{EN_HOST}/support/">Click here to support</a></p></div>
<div id="comments"><form id="commentform"><p>Please enter your comment!</p><textarea name="comment"></textarea><p>Please enter your name here</p><input name="author"></form></div>
<a id="go-to-top" class="go-to-top-button" href="#go-to-tielabel">Back to top button</a>
<footer id="footer"><p>{COPYRIGHT}</p></footer>
</body>
</html>
"""


def ar_page(a: Article, others: list[Article]) -> str:
    e = escape
    _, _, cat_ar = CATEGORIES[a.category]
    author = AR_AUTHORS[a.published.toordinal() % len(AR_AUTHORS)]
    caption = f"{e(a.ar_title.split('،')[0])} - {ar_date(a.published)} (عنب بلدي/ {e(author)})"
    body = [f"<p>{caption}</p>"]
    for n, p in enumerate(a.ar_paras):
        body.append(f"<p>{e(p)}</p>")
        if n == 1 and others:
            o = others[0]
            body.append(
                f'<p><strong>اقرأ أيضًا: <a href="{e(ar_url(o))}">{e(o.ar_title)}</a></strong></p>'
            )
    iso = f"{a.published:%Y-%m-%d}T06:00:00+03:00"
    head = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="UTF-8">
<title>{e(a.ar_title)} | عنب بلدي</title>
<meta property="og:title" content="{e(a.ar_title)}">
<meta property="article:published_time" content="{iso}">
<meta name="author" content="{e(author)}">
<link rel="canonical" href="{e(ar_url(a))}">
</head>
<body>"""
    prompts = (
        '<div class="correction"><p>اذا كنت تعتقد/تعتقدين أن المقال يحوي معلومات خاطئة أو لديك '
        'تفاصيل إضافية<a href="#">أرسل/أرسلي تصحيحًا</a></p><p>إذا كنت تعتقد/تعتقدين أن المقال '
        'ينتهك أيًا من المبادئ الأخلاقية أو المعايير المهنية<a href="#">قدم/قدمي شكوى</a></p></div>'
    )
    footer = f"""<footer><ul class="social"><li><a href="#">تويتر</a></li><li><a href="#">تلغرام</a></li><li><a href="#">النشرة البريدية</a></li></ul>
<p class="about">{AR_ABOUT}</p><p class="copyright">{COPYRIGHT}</p>
<div class="donate">{"".join(f"<p>{d}</p>" for d in AR_DONATION)}</div></footer>"""
    if a.ar_markup == "older":  # the 2023 theme: div.entry-content, breadcrumb as a list
        return f"""{head}
<div class="header"><a href="{AR_HOST}/">عنب بلدي</a></div>
<ul class="breadcrumb"><li><a href="{AR_HOST}/">الرئيسية</a></li><li><a href="{AR_HOST}/archives/category/{CATEGORIES[a.category][0]}">{cat_ar}</a></li></ul>
<div class="post">
<h1 class="entry-title">{e(a.ar_title)}</h1>
<div class="post-meta"><span class="author"><a href="#">{e(author)}</a></span> <time datetime="{iso}">{ar_date(a.published)}</time></div>
<div class="font-controls">ع ع ع</div>
<div class="entry-content">
{chr(10).join(body)}
</div>
<div class="tags"><a href="#">سوريا</a></div>
</div>
{prompts}
{footer}
</body>
</html>
"""
    return f"""{head}
<header class="site-header"><a class="navbar-brand" href="{AR_HOST}/">عنب بلدي</a></header>
<nav class="breadcrumb"><a href="{AR_HOST}/">الرئيسية</a> / <a href="{AR_HOST}/category/syria/{CATEGORIES[a.category][0]}">{cat_ar}</a></nav>
<div class="container"><div class="row"><div class="col-lg-8">
<h1 class="post-title">{e(a.ar_title)}</h1>
<div class="article-meta"><span class="author"><a href="#">{e(author)}</a></span> <samp>{ar_date(a.published)}</samp></div>
<div class="font-controls"><a href="#">ع</a> <a href="#">ع</a> <a href="#">ع</a></div>
<div class="content-article">
{chr(10).join(body)}
</div>
<div class="tags"><a href="#">سوريا</a> <a href="#">{cat_ar}</a></div>
{prompts}
</div>
<aside class="col-lg-4"><div class="one-post"><div class="item-content"><a href="{e(ar_url(others[-1])) if others else "#"}"><h3>{e(others[-1].ar_title) if others else ""}</h3></a></div></div></aside>
</div></div>
{footer}
</body>
</html>
"""


def listing_page(items: list[Article], page: int, n_pages: int) -> str:
    lis = "\n".join(
        f'<li class="post-item"><h2 class="post-title"><a href="{escape(en_url(a))}">'
        f'{escape(a.en_title)}</a></h2><span class="date">{a.published:%Y/%m/%d}</span></li>'
        for a in items
    )
    base = f"{EN_HOST}/archives/category/news/"
    nxt = (
        f'<a class="next page-numbers" href="{base}page/{page + 1}/">Next</a>'
        if page < n_pages
        else ""
    )
    link_next = f'<link rel="next" href="{base}page/{page + 1}/">' if page < n_pages else ""
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>News | Enab Baladi</title>{link_next}</head>
<body><h1 class="page-title">News</h1><ul id="posts-container">
{lis}
</ul><div class="pages-nav">{nxt}</div></body></html>
"""


def feed(items: list[Article]) -> str:
    entries = "\n".join(
        f"<item><title>{escape(a.en_title)}</title><link>{escape(en_url(a))}</link>"
        f"<pubDate>{a.published:%a, %d %b %Y} 09:30:00 +0000</pubDate></item>"
        for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Enab Baladi</title><link>{EN_HOST}/</link>
{entries}
</channel></rss>
"""


def sitemap(items: list[Article]) -> str:
    urls = "\n".join(
        f"<url><loc>{escape(en_url(a))}</loc><lastmod>{a.published:%Y-%m-%d}</lastmod></url>"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n"
    )


def sitemap_index() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<sitemap><loc>{EN_HOST}/post-sitemap.xml</loc></sitemap>\n</sitemapindex>\n"
    )


# --------------------------------------------------------------------------- writing


def write(root: Path, path: str, text: str, encoding: str = "utf-8") -> None:
    target = root / path.strip("/") / "index.html" if path.endswith("/") else root / path.strip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode(encoding))


def build(out: Path, n_pairs: int = 40) -> dict:
    if out.exists():
        shutil.rmtree(out)
    en_root, ar_root = out / "en", out / "ar"
    articles = build_articles(n_pairs)
    by_key = {a.key: a for a in articles}
    behaviors: dict[str, dict] = {"en": {}, "ar": {}}
    paired = [a for a in articles if a.key.startswith("pair-")]
    for n, a in enumerate(articles):
        if a.en_status == "missing":
            continue
        if a.en_status == "empty":
            write(en_root, a.en_path, "")
            continue
        related = [paired[(n + k) % len(paired)] for k in (1, 2, 3)]
        write(en_root, a.en_path, en_page(a, related))
        if a.ar_id is None or a.ar_status in {"missing", "offsite-redirect"}:
            continue
        ar_path = f"/{a.ar_id}/"
        if a.ar_status == "empty":
            write(ar_root, ar_path, "")
        else:
            others = [paired[(n + 5) % len(paired)], paired[(n + 7) % len(paired)]]
            write(ar_root, ar_path, ar_page(a, others))
        (ar_root / str(a.ar_id) / "slug.txt").write_text(a.ar_slug, encoding="utf-8")
        if a.ar_markup == "older":
            behaviors["ar"][f"/archives/{a.ar_id}"] = {"redirect": ar_url(a), "status": 301}

    # The awkward cases, by name so tests can refer to them.
    if n_pairs >= 14:
        behaviors["ar"][f"/{by_key['pair-07'].ar_id}/"] = {"fail_first": 1, "status": 500}
        behaviors["en"][by_key["pair-11"].en_path] = {"fail_first": 1, "status": 503}
        cp = by_key["pair-13"]  # served as windows-1256 while the header claims UTF-8
        html = ar_page(cp, [paired[0], paired[1]]).replace('<meta charset="UTF-8">\n', "")
        write(ar_root, f"/{cp.ar_id}/", html, encoding="cp1256")
        behaviors["ar"][f"/{cp.ar_id}/"] = {"content_type": "text/html; charset=utf-8"}
    behaviors["ar"]["/799003/"] = {"redirect": "http://offsite.example/moved/", "status": 302}

    listed = sorted(articles, key=lambda a: a.published, reverse=True)
    n_pages = (len(listed) + PER_PAGE - 1) // PER_PAGE
    for page in range(1, n_pages + 1):
        chunk = listed[(page - 1) * PER_PAGE : page * PER_PAGE]
        path = "/archives/category/news/" + ("" if page == 1 else f"page/{page}/")
        write(en_root, path, listing_page(chunk, page, n_pages))
    fed = [a for a in listed if a.en_status == "ok"][:10]
    write(en_root, "/feed/index.xml", feed(fed))
    behaviors["en"]["/feed/"] = {"file": "feed/index.xml", "content_type": "application/rss+xml"}
    # The sitemap covers the first half of 2024 only: discovery must union all three sources.
    write(en_root, "/sitemap.xml", sitemap_index())
    write(
        en_root,
        "/post-sitemap.xml",
        sitemap([a for a in listed if a.published < date(2024, 7, 1) and a.en_status == "ok"]),
    )
    robots_en = (
        "User-agent: *\nDisallow: /wp-admin/\n"
        f"Disallow: {by_key['english-robots'].en_path}\n\nSitemap: {EN_HOST}/sitemap.xml\n"
    )
    write(en_root, "/robots.txt", robots_en)
    write(ar_root, "/robots.txt", "User-agent: *\nDisallow: /wp-admin/\nDisallow: /799005/\n")
    (out / "behaviors.json").write_text(
        json.dumps(behaviors, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    manifest = {
        a.key: {
            "en_path": a.en_path,
            "ar_id": a.ar_id,
            "ar_link": a.ar_link,
            "en_status": a.en_status,
            "ar_status": a.ar_status,
            "published": a.published.isoformat(),
            "title": a.en_title,
        }
        for a in articles
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "www")
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args()
    manifest = build(args.out, args.pairs)
    print(f"{len(manifest)} English articles written to {args.out}")


if __name__ == "__main__":
    main()
