#!/usr/bin/env python3
"""Rebuild the word dictionaries in ``ogimage/typeset/dictionaries/`` from ICU's data.

Khmer, Lao and Myanmar are written without spaces between words; ICU breaks them with
word lists (``khmerdict.txt``, ``laodict.txt``, ``burmesedict.txt`` in ICU's sources),
which its data package carries compiled as byte tries (``brkitr/*.dict``). This script
reads them from the ICU data Debian ships (``libicudata.so.72`` of ``libicu72``, or an
``icudt*.dat`` given with ``--dat``), walks each trie back into its word list, and writes
one word a line, sorted, compressed with LZMA (``km.txt.xz``, ``lo.txt.xz``,
``my.txt.xz``), beside the licence terms (``LICENSE``, from ICU's own LICENSE file, which
Debian's ICU source package holds: ``apt-get source --download-only icu``).

Idempotent: a file whose bytes would not change is left alone. ``--check`` only reports.

Usage: ``python scripts/build_dictionaries.py [--dat PATH] [--licence icu/LICENSE] [--check]``
"""

from __future__ import annotations

import argparse
import lzma
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ogimage" / "typeset" / "dictionaries"
SYSTEM_DATA = Path("/usr/lib/x86_64-linux-gnu/libicudata.so.72")
DICTS = {"km": "khmerdict.dict", "lo": "laodict.dict", "my": "burmesedict.dict"}

# BytesTrie constants (ICU common/unicode/bytestrie.h)
MIN_LINEAR_MATCH, MAX_LINEAR_MATCH_LENGTH = 0x10, 0x10
MIN_VALUE_LEAD = MIN_LINEAR_MATCH + MAX_LINEAR_MATCH_LENGTH  # 0x20
MIN_ONE_BYTE_VALUE_LEAD = MIN_VALUE_LEAD // 2  # 0x10
MIN_TWO_BYTE_VALUE_LEAD = MIN_ONE_BYTE_VALUE_LEAD + 0x40 + 1  # 0x51
MIN_THREE_BYTE_VALUE_LEAD = MIN_TWO_BYTE_VALUE_LEAD + (0x1AFF >> 8) + 1  # 0x6c
FOUR_BYTE_VALUE_LEAD = 0x7E
MAX_BRANCH_LINEAR_SUB_NODE_LENGTH = 5
MIN_TWO_BYTE_DELTA_LEAD, MIN_THREE_BYTE_DELTA_LEAD, FOUR_BYTE_DELTA_LEAD = 0xC0, 0xF0, 0xFE


def common_data(blob: bytes) -> bytes:
    """The ICU common data package (``CmnD``) inside ``blob`` (a .dat, or the library holding one)."""
    at = 0
    while True:
        at = blob.find(b"\xda\x27", at)
        if at < 0:
            raise SystemExit("no ICU common data (CmnD) found")
        start = at - 2
        if start >= 0 and blob[start + 12:start + 16] == b"CmnD":
            return blob[start:]
        at += 2


def items(data: bytes) -> dict[str, bytes]:
    """Name -> payload (its own header skipped) of every item in a common data package."""
    header = struct.unpack_from("<H", data, 0)[0]
    toc = data[header:]
    count = struct.unpack_from("<I", toc, 0)[0]
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    out = {}
    for i, (name_at, data_at) in enumerate(entries):
        name = toc[name_at:toc.index(b"\0", name_at)].decode("ascii")
        end = entries[i + 1][1] if i + 1 < count else len(toc)
        item = toc[data_at:end]
        out[name] = item[struct.unpack_from("<H", item, 0)[0]:]
    return out


def _read_value(t: bytes, pos: int, lead: int) -> int:
    if lead < MIN_TWO_BYTE_VALUE_LEAD:
        return lead - MIN_ONE_BYTE_VALUE_LEAD
    if lead < MIN_THREE_BYTE_VALUE_LEAD:
        return ((lead - MIN_TWO_BYTE_VALUE_LEAD) << 8) | t[pos]
    if lead < FOUR_BYTE_VALUE_LEAD:
        return ((lead - MIN_THREE_BYTE_VALUE_LEAD) << 16) | (t[pos] << 8) | t[pos + 1]
    if lead == FOUR_BYTE_VALUE_LEAD:
        return (t[pos] << 16) | (t[pos + 1] << 8) | t[pos + 2]
    return int.from_bytes(t[pos:pos + 4], "big", signed=True)


def _skip_value(pos: int, lead_byte: int) -> int:
    if lead_byte >= MIN_TWO_BYTE_VALUE_LEAD << 1:
        if lead_byte < MIN_THREE_BYTE_VALUE_LEAD << 1:
            pos += 1
        elif lead_byte < FOUR_BYTE_VALUE_LEAD << 1:
            pos += 2
        else:
            pos += 3 + ((lead_byte >> 1) & 1)
    return pos


def _jump(t: bytes, pos: int) -> int:
    delta = t[pos]
    pos += 1
    if delta >= MIN_TWO_BYTE_DELTA_LEAD:
        if delta < MIN_THREE_BYTE_DELTA_LEAD:
            delta, pos = ((delta - MIN_TWO_BYTE_DELTA_LEAD) << 8) | t[pos], pos + 1
        elif delta < FOUR_BYTE_DELTA_LEAD:
            delta, pos = ((delta - MIN_THREE_BYTE_DELTA_LEAD) << 16) | (t[pos] << 8) | t[pos + 1], pos + 2
        elif delta == FOUR_BYTE_DELTA_LEAD:
            delta, pos = (t[pos] << 16) | (t[pos + 1] << 8) | t[pos + 2], pos + 3
        else:
            delta, pos = int.from_bytes(t[pos:pos + 4], "big"), pos + 4
    return pos + delta


def _skip_delta(t: bytes, pos: int) -> int:
    delta = t[pos]
    pos += 1
    if delta >= MIN_TWO_BYTE_DELTA_LEAD:
        if delta < MIN_THREE_BYTE_DELTA_LEAD:
            pos += 1
        elif delta < FOUR_BYTE_DELTA_LEAD:
            pos += 2
        else:
            pos += 3 + (delta & 1)
    return pos


def trie_words(t: bytes) -> list[bytes]:
    """Every byte string a BytesTrie holds (a value marks the end of a word)."""
    words: list[bytes] = []
    stack: list[tuple[int, bytes, int]] = [(0, b"", 0)]  # (pos, prefix, branch length or 0: a node)
    while stack:
        pos, prefix, length = stack.pop()
        if length:
            while length > MAX_BRANCH_LINEAR_SUB_NODE_LENGTH:
                pos += 1  # the byte that splits the branch
                stack.append((_jump(t, pos), prefix, length >> 1))
                length -= length >> 1
                pos = _skip_delta(t, pos)
            for _ in range(length - 1):
                byte, node = t[pos], t[pos + 1]
                pos += 2
                if node & 1:  # a final value: a word with nothing after it
                    words.append(prefix + bytes([byte]))
                else:  # the value is the jump to this edge's node
                    stack.append((pos + _skip_value(0, node) + _read_value(t, pos, node >> 1), prefix + bytes([byte]), 0))
                pos = _skip_value(pos, node)
            stack.append((pos + 1, prefix + bytes([t[pos]]), 0))
            continue
        while True:
            node = t[pos]
            pos += 1
            if node >= MIN_VALUE_LEAD:
                words.append(prefix)
                if node & 1:
                    break
                pos = _skip_value(pos, node)
                continue
            if node < MIN_LINEAR_MATCH:
                if node == 0:
                    node = t[pos]
                    pos += 1
                stack.append((pos, prefix, node + 1))
                break
            n = node - MIN_LINEAR_MATCH + 1
            prefix += t[pos:pos + n]
            pos += n
    return words


def dictionary_words(payload: bytes) -> list[str]:
    """The words of one ICU ``.dict`` (DictionaryData: 8 int32 indexes, then a trie)."""
    indexes = struct.unpack_from("<8i", payload, 0)
    trie = payload[indexes[0]:indexes[1]]
    trie_type, transform = indexes[4] & 7, indexes[5]
    if trie_type != 0 or transform >> 24 != 1:
        raise SystemExit(f"unexpected dictionary type {trie_type} / transform {transform:#x}")
    offset = transform & 0x1FFFFF

    def char(b: int) -> str:
        return "\u200d" if b == 0xFF else "\u200c" if b == 0xFE else chr(offset + b)

    return sorted({"".join(char(b) for b in w) for w in trie_words(trie) if w})


LICENCE_HEAD = """Word lists for Khmer (km.txt.xz), Lao (lo.txt.xz) and Myanmar (my.txt.xz) line breaking,
decoded from the word break dictionaries of ICU 72 (khmerdict, laodict, burmesedict) by
scripts/build_dictionaries.py. ICU's licence terms for them follow (from ICU's LICENSE).

"""


def licence(icu_licence: str) -> str:
    """The Unicode licence and the Lao and Burmese dictionaries' own terms, from ICU's LICENSE."""
    head = icu_licence.split("Third-Party Software Licenses", 1)[0].rstrip()
    parts = [head]
    for title in ("Lao Word Break Dictionary Data (laodict.txt)", "Burmese Word Break Dictionary Data (burmesedict.txt)"):
        section = icu_licence.split(title, 1)[1].split("-" * 70, 1)[0]
        parts.append(title + "\n" + section.rstrip())
    return LICENCE_HEAD + ("\n\n" + "-" * 70 + "\n\n").join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dat", type=Path, default=SYSTEM_DATA, help="ICU data: a .dat or libicudata.so")
    ap.add_argument("--licence", type=Path, default=None,
                    help="ICU's LICENSE file (in Debian's ICU source package: apt-get source icu); "
                         "without it the bundled LICENSE is kept as it is")
    ap.add_argument("--check", action="store_true", help="report what would change; exit 1 if anything would")
    args = ap.parse_args(argv)
    data = items(common_data(args.dat.read_bytes()))
    outputs: dict[str, bytes] = {}
    for lang, name in DICTS.items():
        key = next(k for k in data if k.endswith("/brkitr/" + name))
        words = dictionary_words(data[key])
        text = ("\n".join(words) + "\n").encode("utf-8")
        # the LZMA window only needs to hold the list (~2 MB): decoding then needs ~4 MB, not 64
        filters = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 4 << 20}]
        outputs[f"{lang}.txt.xz"] = lzma.compress(text, format=lzma.FORMAT_XZ, filters=filters)
        print(f"{lang}: {len(words)} words, {len(text)} bytes, {len(outputs[lang + '.txt.xz'])} compressed")
    if args.licence is not None:
        outputs["LICENSE"] = licence(args.licence.read_text(encoding="utf-8")).encode("utf-8")
    changed = []
    for name, blob in outputs.items():
        path = OUT / name
        old = path.read_bytes() if path.exists() else None
        if name.endswith(".xz") and old is not None and lzma.decompress(old) == lzma.decompress(blob):
            continue
        if old != blob:
            changed.append(name)
            if not args.check:
                OUT.mkdir(parents=True, exist_ok=True)
                path.write_bytes(blob)
    print("changed:", ", ".join(changed) or "nothing")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
