"""Build the extraction gold set: pages and the exact body each must yield.

    python tests/gold/build_gold.py

Writes `pages/NAME.html`, `pages/NAME.expected.txt` (body paragraphs, one blank line between)
and `pages/NAME.json` (language, site, markup, whether a body exists). Bodies come from
NTREX-128 (CC BY-SA 4.0), the seeds and the real Arabic samples (see data/sample_site/sources);
the boilerplate is the real boilerplate of those sources. Markups: the two Enab themes per
language (sample site templates) and a generic news markup for the non-Enab seeds.
Deterministic; the committed files are what the tests read.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import replace
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOURCES = REPO / "data" / "sample_site" / "sources"
_spec = importlib.util.spec_from_file_location("site_build", REPO / "data/sample_site/build.py")
assert _spec and _spec.loader
site = importlib.util.module_from_spec(_spec)
sys.modules["site_build"] = site  # dataclasses look their module up
_spec.loader.exec_module(site)

OUT = HERE / "pages"


def clean(text: str) -> str:
    return " ".join(text.split())


def write(
    name: str,
    html: str,
    body: list[str],
    *,
    language: str,
    markup: str,
    site_name: str | None,
    no_body: bool = False,
) -> None:
    (OUT / f"{name}.html").write_text(html, encoding="utf-8")
    (OUT / f"{name}.expected.txt").write_text(
        "\n\n".join(clean(p) for p in body) + "\n", encoding="utf-8"
    )
    meta = {"language": language, "site": site_name, "markup": markup, "no_body": no_body}
    (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def generic_page(
    title: str,
    dateline: str,
    body: list[str],
    *,
    header: list[str],
    trailer: list[str],
    lists: list[tuple[str, list[str]]],
    subheads: set[str],
) -> str:
    """A generic news site's markup (not Enab's): the shape of the non-Enab seeds."""
    e = escape
    paras = []
    for n, p in enumerate(body):
        paras.append(f"<h2>{e(p)}</h2>" if p in subheads else f"<p>{e(p)}</p>")
        if n == 3:
            paras.append('<div class="ad-slot"><span>ADVERTISEMENT</span></div>')
    more = "".join(
        f'<section class="more"><h3>{e(h)}</h3><ul>'
        + "".join(f'<li><a href="/n/{i}">{e(x)}</a></li>' for i, x in enumerate(items))
        + "</ul></section>"
        for h, items in lists
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title></head>
<body>
<div class="masthead">{"".join(f"<div>{e(h)}</div>" for h in header)}</div>
<div id="content">
<h1 class="headline">{e(title)}</h1>
<p class="dateline">{e(dateline)}</p>
<div class="story-body">
{chr(10).join(paras)}
</div>
</div>
<div class="sidebar">{more}</div>
<div class="footer">{"".join(f"<p>{e(t)}</p>" for t in trailer)}</div>
</body></html>
"""


def seed_lines(name: str) -> list[str]:
    return [
        ln.strip() for ln in (SOURCES / "seeds" / name).read_text(encoding="utf-8").splitlines()
    ]


def ar_sample(name: str) -> list[str]:
    return [
        ln.strip()
        for ln in (SOURCES / "enab-ar-samples" / name).read_text(encoding="utf-8").splitlines()
    ]


def build() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    articles = site.build_articles(40)
    paired = [a for a in articles if a.key.startswith("pair-")]
    by_key = {a.key: a for a in articles}

    # English, Enab's theme: ten sample-site articles (two with a dropped paragraph).
    for a in paired[:10]:
        html = site.en_page(a, [paired[11], paired[12], paired[13]])
        write(
            f"en-enab-{a.key}", html, a.en_paras, language="en", markup="enab-en", site_name="enab"
        )
    # Arabic, both Enab themes: six each.
    for a in paired[10:22]:
        html = site.ar_page(a, [paired[0], paired[1]])
        markup = "enab-ar-2023" if a.ar_markup == "older" else "enab-ar-2025"
        write(f"ar-enab-{a.key}", html, a.ar_paras, language="ar", markup=markup, site_name="enab")
    for a in paired[22:27]:  # more of the 2023 theme, so each theme has at least six pages
        html = site.ar_page(replace(a, ar_markup="older"), [paired[0], paired[1]])
        write(
            f"ar-enab-{a.key}-2023",
            html,
            a.ar_paras,
            language="ar",
            markup="enab-ar-2023",
            site_name="enab",
        )

    # English seeds from Enab (0, 1, 3): Enab's theme with their body.
    for key, name in (
        ("no-arabic-link", "000_bfe8093ed89158fd.txt"),
        ("arabic-404", "001_b66b5cd2fbb4d987.txt"),
        ("arabic-offsite-link", "003_52cede1c26844f7c.txt"),
    ):
        a = by_key[key]
        write(
            f"en-seed-{name[:3]}",
            site.en_page(a, paired[:3]),
            a.en_paras,
            language="en",
            markup="enab-en",
            site_name="enab",
        )
    # English seeds from other sites (2: AFP via SpaceWar, 4: Gulan Media): generic markup.
    s2 = seed_lines("002_e4dd4ca6a9aa8044.txt")
    body2 = [ln for ln in s2[3 : s2.index("ADVERTISEMENT")] if ln]
    lists2, current = [], None
    for ln in s2[s2.index("ADVERTISEMENT") + 1 :]:
        if not ln or ln.startswith("All rights reserved"):
            continue
        if current is None or len(current[1]) == 3:
            current = (ln, [])
            lists2.append(current)
        else:
            current[1].append(ln)
    write(
        "en-seed-002",
        generic_page(
            s2[1],
            s2[2],
            body2,
            header=[s2[0]],
            trailer=[ln for ln in s2 if ln.startswith("All rights")],
            lists=lists2,
            subheads={"- Rising regional tension -"},
        ),
        body2,
        language="en",
        markup="generic-news",
        site_name=None,
    )
    s4 = seed_lines("004_bd298267c9d9f68e.txt")
    body4 = [ln for ln in s4[7 : s4.index("Top")] if ln]
    write(
        "en-seed-004",
        generic_page(
            s4[3], s4[5], body4, header=s4[0:2], trailer=["Top"], lists=[], subheads=set()
        ),
        body4,
        language="en",
        markup="generic-news",
        site_name=None,
    )
    # Two NTREX articles in the generic markup too, so it is not only seeds.
    for a in paired[27:29]:
        write(
            f"en-generic-{a.key}",
            generic_page(
                a.en_title,
                "Staff report",
                a.en_paras,
                header=["• Friday, 22 November 2024", "logo"],
                trailer=["All rights reserved."],
                lists=[],
                subheads=set(),
            ),
            a.en_paras,
            language="en",
            markup="generic-news",
            site_name=None,
        )

    # The real Arabic samples in Enab's themes: caption, body, «اقرأ أيضًا», boilerplate.
    template = paired[30]
    for name, body_range, markup in (
        ("2958.txt", (3, 13), "current"),
        ("2994.txt", (3, 13), "older"),
    ):
        lines = ar_sample(name)
        body = [ln for ln in lines[body_range[0] : body_range[1]] if ln]
        article = replace(template, ar_title=lines[0], ar_paras=body, ar_markup=markup)
        html = site.ar_page(article, [paired[0], paired[1]])
        if name == "2994.txt":  # its related-story paragraph, a link, after the body
            html = html.replace(
                '</div>\n<div class="tags">',
                f'<p><a href="/1/">{escape(lines[13])}</a></p>\n</div>\n<div class="tags">',
                1,
            )
        write(
            f"ar-sample-{name[:4]}",
            html,
            body,
            language="ar",
            markup=f"enab-ar-{markup}",
            site_name="enab",
        )
    lines = ar_sample("2990.txt")  # only boilerplate came out of this page: no body
    article = replace(template, ar_title=lines[0], ar_paras=[], ar_markup="older")
    html = site.ar_page(article, [])
    write(
        "ar-sample-2990",
        html,
        [],
        language="ar",
        markup="enab-ar-2023",
        site_name="enab",
        no_body=True,
    )
    return len(list(OUT.glob("*.html")))


if __name__ == "__main__":
    print(f"{build()} gold pages written to {OUT}")
