"""Decoding fetched HTML when the declared charset may be wrong.

Scrapy/w3lib decode by the declared charset and silently insert U+FFFD when it lies; archived
Arabic text must not be mojibake, so a lying declaration is detected, repaired and noted.
"""

from __future__ import annotations

from dataclasses import dataclass

import charset_normalizer
from w3lib.encoding import html_to_unicode, resolve_encoding


@dataclass(frozen=True)
class DecodedHtml:
    text: str
    encoding: str
    note: str | None = None


def decode_html(
    body: bytes, *, content_type: str | None = None, fallbacks: tuple[str, ...] = ()
) -> DecodedHtml:
    """Decode `body` by BOM, HTTP header and <meta>; if that declaration does not fit the bytes,
    try `fallbacks` (a site's known legacy encodings) then a statistical guess."""
    declared, text = html_to_unicode(content_type, body)
    declared = resolve_encoding(declared) or declared
    # Non-ASCII bytes that are all valid UTF-8 are UTF-8 whatever the page declares: a page
    # saved as UTF-8 text keeps its old <meta charset> (real pages declaring windows-1252 came
    # out as mojibake, "â€™" for "’"), and legacy text almost never forms valid UTF-8 sequences.
    if not declared.startswith("utf") and not body.isascii() and _strict_ok(body, "utf-8"):
        return DecodedHtml(
            body.decode("utf-8"), "utf-8", f"declared {declared}, but the bytes are UTF-8"
        )
    if "\ufffd" not in text or _strict_ok(body, declared):
        return DecodedHtml(text, declared)
    for candidate in (*fallbacks, "utf-8"):
        if candidate != declared and _strict_ok(body, candidate):
            return DecodedHtml(
                body.decode(candidate),
                candidate,
                f"declared {declared} does not fit the bytes; decoded as {candidate}",
            )
    guess = charset_normalizer.from_bytes(body).best()
    if guess is not None and guess.encoding != declared:
        return DecodedHtml(
            str(guess),
            guess.encoding,
            f"declared {declared} does not fit the bytes; guessed {guess.encoding}",
        )
    return DecodedHtml(text, declared, f"undecodable bytes replaced (declared {declared})")


def _strict_ok(body: bytes, encoding: str) -> bool:
    try:
        decoded = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    # Single-byte codecs decode anything: require that no C1 control characters come out.
    return not any("\x80" <= ch <= "\x9f" for ch in decoded)
