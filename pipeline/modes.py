"""Alignment modes: what an alignment's sentence similarity rested on, as its `mode` names it.

    translation            the installed package's machine translation (the crawl, `bitext align`)
    supplied               translations the user gave (`bitext align-files --translation`)
    encoder                the multilingual sentence encoder, no translation
    translation+encoder,   both
    supplied+encoder
    none                   neither: a word list, the lexicon learned over the corpus, lengths and
                           anchors (degraded)

The one place that reads a mode: the stage's "redo when" rule, the report, the exports, `bitext
stats` and `bitext align` ask here. A mode this version does not know (a later aligner's) is
shown as it is and never crashes anything: it counts as neither translated, encoded nor
degraded, and an alignment in it is made again by this version when asked to align.
"""

from __future__ import annotations

TRANSLATED = ("translation", "supplied")
ENCODER = "encoder"
NONE = "none"
_KNOWN = {*TRANSLATED, ENCODER}


def mode_name(*, translated: bool, encoded: bool, supplied: bool = False) -> str:
    """The mode an alignment made with these signals names (as the aligner names it)."""
    base = ("supplied" if supplied else "translation") if translated else ""
    if encoded:
        return f"{base}+{ENCODER}" if base else ENCODER
    return base or NONE


def _parts(mode: str) -> set[str] | None:
    """The signals a mode names; None for a mode this version does not know."""
    if mode == NONE:
        return set()
    parts = mode.split("+")
    return set(parts) if parts and set(parts) <= _KNOWN and len(set(parts)) == len(parts) else None


def known(mode: str) -> bool:
    return _parts(mode) is not None


def translated(mode: str) -> bool:
    """A machine translation (the package's or the user's) took part."""
    return bool((_parts(mode) or set()) & set(TRANSLATED))


def encoded(mode: str) -> bool:
    """The sentence encoder took part."""
    return ENCODER in (_parts(mode) or set())


def degraded(mode: str) -> bool:
    """Made with neither a translation nor the encoder (a known mode only)."""
    return _parts(mode) == set()


def describe(mode: str) -> str:
    """What a mode rested on, in words (a mode not known here: said so, the name kept)."""
    parts = _parts(mode)
    if parts is None:
        return f"{mode} (a mode this version does not know)"
    said = []
    if "translation" in parts:
        said.append("machine translation")
    if "supplied" in parts:
        said.append("supplied translation")
    if ENCODER in parts:
        said.append("sentence encoder")
    return " and ".join(said) if said else "no translation, no encoder (degraded)"


def at_least(stored: str, now: str) -> bool:
    """Does an alignment made in `stored` have every signal one made `now` would have? (an
    unknown stored mode: no)"""
    have, want = _parts(stored), _parts(now)
    if have is None:
        return False
    if want is None:
        return True
    return (translated(stored) or not translated(now)) and (ENCODER in have or ENCODER not in want)
