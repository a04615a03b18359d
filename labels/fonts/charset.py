#!/usr/bin/python3
"""Write the character set of the bundled label fonts to stdout.

The set is printable ASCII, every character of GB 2312 (hanzi and
symbols) and every hanzi of the Table of General Standard Chinese
Characters (通用规范汉字表, field kTGH of the Unihan database). It adds a
few typographic symbols the labels print, and every non-ASCII character
of the files named on the command line, such as the translation catalogs
and the sample data. Characters the source font has no glyph for are
reported on stderr and left out.

Usage: charset.py UNIHAN_OTHER_MAPPINGS SOURCE_FONT [FILE...] > charset.txt
"""
import bz2
import sys

from fontTools.ttLib import TTFont

# Symbols labels print that are outside GB 2312: en dash (0–4 ℃), minus
# sign (−18 ℃), and the middle dot and registered sign for product names.
EXTRA = "\u2013\u2212\u00b7\u00ae"


def gb2312():
    chars = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def tgh(path):
    opener = bz2.open if path.endswith(".bz2") else open
    chars = set()
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) >= 2 and fields[1] == "kTGH":
                chars.add(chr(int(fields[0][2:], 16)))
    return chars


def main():
    mappings, font_path = sys.argv[1], sys.argv[2]
    cmap = TTFont(font_path, fontNumber=2 if font_path.endswith(".ttc") else -1).getBestCmap()

    ascii_chars = {chr(c) for c in range(0x20, 0x7F)}
    table = tgh(mappings)
    if len(table) != 8105:
        sys.exit(f"kTGH lists {len(table)} characters, expected 8105")
    wanted = ascii_chars | gb2312() | table | set(EXTRA)
    for name in sys.argv[3:]:
        with open(name, encoding="utf-8") as f:
            wanted |= {c for c in f.read() if ord(c) > 0x7F}

    missing = sorted(c for c in wanted if ord(c) not in cmap)
    for c in missing:
        print(f"no glyph for U+{ord(c):04X} {c}", file=sys.stderr)
    chars = sorted(c for c in wanted if ord(c) in cmap)
    print(f"{len(chars)} characters, {len(table)} from kTGH", file=sys.stderr)
    sys.stdout.write("".join(chars) + "\n")


if __name__ == "__main__":
    main()
