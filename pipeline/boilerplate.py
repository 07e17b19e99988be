"""Boilerplate every news site has, as text rules, and boilerplate learned from one site's pages.

The generic rules are what a reader recognises whatever the theme: they look at a paragraph's
text, never at where the theme put it, in English and Arabic. A site profile's rules extend
them (`rules_for`) with what only that site says. Learned boilerplate is a paragraph, in its
comparison form, that recurs on many pages of one site (the repeated-line filter of large web
corpora, per site).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.profile import ExtractionRules, LanguageSite
from pipeline.text import comparison_form

EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
EN_MONTHS_SHORT = r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
AR_MONTHS = (  # Levantine and Egyptian month names
    "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول|"
    "يناير|فبراير|مارس|أبريل|إبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر"
)
_DATE = (
    rf"(?:(?:{EN_MONTHS}|(?:{EN_MONTHS_SHORT})\.?) \d{{1,2}},? \d{{4}}"
    rf"|\d{{1,2}} (?:{EN_MONTHS}|(?:{EN_MONTHS_SHORT})\.?),? \d{{4}}"
    rf"|\d{{1,2}} (?:من )?(?:{AR_MONTHS}) \d{{4}}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})"
)
_NAMED_DATE = (
    rf"(?:(?:{EN_MONTHS}) \d{{1,2}},? \d{{4}}|\d{{1,2}} (?:{EN_MONTHS}),? \d{{4}}"
    rf"|\d{{1,2}} (?:من )?(?:{AR_MONTHS}) \d{{4}})"
)
_NAME = r"[A-Z\u0600-\u06ff][\w.'’-]*(?: [A-Z\u0600-\u06ff][\w.'’-]*){0,3}"  # a byline's
SOCIAL = (
    "Facebook|Twitter|X|WhatsApp|Whatsapp|Telegram|LinkedIn|Linkedin|Email|E-mail|Print|"
    "Pinterest|Reddit|Messenger|Copy link|Copy Link|Instagram|YouTube|Youtube|Newsletter|RSS|"
    "Tumblr|VKontakte|Odnoklassniki|Pocket|Skype|Viber|Line|Share via Email|Share via email|"
    "Flipboard|Threads|Bluesky|Mastodon|TikTok|Google News|Google\\+|"
    "فيسبوك|فيس بوك|تويتر|واتساب|واتس اب|تلغرام|تيليغرام|لينكدإن|البريد الإلكتروني|طباعة|"
    "إنستغرام|انستغرام|يوتيوب|النشرة البريدية|نسخ الرابط"
)
RELATED_HEADINGS = (
    "Related Articles",
    "Related Posts",
    "Related Stories",
    "Related News",
    "Related",
    "Read also",
    "Read Also",
    "Read more",
    "Read More",
    "More stories",
    "More Stories",
    "You may also like",
    "Recommended",
    "Most read",
    "Most Read",
    "مقالات ذات صلة",
    "مواضيع ذات صلة",
    "أخبار ذات صلة",
    "اقرأ أيضًا",
    "اقرأ أيضاً",
    "اقرأ أيضا",
    "إقرأ أيضًا",
    "إقرأ أيضا",
    "الأكثر قراءة",
    "اقرأ المزيد",
    # the same headings on the European-language pages of the real-pages development set
    "Auch interessant",
    "Das könnte Sie auch interessieren",
    "Das könnte dich auch interessieren",
    "Weitere Themen",
    "Weitere Artikel",
    "Mehr zum Thema",
    "Empfohlene Beiträge",
    "Ähnliche Beiträge",
    "À lire aussi",
    "A lire aussi",
    "Lire aussi",
    "Sur le même sujet",
    "Lee también",
    "Noticias relacionadas",
    "Leggi anche",
    "Czytaj też",
    "Czytaj także",
    "Zobacz też",
    "Schon gelesen?",
    "Zum Weiterlesen",
    "Mehr Themen",
    "Weitere Artikel zum Thema",
    "Das Thema könnte dich auch interessieren",
    "Das könnte Sie auch interessieren",
    "Lesen Sie auch",
    "Lesen Sie auch die folgenden Beiträge",
    "Kommentierte Artikel",
    "More from this section",
    "More on this story",
    "Related Topics",
    "Related Coverage",
    "Read Next",
    "Read next",
    "Up Next",
    "Trending",
    "Popular",
    "Latest News",
    "Latest Stories",
    "Recommended for you",
    # news pages of many English sites
    "You might also like",
    "You May Also Like",
    "You Might Also Like",
    "Related Content",
    "Related content",
    "Editors’ Recommendations",
    "Editors' Recommendations",
    "Editor's Picks",
    "Editors' Picks",
    "Top Stories",
    "Top stories",
    "More News",
    "More news",
    "Notas relacionadas",
    "NOTAS RELACIONADAS",
    "Contenido relacionado",
    "Contenido Relacionado",
)
_READ_ALSO = (
    r"(?:Read|READ|See|SEE) (?:also|Also|ALSO|more|More|MORE)|Also read|Also Read|Related"
    r"|[اإ]قرأ (?:أيض(?:ًا|اً|ا)|المزيد)|شاهد أيض(?:ًا|اً|ا)|طالع أيض(?:ًا|اً|ا)|للمزيد"
    r"|Lesen Sie (?:auch|mehr|hier)|Auch lesen|Mehr zum Thema|À lire aussi|A lire aussi"
    r"|Lire aussi|Czytaj (?:też|także)|Dowiedz się więcej|Lee también|Lea (?:también|más)"
    r"|Le puede interesar|Puedes ver|PUEDES VER|Leggi anche"
    r"|LEE TAMBIÉN|LEA TAMBIÉN|Vea también|VEA TAMBIÉN"
    r"|LE PUEDE INTERESAR|TE PUEDE INTERESAR|Te puede interesar"
)
# lead-ins of one short word: only with a colon or a bar after them ("MIRA-Award" is a name)
_READ_ALSO_WORD = r"LEA|Lea|MIRA|Mira|Mire|MIRE|VEA|Vea"

# (pattern matched against one paragraph, reason). Patterns with a length bound only fire on
# short paragraphs: an appeal is a few lines, a body paragraph quoting one is not boilerplate.
GENERIC_RULES = ExtractionRules(
    drop_patterns=(
        (
            r"^(?:ADVERTISEMENT|Advertisement|Sponsored|ANZEIGE|Anzeige|إعلان|اعلان)"
            r"(?:\s*[-–—:,]\s*.{0,60})?$"
            r"|^(?:Story continues below(?: this)? advertisement|Continue reading (?:the main "
            r"story|below)|Supported by)$",
            "advertisement",
        ),
        (
            r"^(?:Media playback is unsupported on your device"
            r"|Listen to (?:this )?article(?: \d+ min(?:utes)?)?|\d{1,2} min(?:ute)?s? read)$",
            "page furniture (player, reading time)",
        ),
        (r"^(?:Back to top(?: button)?|Top|↑|العودة للأعلى|إلى الأعلى)$", "navigation"),
        (
            r"^(?:Please enter your (?:comment|name here)!?|Leave a (?:[Rr]eply|[Cc]omment)"
            r"|Your email address will not be published.{0,80}|أضف تعليقًا|اترك تعليقًا"
            r"|(?:View|Show|Load) (?:all )?[Cc]omments|Kommentare(?: insgesamt)?:?(?: \d+)?"
            r"|(?:No|Keine) (?:[Cc]omments|Kommentare)(?: \(.{0,80}\))?)$",
            "comment form",
        ),
        (rf"^(?:{'|'.join(map(re.escape, RELATED_HEADINGS))})\s*:?$", "related-articles heading"),
        (rf"^(?:{_READ_ALSO})\s*[:：\-–—|»]\s*\S.{{0,250}}$", "related link (read also)"),
        (rf"^(?:{_READ_ALSO_WORD})\s*[:：|»]\s*\S.{{0,250}}$", "related link (read also)"),
        (r"^(?:A A A|ع ع ع|A\+ A-|A- A\+)$", "font-size controls"),
        (
            r"^(?:All rights reserved|Copyright\b|©|\(c\) \d{4}|جميع الحقوق محفوظة|حقوق النشر)"
            r"|^.{0,200}(?:All rights reserved|جميع الحقوق محفوظة)\.?$",
            "copyright",
        ),
        (r"^•?\s*(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} \w+ \d{4}$", "date header"),
        (r"^logo$", "logo"),
        # "<what the photo shows> - <date> (<credit>)", and a credit alone: "(Reuters)"
        (rf"^(?=.{{0,400}}\)$).{{0,300}}\s[-–—]\s{_DATE}\s*\([^()]{{1,80}}\)$", "image caption"),
        # without the dash only with a month's name: «... بين حمص وحماة 17 حزيران 2025 (سانا)»
        # ("Einsendeschluss: 03.11.2019 (Poststempel)" is a real page's main text)
        (
            rf"^(?=.{{0,400}}\)$)(?:\S+\s){{3}}.{{0,300}}\s{_NAMED_DATE}\s*\([^()]{{1,80}}\)$",
            "image caption",
        ),
        (r"^\((?:[^()\d]{1,60})\)$", "image caption"),
        # a credit that ends a caption or stands alone: "... © AFP / MARCO BERTORELLO",
        # "Evan Vucci / AP Photo", "(Photo: X/Pool via REUTERS)."
        (r"^(?=.{0,260}$)[^©]*\S\s*©\s*\w[^.!?©():]{0,60}$", "image caption"),
        (
            r"^(?=.{0,120}$)(?=.*(?:/|©|Photo|Foto|Credit))"
            r".*(?:Getty Images|Shutterstock|AP Photo|AFP|REUTERS|Reuters|EPA|Bloomberg|Alamy"
            r"|iStock|dpa|picture[- ]alliance)\)?\.?\)?$",
            "image caption",
        ),
        (
            r"^(?:Photo|Image|Picture|Photograph|File photo|صورة|الصورة)\s*:.{1,150}$"
            # a credit in other languages: a name and an agency, or a few words
            r"|^(?:(?:Photo credit|Credit|Bild|Foto|Fotos|Titelbild|Beitragsbild|Crédits? photos?"
            r"|Image illustrative)\s*:|Fot\.)\s*(?=.{1,150}$)(?:.*[/©].*|(?:\S+ ?){1,6})$",
            "image caption",
        ),
        (
            r"^(?:Image (?:copyright|caption|source)|Media caption|Getty Images$)"
            r"|^\(?(?:Photo|Photograph|Picture|Image)s? (?:by|courtesy of|credit:?) "
            r"[^.]{1,100}\)?$",
            "image caption",
        ),
        (
            r"^(?:Last [Uu]pdated|Updated|Published|Posted|First published|Aktualisiert(?: am)?"
            r"|Letzte Änderung|Veröffentlicht(?: am)?)\b(?:[^.]|(?<=\d)\.(?=\d)){0,70}\.?$",
            "date line",
        ),
        (
            rf"^(?:By|BY|بقلم:?) {_NAME}(?:,? (?:and|&|و) {_NAME})?"
            # and where from: "By Jane Doe, Reuters", "By Jane Doe | March 3, 2020"
            r"(?:(?:,| [|•·—–-]) (?=[A-Z0-9\u0600-\u06ff])[\w .,:'’&/-]{1,60})?$",
            "byline",
        ),
        (
            r"^(?:(?:إ?[اذ]ا|إذا) كنت تعتقد|If you (?:believe|think) (?:that )?(?:this|the) "
            r"(?:article|story|report)|(?:Found|Spotted|See) (?:an? )?(?:error|mistake|typo)"
            r"|Report an? (?:error|correction)|(?:Submit|Send us) a correction"
            r"|(?=.{0,300}$).*(?:أرسل/أرسلي تصحيحًا|قدم/قدمي شكوى))",
            "correction or complaint prompt",
        ),
        (
            r"^(?=.{0,260}$).*(?:Propaganda distorts the truth|(?:needs|need) free media"
            r"|We need your support|\$\d+ a month|Support (?:our|independent|us\b)"
            r"|Click here to (?:support|donate)|(?:Donate|Subscribe) (?:now|today)"
            r"|[Mm]ake a donation|Become a (?:member|supporter|patron)"
            r"|free,? independent journalism|(?:consider )?supporting our (?:work|journalism)"
            r"|[Ss]upport (?:our|quality|local) journalism"
            r"|الإعلام الموجّ?ه|بحاجة للصحافة الحرة|ونحن بحاجتك|دولار واحد شهري|ادعم(?:وا)? "
            r"|تبرع(?:وا)? (?:الآن|لنا)|ساهم(?:وا)? في استمرار)",
            "donation plea",
        ),
        (r"^Support (?:[A-Z][\w'-]+ ?){1,4}[.!…]*$", "donation plea"),  # "Support Enab Baladi.."
        (
            r"^(?=.{0,260}$).*(?:Sign up (?:for|to) (?:our|the) (?:\w+ )?newsletter"
            r"|[Bb]y signing up (?:for|to)"
            r"|Subscribe to (?:our|the) (?:\w+ )?newsletter|Get (?:our|the) newsletter"
            r"|Join our mailing list|اشترك(?:وا)? في (?:النشرة|نشرتنا)|النشرة البريدية:"
            r"|Sign up here|Free Sign Up|already a subscriber|Newsletter abonnieren"
            r"|Sign up to (?:get|receive) (?:the|our)\b)",
            "newsletter appeal",
        ),
        (  # the same appeals where they open the paragraph: tried at its start only
            r"^(?=.{0,260}$)(?:Zum Newsletter anmelden|Already a subscriber"
            r"|To (?:view|read|continue reading) the (?:full|rest of the) (?:story|article)"
            r"|Pour lire la suite|Pour accéder en illimité|Subscribe to (?:read|continue))",
            "newsletter appeal",
        ),
        (
            rf"^(?:(?:Share|SHARE|Share this(?: article| story| with)?|Share on|Tweet"
            rf"|Follow us(?: on)?|شارك(?: المقال| هذا المقال)?|مشاركة|تابعونا(?: على)?"
            rf"|تابعنا(?: على)?|Teilen(?: mit)?|Partager|Compartir|Condividi|Udostępnij)"
            rf"\s*[:|]?\s*)"
            rf"(?:(?:{SOCIAL})[\s,|·•/]*)*$",
            "share bar",
        ),
        (rf"^(?:(?:{SOCIAL})[\s,|·•/]*)+$", "share bar"),
        (
            r"^(?:Click to (?:share on [\w+ ]{1,20}|email (?:a link to|this to) a friend|print)"
            r"(?: \(Opens in new window\))?|Like this:|Like Loading\.\.\.|Loading\.\.\."
            r"|Copy this link|These are external links and will open in a new window)$",
            "share bar",
        ),
        (
            r"^(?=.{0,600}$)(?:[\w.&'’ -]{2,60} is an? (?:independent|non-?profit|nonpartisan|"
            r"leading|Syrian|Arab)\b.{0,80}\b(?:media|news|newspaper|outlet|organi[sz]ation|"
            r"publication|platform|website)\b"
            r"|(?:\S+ )?(?:مؤسسة|منصة|موقع|وكالة|صحيفة|جريدة) (?:\S+ ){0,2}مستقل)",
            "outlet self-description",
        ),
        (
            r"^(?:Tags|TAGS|Topics|Keywords|Filed [Uu]nder|Tagged(?: with)?|Categories|Kategorie"
            r"|Schlagwörter|الوسوم|وسوم|الكلمات المفتاحية|كلمات مفتاحية)\s*:",
            "tags",
        ),
        (
            r"^(?:Our Standards: The Thomson Reuters Trust Principles\.?"
            r"|Follow (?:us|@?\w+(?: \w+)?) on (?:Twitter|Facebook|Instagram|X)\b.{0,60})$"
            # "Follow The Gleaner on Twitter and Instagram @... Send us a message on WhatsApp"
            r"|^(?=.{0,300}$)Follow (?:us|@?\w+(?: \w+){0,2}) on (?:Twitter|Facebook|Instagram"
            r"|X|Telegram|WhatsApp|TikTok|LinkedIn|YouTube|Google News)\b",
            "outlet self-description",
        ),
        (  # the outlet's own app, letters page, affiliate links: a line about the site
            r"^(?=.{0,300}$).*(?:[Dd]ownload (?:the|our) (?:[\w.&'’-]+ ){0,3}apps? "
            r"(?:for|on|from) (?:iOS|Android|the App Store|Google Play)"
            r"|(?:Submit|Send|Write) (?:us )?(?:a|your) letter to the editor"
            r"|Read more Letters to the Editor)",
            "outlet self-description",
        ),
        (
            r"^(?=.{0,400}$).*(?:[Ww]e may (?:receive|earn|get) (?:compensation|a (?:small )?"
            r"(?:commission|share)|an affiliate commission)\b.{0,60}"
            r"\b(?:links?|click|buy|purchase|visit|partners?|products?)\b"
            r"|This (?:post|article|page) contains (?:affiliate links|references to products))",
            "affiliate disclosure",
        ),
    ),
)


def rules_for(side: LanguageSite | None) -> tuple[ExtractionRules, ...]:
    """The generic rules, extended by the site's own when there is a profile."""
    return (GENERIC_RULES,) if side is None else (GENERIC_RULES, side.extraction)


CompiledRules = tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
GENERIC_MAX = 700  # characters: no generic rule fires on a longer paragraph (none is tried)


@lru_cache(maxsize=64)
def compiled_rules(rule_sets: tuple[ExtractionRules, ...]) -> CompiledRules:
    """Each rule set's patterns as one alternation, one scan a paragraph; group k's reason is
    reasons[k]. The generic patterns (the first set) are all anchored at the start, so they are
    tried there only; a profile's are searched, as their authors wrote them."""
    compiled = []
    for k, rules in enumerate(rule_sets):
        if not rules.drop_patterns:
            continue
        joined = "|".join(f"(?P<r{n}>{p})" for n, (p, _) in enumerate(rules.drop_patterns))
        pattern = re.compile(joined if k == 0 else f".*?(?:{joined})", re.DOTALL if k else 0)
        compiled.append((pattern, tuple(why for _, why in rules.drop_patterns)))
    return tuple(compiled)


def rule_reason(text: str, rules: CompiledRules) -> str | None:
    """The reason of the first rule `text` breaks, if any."""
    for k, (pattern, reasons) in enumerate(rules):
        if k == 0 and len(text) > GENERIC_MAX:
            continue
        if (match := pattern.match(text)) and match.lastgroup:
            return reasons[int(match.lastgroup[1:])]
    return None


MIN_PAGES = 3  # a paragraph on this many pages of one site is the site's, not an article's


@dataclass
class SiteBoilerplate:
    """Paragraphs seen on the pages of each site, one vote a page (a page is one article: its
    versions and copies vote once, or a story's paragraphs would look repeated)."""

    min_pages: int = MIN_PAGES
    seen: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # site -> key -> pages

    def add_page(self, site: str, page: str, paragraphs: Iterable[str]) -> None:
        keys = self.seen.setdefault(site, {})
        for paragraph in paragraphs:
            keys.setdefault(comparison_form(paragraph), set()).add(page)

    def pages(self, site: str) -> int:
        return len({p for pages in self.seen.get(site, {}).values() for p in pages})

    def repeated(self, site: str | None) -> dict[str, int]:
        """comparison form -> number of pages, for the paragraphs that are the site's."""
        if site is None:
            return {}
        threshold = max(self.min_pages, math.ceil(0.02 * self.pages(site)))
        return {
            key: len(pages)
            for key, pages in self.seen.get(site, {}).items()
            if len(pages) >= threshold
        }
