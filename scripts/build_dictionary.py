"""Build the bundled Arabic-English word list from FreeDict's ara-eng and eng-ara dictionaries.

    apt-get download dict-freedict-ara-eng dict-freedict-eng-ara
    for f in dict-freedict-*.deb; do dpkg-deb -x "$f" freedict; done
    python scripts/build_dictionary.py freedict/usr/share/dictd \
        -o pipeline/dictionaries/ar-en.tsv.gz

Keeps the entries that are one word on each side (the aligner matches words, not phrases),
both directions merged, deduplicated and sorted, so a rebuild from the same sources gives the
same file. The dictd format (an index of base64 offsets into a gzipped text) is read by hand:
there is no maintained Python reader for it, and it is twenty lines.
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections.abc import Iterator
from pathlib import Path

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
PRONUNCIATION = re.compile(r"/[^/]*/")
NUMBERING = re.compile(r"^\d+\.\s*")
ARABIC_WORD = re.compile(r"^[\u0621-\u064a\u064b-\u0652\u0670]+$")
ENGLISH_WORD = re.compile(r"^[A-Za-z][a-z\-']*$")


def _number(digits: str) -> int:
    value = 0
    for c in digits:
        value = value * 64 + B64.index(c)
    return value


def entries(directory: Path, name: str) -> Iterator[tuple[str, list[str]]]:
    """(headword, translations) of one dictd dictionary."""
    data = gzip.decompress((directory / f"{name}.dict.dz").read_bytes())
    for line in (directory / f"{name}.index").read_text(encoding="utf-8").splitlines():
        head, offset, length = line.split("\t")
        if head.startswith("00database"):
            continue
        start = _number(offset)
        body = data[start : start + _number(length)].decode("utf-8").splitlines()
        translations = [NUMBERING.sub("", PRONUNCIATION.sub("", t)).strip() for t in body[1:]]
        yield head, [t for t in translations if t]


def word_pairs(directory: Path) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for arabic, translations in entries(directory, "freedict-ara-eng"):
        for english in translations:
            if ARABIC_WORD.match(arabic) and ENGLISH_WORD.match(english):
                pairs.add((arabic, english.lower()))
    for english, translations in entries(directory, "freedict-eng-ara"):
        for arabic in translations:
            if ARABIC_WORD.match(arabic) and ENGLISH_WORD.match(english):
                pairs.add((arabic, english.lower()))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dictd", type=Path, help="directory holding freedict-*.index/.dict.dz")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    pairs = sorted(word_pairs(args.dictd))
    header = (
        "# Arabic-English word pairs from FreeDict ara-eng and eng-ara 2022.04.21 "
        "(Arabeyes.org), GPL-2.0-or-later; built by scripts/build_dictionary.py\n"
    )
    text = header + "".join(f"{a}\t{e}\n" for a, e in pairs)
    # mtime=0 and no name in the header: the same sources give byte-identical output
    args.output.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{len(pairs)} word pairs -> {args.output}")


if __name__ == "__main__":
    main()
