"""URL canonicalisation and hostile encodings."""

from __future__ import annotations

import pytest

from pipeline.encoding import DecodedHtml, decode_html
from pipeline.urls import canonical_url, request_url, same_site

EN = "https://english.enabbaladi.net"
AR = "https://www.enabbaladi.net"


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (f"{EN}/archives/2024/04/a-b/?so=related", EN, f"{EN}/archives/2024/04/a-b/"),
        ("http://english.enabbaladi.net/archives/2024/04/a-b", EN, f"{EN}/archives/2024/04/a-b/"),
        (f"{EN}/archives/2024/04/a-b/#comments", EN, f"{EN}/archives/2024/04/a-b/"),
        # Raw Arabic and either case of percent-encoding give one form.
        (f"{AR}/700100/أعرب/", AR, f"{AR}/700100/%D8%A3%D8%B9%D8%B1%D8%A8/"),
        (f"{AR}/700100/%d8%a3%d8%b9%d8%b1%d8%a8/", AR, f"{AR}/700100/%D8%A3%D8%B9%D8%B1%D8%A8/"),
        (
            "http://127.0.0.1:8701/archives/2024/04/a-b",
            "http://127.0.0.1:8701",
            "http://127.0.0.1:8701/archives/2024/04/a-b/",
        ),
        # a file name keeps its form: /story.html/ is another URL (a 404 on most servers)
        (f"{EN}/en/stories/a-b.html?utm=x", EN, f"{EN}/en/stories/a-b.html"),
        (f"{EN}/news/view.php", EN, f"{EN}/news/view.php"),
    ],
)
def test_canonical_url(url: str, base: str, expected: str) -> None:
    assert canonical_url(url, base_url=base) == expected


def test_request_url_encodes_arabic_and_drops_fragment() -> None:
    assert request_url(f"{AR}/700100/أعرب/#x") == f"{AR}/700100/%D8%A3%D8%B9%D8%B1%D8%A8/"


def test_same_site() -> None:
    assert same_site("http://www.enabbaladi.net/1/", AR)
    assert not same_site("https://www.example.com/799002/", AR)
    assert not same_site("http://127.0.0.1:9/x", "http://127.0.0.1:8")


ARABIC = (
    "<html><head><title>إدلب.. موسم القمح</title></head><body><p>دولار واحد شهريًا</p></body></html>"
)


def test_utf8_page_decodes_as_declared() -> None:
    decoded = decode_html(ARABIC.encode("utf-8"), content_type="text/html; charset=utf-8")
    assert decoded.encoding == "utf-8" and decoded.note is None
    assert "موسم القمح" in decoded.text


def test_windows_1256_under_a_utf8_header_is_repaired_and_noted() -> None:
    decoded = decode_html(
        ARABIC.encode("cp1256"),
        content_type="text/html; charset=utf-8",
        fallbacks=("windows-1256",),
    )
    assert decoded.encoding == "windows-1256"
    assert decoded.note == "declared utf-8 does not fit the bytes; decoded as windows-1256"
    assert "موسم القمح" in decoded.text and "\ufffd" not in decoded.text


def test_meta_charset_is_honoured_without_a_header() -> None:
    body = (
        '<html><head><meta charset="windows-1256"></head><body>' + "موسم القمح" + "</body></html>"
    ).encode("cp1256")
    decoded = decode_html(body, content_type="text/html")
    assert decoded.encoding == "cp1256" and "موسم القمح" in decoded.text and decoded.note is None


def test_literal_replacement_character_in_valid_utf8_is_kept() -> None:
    decoded = decode_html("<p>a \ufffd b</p>".encode(), content_type="text/html; charset=utf-8")
    assert decoded.note is None and "\ufffd" in decoded.text


def test_utf8_bytes_under_a_stale_legacy_meta_charset_are_utf8() -> None:
    # a page saved as UTF-8 text that kept its windows-1252 <meta>: "’" must not become "â€™"
    body = (
        '<html><head><meta charset="windows-1252"></head><body><p>It’s déjà vu</p></body></html>'
    ).encode()
    decoded = decode_html(body)
    assert decoded.encoding == "utf-8" and "It’s déjà vu" in decoded.text
    assert decoded.note == "declared cp1252, but the bytes are UTF-8"
    legacy = body.decode().encode("cp1252")  # the same page really in windows-1252
    assert decode_html(legacy) == DecodedHtml(body.decode(), "cp1252")
