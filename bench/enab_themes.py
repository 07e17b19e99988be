# ruff: noqa: E501  (HTML templates and real boilerplate lines: one line of markup per line)
"""Enab-like pages in five themes of our own, unlike the sample site's templates, for
bench/extraction.py: the same real texts (NTREX bodies; Enab's real boilerplate lines from the
seeds and the Arabic samples) placed where other themes put them.

- outside: the body alone in its container; every boilerplate line outside it.
- blocks: the boilerplate in its own blocks (divs) inside the container.
- siblings: the boilerplate as plain <p> siblings of the body inside the container.
- divs: other class names, body paragraphs in <div>s, headlines as <h4> links.
- cards: written after every rule change (the first four were met once before rules were fixed
  from what they showed): tool list items, a caption after the first paragraph, the plea in a
  blockquote, the prompts as <br>-separated lines of one paragraph, an unheaded <ol> of
  headlines and the outlet's lines in an <address>, all inside the container.

Each theme has five English and five Arabic articles and one body-less page per language
(only boilerplate inside the container, as ../shared/data/enab-ar-samples/2990.txt). The
generic rules were written before these themes; what each theme showed on first contact, and
what was fixed from it, is in bench/RESULTS.md. Deterministic.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("site_build", REPO / "data/sample_site/build.py")
assert _spec and _spec.loader
site = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("site_build", site)
_spec.loader.exec_module(site)

THEMES = ("outside", "blocks", "siblings", "divs", "cards")


@dataclass(frozen=True)
class ThemePage:
    name: str
    theme: str
    language: str
    html: str
    body: list[str]  # the gold paragraphs ([] for a body-less page)
    boilerplate: list[str]  # every boilerplate line on the page, to count leaks


def _boilerplate(language: str, title: str, date: str, related: list[str]) -> dict[str, list]:
    """The page's boilerplate lines, by kind, as the real pages have them."""
    if language == "en":
        return {
            "caption": [f"{title.split(',')[0]} - {date} (Enab Baladi)"],
            "read_also": [],
            "related": related,
            "related_heading": ["Related Articles"],
            "other_language": [site.ARABIC_LINK_TEXT],
            "prompts": [],
            "plea": [*site.EN_DONATION, "Click here to support"],
            "social": [],
            "about": [],
            "copyright": [site.COPYRIGHT],
            "misc": ["A A A", "Back to top button", "ADVERTISEMENT"],
        }
    return {
        "caption": [f"{title.split('،')[0]} - {date} (عنب بلدي/ أنس الخولي)"],
        "read_also": [f"اقرأ أيضًا: {related[0]}"],
        "related": related[1:],
        "related_heading": [],
        "other_language": [],
        "prompts": [
            "اذا كنت تعتقد/تعتقدين أن المقال يحوي معلومات خاطئة أو لديك تفاصيل إضافيةأرسل/أرسلي تصحيحًا",
            "إذا كنت تعتقد/تعتقدين أن المقال ينتهك أيًا من المبادئ الأخلاقية أو المعايير المهنيةقدم/قدمي شكوى",
        ],
        "plea": list(site.AR_DONATION),
        "social": ["تويتر", "تلغرام", "النشرة البريدية"],
        "about": [site.AR_ABOUT],
        "copyright": [site.COPYRIGHT],
        "misc": ["ع ع ع"],
    }


def _links(lines: list[str], tag: str = "p") -> str:
    return "".join(f'<{tag}><a href="/x/{n}/">{escape(t)}</a></{tag}>' for n, t in enumerate(lines))


def _paras(lines: list[str], tag: str = "p", cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<{tag}{attr}>{escape(t)}</{tag}>" for t in lines)


def _page(theme: str, language: str, title: str, canonical: str, body: list[str], b: dict) -> str:
    e = escape
    half = max(1, len(body) // 2)
    first, second = body[:half], body[half:]
    also = "".join(
        f'<p><strong>{e(t.split(":")[0])}:</strong> <a href="/y/">{e(t.split(": ", 1)[1])}</a></p>'
        for t in b["read_also"]
    )
    if theme == "outside":
        content = f"""<figure class="lead-media"><img src="/i.jpg"><figcaption>{_paras(b["caption"], "span")}</figcaption></figure>
<div class="share">{"".join(f'<a href="#">{e(s)}</a> ' for s in b["social"])}</div>
<div class="story__body">{_paras(first)}{_paras(second)}</div>
<div class="story-extras">{also}{_links(b["other_language"])}
<section class="fix-request">{_paras(b["prompts"])}</section>
<section class="more-news"><h3>{"".join(map(e, b["related_heading"]))}</h3><ul>{_links(b["related"], "li")}</ul></section>
<section class="support">{_paras(b["plea"])}</section></div>
<div class="toolbar">{_paras(b["misc"], "span")}</div>
<footer class="site-foot">{_paras(b["about"])}{_paras(b["copyright"])}</footer>"""
    elif theme == "blocks":
        content = f"""<div class="article-text">
<div class="media-caption">{_paras(b["caption"], "span")}</div>
<div class="tools">{_paras(b["misc"][:1], "span")}</div>
{_paras(first)}
<div class="also-box">{also}</div>
{_paras(second)}
<div class="lang-switch">{_links(b["other_language"])}</div>
<div class="fixes">{_paras(b["prompts"])}</div>
<div class="related-box"><h4>{"".join(map(e, b["related_heading"]))}</h4>{_links(b["related"])}</div>
<div class="appeal">{_paras(b["plea"])}</div>
<div class="follow">{"".join(f'<a href="#">{e(s)}</a>' for s in b["social"])}</div>
<div class="about-box">{_paras(b["about"])}</div>
</div>
<div class="bottom">{_paras(b["misc"][1:], "span")}<p>{e(site.COPYRIGHT)}</p></div>"""
    elif theme == "siblings":
        content = f"""<div class="post-body">
{_paras(b["caption"])}{_paras(b["misc"][:1])}
{_paras(first)}{also}{_paras(second)}
{_links(b["other_language"])}{_paras(b["related_heading"])}{_links(b["related"])}
{_paras(b["prompts"])}{_paras(b["plea"])}{_paras(b["social"])}{_paras(b["about"])}{_paras(b["copyright"])}{_paras(b["misc"][1:])}
</div>"""
    elif theme == "cards":
        content = f"""<div class="rich-text">
<ul class="tools">{"".join(f"<li>{e(s)}</li>" for s in [*b["social"], *b["misc"][:1]])}</ul>
{_paras(first[:1])}<p class="wp-caption-text">{"".join(map(e, b["caption"]))}</p>{_paras(first[1:])}
{also}{_paras(second)}{_links(b["other_language"])}
<ol class="more">{_links(b["related"], "li")}</ol>
<p>{"<br>".join(map(e, b["prompts"]))}</p>
<blockquote class="plea">{_paras(b["plea"])}</blockquote>
<address>{"<br>".join(map(e, [*b["about"], *b["copyright"], *b["misc"][1:]]))}</address>
</div>"""
    else:  # divs
        content = f"""<section class="nws-cnt">
<div class="nws-img"><img src="/i.jpg"><div class="nws-cap">{_paras(b["caption"], "span")}</div></div>
<div class="nws-share">{"".join(f"<span>{e(s)}</span> " for s in b["social"])}</div>
{_paras(first, "div", "txt")}{also}{_paras(second, "div", "txt")}
{_links(b["other_language"], "div")}
<div class="nws-rel">{_paras(b["related_heading"], "h3")}{_links(b["related"], "h4")}</div>
{_paras(b["prompts"], "div", "nws-note")}
<div class="nws-sup">{_paras(b["plea"], "div")}</div>
</section>
<div class="nws-foot">{_paras(b["misc"], "div")}{_paras(b["about"], "div")}{_paras(b["copyright"], "div")}</div>"""
    direction = "rtl" if language == "ar" else "ltr"
    return f"""<!DOCTYPE html>
<html lang="{language}" dir="{direction}">
<head><meta charset="UTF-8"><title>{e(title)}</title>
<meta property="og:title" content="{e(title)}">
<meta property="og:site_name" content="{"عنب بلدي" if language == "ar" else "Enab Baladi"}">
<link rel="canonical" href="{e(canonical)}"></head>
<body><div class="wrap"><nav class="menu"><a href="/">Home</a> <a href="/news/">News</a></nav>
<h1 class="headline">{e(title)}</h1>
{content}
</div></body></html>
"""


def build_theme_pages() -> list[ThemePage]:
    articles = [a for a in site.build_articles(40) if a.key.startswith("pair-")]
    pages = []
    for t, theme in enumerate(THEMES):
        chosen = articles[t * 6 : t * 6 + 6]
        for language in ("en", "ar"):
            for n, a in enumerate(chosen):
                title = a.en_title if language == "en" else a.ar_title
                date = (
                    f"{a.published:%B} {a.published.day}, {a.published:%Y}"
                    if language == "en"
                    else site.ar_date(a.published)
                )
                others = [x for x in articles if x is not a][t + n : t + n + 3]
                related = [x.en_title if language == "en" else x.ar_title for x in others]
                b = _boilerplate(language, title, date, related)
                body_less = n == len(chosen) - 1
                body = [] if body_less else (a.en_paras if language == "en" else a.ar_paras)
                url = site.en_url(a) if language == "en" else site.ar_url(a)
                pages.append(
                    ThemePage(
                        f"{theme}-{language}-{a.key}",
                        theme,
                        language,
                        _page(theme, language, title, url, body, b),
                        [" ".join(p.split()) for p in body],
                        [line for lines in b.values() for line in lines],
                    )
                )
    return pages


SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "data" / "enab-ar-samples"
SEEDS = SHARED / "seeds"


def _lines(path: Path) -> list[str]:
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines()]


def _samples_page(title: str, caption: str | None, body_html: str, tail: str, after: str) -> str:
    e = escape
    figure = (
        f'<div class="featured"><img src="/i.jpg"><span class="cap">{e(caption)}</span></div>'
        if caption
        else ""
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{e(title)}</title></head>
<body><header class="top"><a href="/">Home</a></header>
<article class="single"><h1>{e(title)}</h1>{figure}
<div class="content">{body_html}{tail}</div></article>
{after}</body></html>
"""


def build_samples_theme_pages() -> list[ThemePage]:
    """Theme "samples", written after the rules (first contact in bench/RESULTS.md): the real
    pages' own lines verbatim (../shared: the three Arabic Enab samples, the two English Enab
    seeds), with no canonical URL, site name or lang (nothing names the site), placed as no
    other theme does: the Arabic caption without " - " before its date, the read-also line and
    a lone related headline (an <h3> link) inside the content, the prompts with their link
    part, the plea between the prompts and the share list; in English the caption twice (a
    figure, a paragraph), the related list in the middle of the body. [] when ../shared is
    absent."""
    if not SAMPLES.is_dir() or not SEEDS.is_dir():
        return []
    e = escape
    pages = []
    for number in ("2958", "2994", "2990"):
        lines = [line for line in _lines(SAMPLES / f"{number}.txt")]
        title = lines[0]
        rest = [line for line in lines[1:] if line]
        about = next(k for k, line in enumerate(rest) if line.startswith("مؤسسة إعلامية"))
        prompts = [k for k, line in enumerate(rest) if "تعتقد/تعتقدين" in line]
        first = prompts[0] if prompts else about
        head, after_body = rest[:first], rest[first:]
        caption = head[0] if number != "2990" else None
        inside = head[1:] if caption else head
        also = [line for line in inside if line.startswith("اقرأ أيضًا")]
        headline = [inside[-1]] if number == "2994" else []  # the real page's related story
        body = [line for line in inside if line not in also + headline]
        plea = [line for line in after_body if line in site.AR_DONATION]
        social = [line for line in after_body if line in ("تويتر", "تلغرام", "النشرة البريدية")]
        prompt_lines = [rest[k] for k in prompts]
        about_lines = [line for line in after_body if line.startswith("مؤسسة إعلامية")]
        copyright_lines = [line for line in after_body if line.startswith("Copyright")]
        body_html = "".join(f"<p>{e(p)}</p>" for p in body)
        body_html += "".join(
            f'<p>اقرأ أيضًا: <a href="/r/">{e(t.split(": ", 1)[1])}</a></p>' for t in also
        )
        body_html += "".join(f'<h3><a href="/h/">{e(t)}</a></h3>' for t in headline)
        tail = ""
        for prompt in prompt_lines:
            cut = prompt.index("أرسل/") if "أرسل/" in prompt else prompt.index("قدم/")
            tail += f'<p>{e(prompt[:cut])}<a href="#fix">{e(prompt[cut:])}</a></p>'
        tail += f'<div class="support">{"".join(f"<p>{e(t)}</p>" for t in plea)}</div>'
        items = "".join(f'<li><a href="#">{e(t)}</a></li>' for t in social)
        tail += f'<ul class="social">{items}</ul>'
        if number == "2990":  # the body-less page: only its boilerplate, inside the content
            tail += "".join(f"<p>{e(t)}</p>" for t in about_lines + copyright_lines)
            after = ""
        else:
            after = f'<aside class="about"><p>{e(about_lines[0])}</p></aside><footer><p>{e(copyright_lines[0])}</p></footer>'
        boilerplate = (
            ([caption] if caption else [])
            + also
            + headline
            + prompt_lines
            + plea
            + social
            + about_lines
            + copyright_lines
        )
        pages.append(
            ThemePage(
                f"samples-ar-{number}",
                "samples",
                "ar",
                _samples_page(title, caption, body_html, tail, after),
                body,
                boilerplate,
            )
        )
    for seed in ("000_bfe8093ed89158fd", "001_b66b5cd2fbb4d987", None):
        if seed is None:  # an English body-less page: seed 000's boilerplate only
            lines = _lines(SEEDS / "000_bfe8093ed89158fd.txt")
            title, seed_body = lines[0], []
        else:
            lines = _lines(SEEDS / f"{seed}.txt")
            title = lines[0]
        rest = [line for line in lines[1:] if line]
        caption = rest[0] if rest[0].endswith(")") and " - " in rest[0] else None
        misc = [line for line in rest if line in ("A A A", "Back to top button")]
        arabic = [line for line in rest if line == site.ARABIC_LINK_TEXT]
        heading = [line for line in rest if line == "Related Articles"]
        k = rest.index("Related Articles")
        related = [
            line.split(". ", 1)[1] for line in rest[k + 1 :] if line[:3].strip(". ").isdigit()
        ]
        plea = [
            line for line in rest if line in site.EN_DONATION or line == "Click here to support"
        ]
        taken = set(misc + arabic + heading + plea + ([caption] if caption else []))
        if seed is not None:
            seed_body = [
                line for line in rest if line not in taken and not line[:3].strip(". ").isdigit()
            ]
        subheads = {"Calm since February", "After US strikes"}
        middle = len(seed_body) // 2
        related_html = (
            f'<div class="related"><h3>{"".join(map(e, heading))}</h3>'
            + "<ol>"
            + "".join(f'<li><a href="/a/">{e(t)}</a></li>' for t in related)
            + "</ol></div>"
        )
        parts = []
        if caption:
            parts.append(f"<p>{e(caption)}</p>")
        parts += [f"<p>{e(t)}</p>" for t in misc if t == "A A A"]
        for n, t in enumerate(seed_body):
            if n == middle:
                parts.append(related_html)
            parts.append(f"<h2>{e(t)}</h2>" if t in subheads else f"<p>{e(t)}</p>")
        if not seed_body:
            parts.append(related_html)
        parts += [f'<p><a href="/ar/">{e(t)}</a></p>' for t in arabic]
        tail = f'<div class="support">{"".join(f"<p>{e(t)}</p>" for t in plea)}</div>'
        after = "".join(f'<a class="up" href="#">{e(t)}</a>' for t in misc if t != "A A A")
        pages.append(
            ThemePage(
                f"samples-en-{seed or 'bodyless'}",
                "samples",
                "en",
                _samples_page(title, caption, "".join(parts), tail, after),
                seed_body,
                [*taken, *related],
            )
        )
    return pages
