"""trafilatura's evaluation set (990 real pages, ../shared/data/real-pages/), read for a bench:
unpacked to a temporary folder, never into the repository. Imports nothing of `pipeline`, so a
bench that loads another checkout's package can use it too."""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REAL_PAGES = REPO.parent / "shared" / "data" / "real-pages" / "trafilatura-eval.tar.gz"


def read_real_pages(limit: int, decode: Callable[[bytes], str]) -> list[tuple[str, Any, str]]:
    """The first `limit` pages (0: all) as (URL, the set's annotation, page text decoded by
    `decode`), in the set's order; [] where the set is absent."""
    if not REAL_PAGES.exists():
        return []
    with tempfile.TemporaryDirectory(prefix="bitext-real-pages-") as tmp:
        with tarfile.open(REAL_PAGES) as archive:
            archive.extractall(tmp, filter="data")
        root = Path(tmp) / "trafilatura-eval"
        items = list(json.loads((root / "evaldata.json").read_text(encoding="utf-8")).items())
        pages = []
        for url, item in items[: limit or None]:
            path = root / "cache" / item["file"]
            path = path if path.exists() else root / "eval" / item["file"]
            pages.append((url, item, decode(path.read_bytes())))
    return pages
