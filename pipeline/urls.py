"""URL canonicalisation: one form per article, whatever variant a page linked to."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string


def same_site(url: str, base_url: str) -> bool:
    """True when `url` is on the host of `base_url` (scheme and a leading www. ignored)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    base = urlsplit(base_url)
    base_host = (base.hostname or "").removeprefix("www.")
    if host != base_host:
        return False
    port = urlsplit(url).port
    return port is None or port == base.port or base.port is None


# the last segment of a path ending in a file name with an extension (.html, .php, .aspx)
FILE_NAME = re.compile(r"/[^/]+\.(?:s?html?|php\d?|aspx?|jsp|cfm)$", re.IGNORECASE)


def canonical_url(url: str, *, base_url: str) -> str:
    """Scheme and host of `base_url`, no query or fragment, trailing slash (not after a file
    name: /story.html stays as it is, /story.html/ is another URL that most servers 404),
    percent-encoding normalised (upper-case escapes, UTF-8 for raw non-ASCII such as Arabic
    slugs)."""
    safe = safe_url_string(url.strip(), encoding="utf-8")
    path = urlsplit(canonicalize_url(safe, keep_fragments=False)).path or "/"
    if not path.endswith("/") and not FILE_NAME.search(path):
        path += "/"
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, path, "", ""))


def request_url(url: str) -> str:
    """A URL safe to put on the wire: raw Arabic percent-encoded as UTF-8, fragment dropped."""
    parts = urlsplit(safe_url_string(url.strip(), encoding="utf-8"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
