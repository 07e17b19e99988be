"""A site profile's regexes and selectors, checked when the profile is loaded.

Regexes a profile applies to scraped input in the crawler process (an article URL path, a post
id) are compiled with RE2 (`google-re2`), which matches in time linear in the input whatever
the pattern: Python's `re` backtracks, and `^(\\w+\\s?)*$` against one long link held the
crawler at 100% CPU for hours, deaf to Ctrl-C (its matcher never lets signal handlers run). A
pattern RE2 cannot run (lookaround, backreferences) is refused at load in one line. In RE2,
\\d, \\w, \\s and \\b are ASCII (URL paths are), and `\\p{L}`, `\\p{Arabic}` name Unicode classes.

Boilerplate patterns (`drop_patterns`, matched against paragraphs of Arabic as well as Latin
text) keep Python's syntax and Unicode classes: they run only in the extraction workers, which
a per-page time budget stops (crawler/pool.py). Selectors (CSS with parsel's ::text/::attr(),
pruning XPaths) are compiled at load, so a typo is refused once instead of failing every page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Protocol

import re2  # google-re2
from lxml import etree
from parsel.csstranslator import HTMLTranslator

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would also print its own error on stderr


class PatternMatch(Protocol):
    def groupdict(self) -> dict[str, str | None]: ...

    def __getitem__(self, group: str | int) -> str: ...


@lru_cache(maxsize=256)
def linear_regex(pattern: str) -> Any:
    """`pattern` compiled with RE2; ValueError (one line) if RE2 cannot run it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0] if exc.args else exc
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise ValueError(
            f"{pattern!r} is not a pattern RE2 can run ({why}): profile regexes are matched in "
            "linear time, so lookaround and backreferences are not available"
        ) from None


class PathPattern:
    """An article URL path pattern: `include` matches (group "id" when the URL carries the
    article's stable id), and none of `exclude` is found in the path. RE2 both; pickled as
    its source (it travels to the extraction workers with the profile)."""

    def __init__(self, include: str, exclude: tuple[str, ...] = ()) -> None:
        self.include = include
        self.exclude = tuple(exclude)
        self._include = linear_regex(include)
        self._exclude = [linear_regex(p) for p in self.exclude]

    def match(self, path: str) -> PatternMatch | None:
        found = self._include.match(path)
        if found is None or any(p.search(path) for p in self._exclude):
            return None
        return found

    @property
    def pattern(self) -> str:
        return self.include

    def __reduce__(self) -> tuple[type[PathPattern], tuple[str, tuple[str, ...]]]:
        return (PathPattern, (self.include, self.exclude))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PathPattern)
            and (self.include, self.exclude) == (other.include, other.exclude)
        )

    def __hash__(self) -> int:
        return hash((self.include, self.exclude))

    def __repr__(self) -> str:
        extra = f", exclude={self.exclude!r}" if self.exclude else ""
        return f"PathPattern({self.include!r}{extra})"


def python_regex(pattern: str) -> str:
    """A pattern for Python's `re` (boilerplate paragraphs), checked; ValueError (one line)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
    return pattern


_TRANSLATOR = HTMLTranslator()


@lru_cache(maxsize=1024)
def css_xpath(css: str) -> etree.XPath:
    """A CSS selector compiled to XPath once per process (the page readers' form of it)."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css))


def css_selector(query: str) -> str:
    """A profile's CSS selector (parsel's ::text and ::attr() included), compiled to XPath as the
    page readers will; ValueError (one line) if it is not one."""
    try:
        css_xpath(query)
    except Exception as exc:  # cssselect's SelectorSyntaxError, lxml's XPathSyntaxError, ...
        raise ValueError(f"not a CSS selector: {query!r} ({_first_line(exc)})") from None
    return query


def xpath_expression(query: str) -> str:
    """A pruning XPath, compiled; ValueError (one line) if it is not one."""
    try:
        etree.XPath(query)
    except etree.XPathError as exc:
        raise ValueError(f"not an XPath expression: {query!r} ({_first_line(exc)})") from None
    return query


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
