"""Extraction on the gold set (exact bodies), language checks, normalisation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from pipeline.extract import extract_article
from pipeline.language import detect_language
from pipeline.profiles import PROFILES
from pipeline.profiles.enab import ARABIC, ENGLISH
from pipeline.text import clean_text, comparison_form, unify_digits

GOLD = Path(__file__).parent / "gold" / "pages"
PAGES = sorted(GOLD.glob("*.html"))


def gold(page: Path) -> tuple[dict, list[str]]:
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    text = page.with_suffix(".expected.txt").read_text(encoding="utf-8")
    return meta, [p.strip() for p in text.split("\n\n") if p.strip()]


def side_for(meta: dict):  # type: ignore[no-untyped-def]
    if not meta["site"]:
        return None
    return PROFILES[meta["site"]].side(meta["language"])


def test_gold_set_is_big_and_varied_enough() -> None:
    metas = [gold(p)[0] for p in PAGES]
    assert len(PAGES) >= 30
    for language in ("en", "ar"):
        markups = {m["markup"] for m in metas if m["language"] == language}
        assert len(markups) >= 2, markups


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_gold_page_body_is_extracted_exactly(page: Path) -> None:
    meta, expected = gold(page)
    result = extract_article(
        page.read_text(encoding="utf-8"), language=meta["language"], side=side_for(meta)
    )
    assert result.paragraphs == expected
    assert (result.status == "no_body") == meta["no_body"]
    if not meta["no_body"]:
        assert result.language_ok and result.detected_language == meta["language"]
        assert result.text == "\n\n".join(expected)
        for s in result.sentences:
            assert result.text[s.start : s.end] == s.text


def test_english_page_what_is_dropped_and_why() -> None:
    page = (GOLD / "en-seed-001.html").read_text(encoding="utf-8")
    result = extract_article(page, language="en", side=ENGLISH)
    removed = {(r.reason, r.text) for r in result.removed}
    assert ("other language (ar)", "النسخة العربية من المقال") in removed
    body = result.text
    for boilerplate in (
        "A A A",
        "Related Articles",
        "Propaganda distorts",
        "Back to top",
        "Please enter your comment",
        "ADVERTISEMENT",
        "(Enab Baladi)",
        "Copyright",
    ):
        assert boilerplate not in body
    assert result.title == "US Officials: Rocket Attack From Iraq Targets US Base in Syria"
    assert not result.paragraphs[0].startswith(result.title)


def test_boilerplate_inside_the_body_container_is_dropped_with_reasons() -> None:
    """Seed 000's order, all inside .entry-content: body, Arabic-version line, "Related
    Articles" with a numbered link list, the donation plea one line a paragraph."""
    page = (GOLD / "en-seed-000.html").read_text(encoding="utf-8")
    _, expected = gold(GOLD / "en-seed-000.html")
    related = [
        "The 22nd attack on US interests in Iraq... Military response in Syria?",
        "Al-Tanf: A Base for Washington or a Damascus-Tehran Crossing?",
    ]
    plea = [
        "Propaganda distorts the truth and prolongs the war..",
        "Syria needs free media.. We need your support to stay independent..",
        "Support Enab Baladi..",
        "$1 a month makes a difference..",
    ]
    inside = (
        '<p>&nbsp;</p><p><a href="https://www.enabbaladi.net/700001/">'
        "النسخة العربية من المقال</a></p>"
        '<div class="related-inline"><h3>Related Articles</h3></div><ol>'
        + "".join(f'<li><a href="/archives/{n}/">{t}</a></li>' for n, t in enumerate(related))
        + "</ol><div>"
        + "".join(f"<p>{p}</p>" for p in plea)
        + '<p><a href="/support/">Click here to support</a></p></div>'
    )
    end_of_body = '</div>\n<div class="post-bottom-meta'
    assert page.count(end_of_body) == 1
    page = page.replace(end_of_body, inside + end_of_body)

    result = extract_article(page, language="en", side=ENGLISH)

    assert result.paragraphs == expected
    removed = [(r.reason, r.text) for r in result.removed]
    assert [t for why, t in removed if why == "related-articles list"] == related
    assert [t for why, t in removed if why == "donation plea"] == [*plea, "Click here to support"]
    assert ("related-articles heading", "Related Articles") in removed
    assert ("other language (ar)", "النسخة العربية من المقال") in removed


def test_arabic_sample_what_is_dropped_and_why() -> None:
    page = (GOLD / "ar-sample-2958.html").read_text(encoding="utf-8")
    result = extract_article(page, language="ar", side=ARABIC)
    reasons = {r.reason for r in result.removed}
    assert {"image caption", "related link (read also)"} <= reasons
    assert result.paragraphs[0].startswith("أعلن المدير العام لصندوق")
    assert all("عنب بلدي/" not in p and "اقرأ أيضًا" not in p for p in result.paragraphs)


def test_boilerplate_only_page_is_no_body() -> None:
    page = (GOLD / "ar-sample-2990.html").read_text(encoding="utf-8")
    result = extract_article(page, language="ar", side=ARABIC)
    assert result.status == "no_body" and result.paragraphs == [] and result.sentences == []
    assert result.status_detail.startswith("no body found")
    assert extract_article("", language="ar", side=ARABIC).status == "no_body"


def test_page_in_the_wrong_language_is_flagged() -> None:
    arabic = (GOLD / "ar-enab-pair-10.html").read_text(encoding="utf-8")
    result = extract_article(arabic, language="en", side=ENGLISH)
    assert not result.language_ok
    assert result.status == "no_body"  # every paragraph was Arabic, so none is an English body
    # what trafilatura left out of the whole page (the English profile's container is not on
    # an Arabic page) is recorded as it is; the rest went by rule
    reasons = Counter(r.reason for r in result.removed if r.reason != "not main text (trafilatura)")
    # the generic rules read Arabic boilerplate whatever language the page was asked in
    boilerplate = {"image caption", "related link (read also)", "correction or complaint prompt"}
    assert set(reasons) - boilerplate == {"other language (ar)"}
    assert reasons["other language (ar)"] >= 5


def test_english_credit_line_in_an_arabic_page_is_removed() -> None:
    page = (GOLD / "ar-enab-pair-10.html").read_text(encoding="utf-8")
    credit = "<p>Translated and edited by the Enab Baladi English desk.</p>"
    page = page.replace(
        '<div class="content-article">\n', f'<div class="content-article">\n{credit}'
    )
    result = extract_article(page, language="ar", side=ARABIC)
    assert ("other language (en)", "Translated and edited by the Enab Baladi English desk.") in {
        (r.reason, r.text) for r in result.removed
    }


def test_language_detection_is_deterministic() -> None:
    text = "Syria news agency said the pipeline between Homs and Hama works again today."
    assert len({detect_language(text) for _ in range(20)}) == 1


def test_normalisation_keeps_what_a_reader_sees() -> None:
    assert clean_text("دمشـق\u200f\u200b  الشام\u00a0شهريًا") == "دمشق الشام شهريًا"
    assert clean_text("e\u0301") == "\u00e9"  # NFC
    assert comparison_form("شهريًا ٤٬٤٠٠٬٠٠٠ و3٫5 Café") == "شهريا 4400000 و3.5 cafe"
    assert unify_digits("4,400,000 and 12,34 and 1,5") == "4400000 and 12,34 and 1,5"


def test_cli_extract_prints_clean_text_as_json() -> None:
    page = GOLD / "ar-sample-2994.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "extract",
            str(page),
            "--lang",
            "ar",
            "--site",
            "enab",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["language"] == "ar"
    assert data["paragraphs"][0].startswith("أعلنت شركة “محروقات حمص”")
    assert "\\u06" not in result.stdout


OTHER_THEMES = Path(__file__).parent / "fixtures" / "other-themes"


def test_generic_rules_on_a_theme_they_were_not_written_from() -> None:
    """The real sample 2958, every line a <p> sibling in one container, no site markers, no
    profile: the generic text rules alone say what is boilerplate, and why."""
    page = (OTHER_THEMES / "ar-siblings.html").read_text(encoding="utf-8")
    result = extract_article(page, language="ar")
    sample = Path(__file__).parents[1] / "data/sample_site/sources/enab-ar-samples/2958.txt"
    lines = [ln.strip() for ln in sample.read_text(encoding="utf-8").splitlines()]
    assert result.site is None and result.status == "ok"
    assert result.paragraphs == [clean_text(ln) for ln in lines[3:13] if ln]
    removed = [(r.reason, r.text) for r in result.removed]
    assert removed == [
        ("image caption", "بناء مدمر في حي جوبر بدمشق - 5 شباط 2025 (عنب بلدي/ أنس الخولي)"),
        (
            "related link (read also)",
            "اقرأ أيضًا: وزير المالية لعنب بلدي: سوريا مؤهلة لمنح بمليار دولار سنويًا",
        ),
        (
            "link-only headlines after the body",
            "تفجير خطين لأنابيب الغاز وانقطاع الكهرباء في دمشق والساحل",
        ),
        ("link-only headlines after the body", "صندوق النقد الدولي يبحث مع سوريا خطط الإصلاح"),
        ("correction or complaint prompt", lines[14]),
        ("correction or complaint prompt", lines[15]),
        ("share bar", "تويتر"),
        ("share bar", "تلغرام"),
        ("share bar", "النشرة البريدية"),
        ("outlet self-description", lines[20]),
        ("copyright", lines[21]),
        ("donation plea", "الإعلام الموجّه يشوه الحقيقة في بلادنا ويطيل أمد الحرب.."),
        ("donation plea", "سوريا بحاجة للصحافة الحرة.. ونحن بحاجتك لنبقى مستقلين"),
        ("donation plea", "دولار واحد شهريًا يصنع الفرق"),
    ]


def test_english_generic_rules_keep_body_lines_that_look_alike() -> None:
    """Text rules judge whole short paragraphs: a body sentence that mentions support, sharing,
    an error or a copyright is kept; the boilerplate lines go, each with its reason."""
    body = [
        "The council said it would support independent media in the region, a plan that "
        "local journalists welcomed on Monday after months of talks.",
        "Officials found an error in the census count and will share the corrected figures, "
        "which show that 12,000 more people live in the province than first reported.",
        "The copyright dispute between the two publishers went to court in March, and a "
        "ruling is expected before the end of the year, lawyers for both sides said.",
    ]
    boilerplate = [
        ("image caption", "Displaced families in a camp near Idlib - March 3, 2025 (Reuters)"),
        ("related link (read also)", "Read also: Aid convoys reach the north after delays"),
        ("share bar", "Share: Facebook Twitter WhatsApp"),
        ("newsletter appeal", "Sign up for our daily newsletter"),
        ("donation plea", "Support independent journalism. Donate now"),
        ("copyright", "© 2025 The Daily Example. All rights reserved."),
        (
            "outlet self-description",
            "The Daily Example is an independent news organization founded in 2009.",
        ),
    ]
    page = (
        "<html><body><main><article>"
        + "".join(f"<p>{t}</p>" for _, t in boilerplate[:3])
        + "".join(f"<p>{p}</p>" for p in body)
        + "".join(f"<p>{t}</p>" for _, t in boilerplate[3:])
        + "</article></main></body></html>"
    )
    result = extract_article(page, language="en")
    assert result.paragraphs == body
    assert [(r.reason, r.text) for r in result.removed] == boilerplate


def test_profile_is_found_from_the_page() -> None:
    page = (GOLD / "ar-sample-2994.html").read_text(encoding="utf-8")
    profiles = list(PROFILES.values())
    found = extract_article(page, language="ar", profiles=profiles)
    assert found.site == "enab"  # its canonical URL is on www.enabbaladi.net
    assert found.text == extract_article(page, language="ar", side=ARABIC).text
    assert extract_article(page, language="ar").site is None  # --site none: no profile
    # no URL at all: og:site_name and <html lang> name the site and its side
    bare = re.sub(r'<link rel="canonical"[^>]*>', "", page).replace(
        "<head>", '<head><meta property="og:site_name" content="عنب بلدي">'
    )
    from pipeline.extract import page_clues, read_page
    from pipeline.profile import find_profile

    read = read_page(bare, profiles=profiles)
    assert read.site == "enab" and read.side is ARABIC
    tree = lxml_html.fromstring("<html lang='en'><head></head><body><p>x</p></body></html>")
    assert find_profile(
        page_clues(tree, "https://english.enabbaladi.net/archives/1/", None), profiles
    ) == (
        PROFILES["enab"],
        ENGLISH,
    )
    assert find_profile(page_clues(tree, "https://example.org/1/", None), profiles) is None


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "extract", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_cli_batch_prints_json_lines_in_order_with_language_detected(tmp_path: Path) -> None:
    pages = [GOLD / "ar-sample-2994.html", GOLD / "en-seed-002.html", GOLD / "ar-sample-2990.html"]
    missing = tmp_path / "missing.html"
    out = _cli(*map(str, pages), str(missing)).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert [r["path"] for r in rows] == [*map(str, pages), str(missing)]
    assert [r.get("language") for r in rows[:3]] == ["ar", "en", "ar"]
    assert [r.get("site") for r in rows[:3]] == ["enab", None, "enab"]  # found from the page
    assert [r.get("status") for r in rows[:3]] == ["ok", "ok", "no_body"]
    assert rows[0]["paragraphs"][0].startswith("أعلنت شركة “محروقات حمص”")
    assert rows[3]["error"] == f"no such page: {missing}"
    single = json.loads(_cli(str(pages[1]), "--site", "none").stdout)
    assert single["site"] is None and single["paragraphs"] == rows[1]["paragraphs"]


def _site_page(number: int, footer: str) -> str:
    body = "".join(
        f"<p>Paragraph {k} of story {number}: the water board met residents of district "
        f"{number} on day {k} to discuss repairs to pipes, pumps and the reservoir.</p>"
        for k in range(4)
    )
    return (
        f'<html><head><link rel="canonical" href="https://news.example.org/{number}/"></head>'
        f"<body><article><h1>Story {number}</h1>{body}<p>{footer}</p></article></body></html>"
    )


def test_boilerplate_repeated_across_a_sites_pages_is_learned_in_a_batch(tmp_path: Path) -> None:
    footer = "The Example Gazette has served the valley's readers every morning since 1921."
    paths = []
    for number in range(4):
        path = tmp_path / f"{number}.html"
        path.write_text(_site_page(number, footer), encoding="utf-8")
        paths.append(path)
    one = json.loads(_cli(str(paths[0])).stdout)
    assert footer in one["paragraphs"]  # one page alone: nothing says it is the site's
    rows = [json.loads(line) for line in _cli(*map(str, paths)).stdout.splitlines()]
    for row in rows:
        # the title heading the body is kept apart, on the generic path too
        assert footer not in row["paragraphs"] and len(row["paragraphs"]) == 4
        assert {"reason": "title repeated in the body", "text": row["title"]} in row["removed"]
        assert {"reason": "repeated on 4 pages of news.example.org", "text": footer} in row[
            "removed"
        ]
    # two copies of one article vote once: their shared paragraphs are not the site's
    from pipeline.extract import clean_page, learn_boilerplate, read_page

    copies = [read_page(_site_page(7, footer)) for _ in range(3)]
    assert learn_boilerplate(copies).repeated("news.example.org") == {}
    reads = [read_page(_site_page(n, footer)) for n in range(3)]
    learned = learn_boilerplate(reads).repeated("news.example.org")
    assert learned == {comparison_form(footer): 3}
    assert clean_page(reads[0], learned).paragraphs[-1].startswith("Paragraph 3 of story 0")


def test_boilerplate_learned_from_the_store_is_applied_by_from_store(tmp_path: Path) -> None:
    from pipeline.models import UnpairedReason
    from pipeline.store import open_store
    from tests.test_store_warc import unpaired, version

    footer = "The Example Gazette has served the valley's readers every morning since 1921."
    db = tmp_path / "corpus.sqlite"
    corpus = open_store(db)
    versions = []
    for number in range(4):
        body = _site_page(number, footer).split("<body>")[1].split("</body>")[0]
        v = version("en", f"story-{number}", body)
        versions.append(v)
        corpus.save_pair(unpaired(v, UnpairedReason.no_original_link))
    corpus.close()
    out = _cli("--from-store", "--store", str(db)).stdout
    assert "4 versions extracted" in out
    corpus = open_store(db)
    for v in versions:
        text = corpus.text_of(v)
        assert footer not in text.paragraphs
        assert ("repeated on 4 pages of enab/en", footer) in {
            (r.reason, r.text) for r in text.removed
        }
    corpus.close()
    # --redo learns again from what is stored and gives the same texts
    assert "4 versions extracted" in _cli("--from-store", "--redo", "--store", str(db)).stdout


def test_cli_reads_gzip_compressed_pages_and_refuses_a_broken_one(tmp_path: Path) -> None:
    import gzip

    page = GOLD / "en-seed-002.html"
    packed = tmp_path / "en-seed-002.html.gz"
    packed.write_bytes(gzip.compress(page.read_bytes()))
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(page.read_bytes())[:200])
    rows = [
        json.loads(line)
        for line in _cli(str(page), str(packed), str(broken)).stdout.split("\n")
        if line
    ]
    assert rows[1]["paragraphs"] == rows[0]["paragraphs"] and rows[1]["status"] == "ok"
    assert rows[2] == {"path": str(broken), "error": rows[2]["error"]}
    assert "end-of-stream" in rows[2]["error"]


def test_generic_path_drops_title_dashless_caption_and_a_lone_headline_with_tatweel() -> None:
    # the real Arabic sample 2994's own lines, in a markup nothing here was written for
    title = "إعادة تشغيل خط لنقل النفط بين حمص وحماة"
    caption = "تشغيل خط (6 إنش) لنقل المواد البترولية بين حمص وحماة 17 حزيران 2025 (سانا)"
    headline = "تفجير خطين لأنابيب الغاز وانقطاع الكهرباء في دمشـق والساحل"  # with a tatweel
    body = [
        "أعلنت شركة “محروقات حمص” اليوم، الثلاثاء 17 من حزيران، عن تشغيل خط “6 إنش” لنقل "
        "المواد البترولية بين محافظتي حمص وحماة، بعد توقف دام 14 عامًا.",
        "وأكد مدير فرع الشركة، يحيى الطالب، أن إعادة تشغيل الخط بعد توقف 14 عامًا، يحقق "
        "مرونة في التوزيع ويخفف من تكاليف النقل بالصهاريج.",
        "في حين تعرض خط النفط الممتد من حمص إلى طرطوس لاستهداف أدى إلى خروجه عن الخدمة عام 2014.",
    ]
    prompt = "اذا كنت تعتقد/تعتقدين أن المقال يحوي معلومات خاطئة أو لديك تفاصيل إضافية"
    page = (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{caption}</p>{''.join(f'<p>{p}</p>' for p in body)}"
        f'<h3><a href="/h/">{headline}</a></h3><p>{prompt}<a href="#">أرسل/أرسلي تصحيحًا</a></p>'
        "</article></body></html>"
    )
    result = extract_article(page)
    assert result.paragraphs == body and result.title == title and result.language == "ar"
    removed = {(r.reason, r.text) for r in result.removed}
    assert ("title repeated in the body", title) in removed
    assert ("image caption", caption) in removed
    assert ("link-only headlines after the body", headline.replace("ـ", "")) in removed
    assert ("correction or complaint prompt", prompt + "أرسل/أرسلي تصحيحًا") in removed
    # a dashless "<date> (<note>)" with a numeric date is main text on a real page
    note = "Einsendeschluss: 03.11.2019 (Poststempel)"
    from pipeline.boilerplate import compiled_rules, rule_reason, rules_for

    assert rule_reason(note, compiled_rules(rules_for(None))) is None


def test_guessed_language_drops_an_other_script_link_but_keeps_quoted_lines() -> None:
    body = [
        "The singer closed the concert with the chorus of her best-known song, which the crowd "
        "sang back to her in Mandarin, line by line, until the lights came up.",
        "只能想念你",  # the chorus itself: main text of the page, not a language switch
        "She said afterwards that she had not expected a crowd in this city to know every word.",
        "The tour continues next month with six more dates, most of them already sold out, and a "
        "final concert in the capital that will be broadcast live on national radio.",
        "Tickets for the extra matinee go on sale on Friday morning at the box office only, the "
        "organisers said, to keep them out of the hands of resellers.",
    ]
    page = (
        "<html><body><nav><a href='/'>Home</a></nav><main><article>"
        + "".join(f"<p>{p}</p>" for p in body)
        + '<p><a href="/ar/">النسخة العربية من المقال</a></p></article></main></body></html>'
    )
    result = extract_article(page)  # no --lang: English guessed from the body
    assert result.paragraphs == body and result.language == "en"
    assert "النسخة العربية من المقال" in {r.text for r in result.removed}
    from pipeline.boilerplate import compiled_rules, rules_for
    from pipeline.extract import _rule_reason

    rules = compiled_rules(rules_for(None))
    link = "النسخة العربية من المقال"
    assert _rule_reason(link, rules, "en", False, is_link=True) == "other language (ar)"
    assert _rule_reason(link, rules, "en", False, is_link=False) is None
    assert _rule_reason(link, rules, "en", True, is_link=False) == "other language (ar)"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("By Jane Doe, Reuters", "byline"),
        ("By Jane Doe | March 3, 2020", "byline"),
        ("Chloe Kim will es wissen. © AFP / KIRILL KUDRYAVTSEV", "image caption"),
        ("Titelbild: Geyres Christophe/ABACA/picture-alliance", "image caption"),
        ("Fot. Lukasz Nowaczyk / Agencja Gazeta", "image caption"),
        ("Evan Vucci / AP Photo", "image caption"),
        ("Lea también: Impiden ingreso a Nicaragua a reportero", "related link (read also)"),
        ("Lesen Sie hier: Spielabbruch in der Kreisliga", "related link (read also)"),
        ("À lire aussi » Ballonnements, lourdeurs", "related link (read also)"),
        ("Schon gelesen?", "related-articles heading"),
        ("Read Next", "related-articles heading"),
        ("Kommentare insgesamt: 0", "comment form"),
        ("Click to share on Twitter (Opens in new window)", "share bar"),
        ("Anzeige, enthält Affiliate Links", "advertisement"),
        (
            "If you’re seeing this message but you’re already a subscriber, you can log in",
            "newsletter appeal",
        ),
        ("Filed under: Politics, Europe", "tags"),
        ("Our Standards: The Thomson Reuters Trust Principles.", "outlet self-description"),
        ("Aktualisiert am 17.01.2021.", "date line"),
        # main text that looks like them stays
        ("By Tuesday, the council had agreed to the plan.", None),
        ("The figures were wrong, according to documents seen by Reuters.", None),
        ("Neu im Sortiment (Bestellung gilt auch für das Wake News © Feiertags-Angebot):", None),
        ("Einsendeschluss: 03.11.2019 (Poststempel)", None),
        ("Photo albums from the 1950s were found in the attic of the house.", None),
    ],
)
def test_generic_rules_on_lines_from_real_pages(text: str, reason: str | None) -> None:
    from pipeline.boilerplate import compiled_rules, rule_reason, rules_for

    assert rule_reason(text, compiled_rules(rules_for(None))) == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Share this with Facebook", "share bar"),
        ("These are external links and will open in a new window", "share bar"),
        ("Media playback is unsupported on your device", "page furniture (player, reading time)"),
        ("5 min read", "page furniture (player, reading time)"),
        ("Supported by", "advertisement"),
        ("Supported by the evidence, the court ruled against the company.", None),
        # the outlet talking about itself, in words of our own
        ("Download the Daily Courier app for iOS and Android.", "outlet self-description"),
        (
            "Follow The Courier on Twitter and Instagram @courier, and send us tips on WhatsApp.",
            "outlet self-description",
        ),
        ("Write a letter to the editor: we print a few every Saturday.", "outlet self-description"),
        ("We may earn a commission when you buy through links here.", "affiliate disclosure"),
        ("Enjoyed this story? Please consider supporting our journalism.", "donation plea"),
        ("Sign up to get our morning briefing in your inbox.", "newsletter appeal"),
        ("You Might Also Like", "related-articles heading"),
        ("NOTAS RELACIONADAS", "related-articles heading"),
        ("MIRA: El alcalde inaugura el puente nuevo", "related link (read also)"),
        ("Lea: La lluvia cierra tres carreteras del norte", "related link (read also)"),
        # main text that looks like them stays
        ("MIRA-Award für junge Musikerinnen geht nach Graz", None),
        ("We may receive compensation from the state, the farmers said after the vote.", None),
        ("The council will download the data from the app every week, she said.", None),
    ],
)
def test_generic_rules_on_news_page_furniture(text: str, reason: str | None) -> None:
    from pipeline.boilerplate import compiled_rules, rule_reason, rules_for

    assert rule_reason(text, compiled_rules(rules_for(None))) == reason


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", comparison_form(text)))


def test_generic_path_keeps_every_word_plain_trafilatura_keeps_nothing_run_together() -> None:
    # a page of our own, unlike our templates: a quote of two paragraphs, a table whose cells
    # hold paragraphs and line breaks, a list, and the same figures repeated in a table
    import trafilatura

    intro = (
        "The committee published its findings on Thursday after a year of hearings in four "
        "cities, and the chair said the report would go to parliament within a month."
    )
    page = (
        "<html><head><title>Findings of the water committee</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news/'>News</a></nav><main><article>"
        "<h1>Findings of the water committee</h1>"
        f"<p>{intro}</p>"
        "<blockquote><p>We heard from farmers and engineers</p><p>Nobody wanted another dry "
        "summer</p></blockquote>"
        "<p>The report lists the reservoirs that will be enlarged first, with their costs.</p>"
        "<table><tr><th>Reservoir</th><th>Status</th></tr>"
        "<tr><td><p>North Lake</p><p>upper basin</p></td><td>Approved</td></tr>"
        "<tr><td>Stone Valley<br>lower basin</td><td>Approved</td></tr>"
        "<tr><td>Old Mill</td><td>Approved</td></tr></table>"
        "<ul><li>Work starts in spring next year</li><li>Costs are shared with the regions"
        "</li></ul>"
        "<p>The chair thanked the witnesses and the staff of the committee for their work over "
        "a long and difficult year of hearings.</p>"
        "</article></main></body></html>"
    )
    result = extract_article(page, url="https://example.org/water")
    plain = trafilatura.extract(page, include_comments=False, include_tables=True) or ""
    title_words = _words("Findings of the water committee")
    # word for word what plain trafilatura keeps, less the title that heads the body
    assert _words(result.text) == _words(plain) - title_words
    assert "We heard from farmers and engineers" in result.paragraphs
    assert "Nobody wanted another dry summer" in result.paragraphs
    assert "North Lake upper basin" in result.paragraphs  # one cell, its paragraphs apart
    assert "Stone Valley lower basin" in result.paragraphs
    assert result.paragraphs.count("Approved") == 3  # a table's repeated cell is main text
    assert "Work starts in spring next year" in result.paragraphs  # no "- " list marker
    assert not any(p.startswith("- ") or p.startswith("|") for p in result.paragraphs)


def test_a_repeated_paragraph_stays_unless_it_is_a_repeated_link() -> None:
    chorus = "And the river runs on to the sea"
    verses = [
        "The choir opened the festival with a song written for the town's flood of 1953.",
        "Its composer, now ninety, sat in the front row and sang along with the audience.",
        "The festival runs until Sunday, with concerts every evening in the market square.",
    ]
    teaser = "Festival guide: where to eat, park and sleep this weekend"
    page = (
        f"<html><body><article><p>{verses[0]}</p><p><a href='/guide'>{teaser}</a></p>"
        f"<p>{chorus}</p><p>{verses[1]}</p><p>{chorus}</p><p><a href='/guide'>{teaser}</a></p>"
        f"<p>{verses[2]}</p></article></body></html>"
    )
    result = extract_article(page)
    assert result.paragraphs.count(chorus) == 2
    assert result.paragraphs.count(teaser) == 1
    assert ("duplicate paragraph", teaser) in {(r.reason, r.text) for r in result.removed}


def test_a_related_heading_inside_a_related_list_already_dropped() -> None:
    body = [
        "The bridge reopened on Monday after eight months of repairs to its northern span, "
        "and the first buses crossed it before dawn.",
        "Engineers said the new bearings should last fifty years with the inspections now "
        "planned every spring and autumn, and that the span would carry heavier lorries.",
        "Shopkeepers on both banks said trade had fallen by a third while the bridge was shut, "
        "and the council promised a month of free parking to bring customers back.",
        "The ferry that carried foot passengers during the works will keep running at weekends "
        "until the end of the year, the transport office said in a statement.",
    ]
    page = (
        "<html><head><title>Bridge reopens</title></head><body><nav><a href='/'>Home</a></nav>"
        "<main><article>"
        + "".join(f"<p>{p}</p>" for p in body)
        + "<h2>Related</h2><ul><li><a href='/a'>Most Read</a></li>"
        "<li><a href='/b'>Ferry timetable changes for the winter</a></li></ul>"
        "</article></main></body></html>"
    )
    result = extract_article(page)
    assert result.paragraphs == body
    related = [r.text for r in result.removed if r.reason == "related-articles list"]
    assert related == ["Most Read", "Ferry timetable changes for the winter"]


def test_trafilatura_body_on_our_own_tree_is_the_public_calls_body() -> None:
    """read_page runs trafilatura's cascade on the tree it parsed (bare_extraction would copy
    the tree first): the same body, element for element, and the same text as the public call
    gives, on every gold page, whole and as a container, on a one-line page, and none for a page
    with no text."""
    import copy

    import trafilatura
    from lxml import etree
    from trafilatura.utils import load_html

    from pipeline.extract import _extracted_body, _extractor_options

    pages = [p.read_text(encoding="utf-8") for p in PAGES]
    pages += ["<html><body><p>One line.</p></body></html>", "<html><body><div></div></body></html>"]
    for page in pages:
        for in_container in (False, True):
            options = _extractor_options(in_container)
            tree = load_html(page)
            public = trafilatura.bare_extraction(copy.deepcopy(tree), options=options)
            body, text = _extracted_body(tree, options)
            if page == pages[-1]:
                assert public is None and body is None and text is None
                continue
            assert etree.tostring(body, encoding="unicode") == etree.tostring(
                public.body, encoding="unicode"
            )
            assert text == public.text
