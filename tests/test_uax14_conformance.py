"""Unicode's own line-breaking conformance file (UAX #14, LineBreakTest.txt) against segments().

The file is tests/data/LineBreakTest-15.0.0.txt.gz: Debian's unicode-data copy, gzipped
(64 KB), kept here so CI needs no apt package and the expectations cannot change under
us with a distribution upgrade. Every case is run through ``segments(text, "en")`` (the
base rules; no BudouX, no CJK mode). ogimage implements a table-driven subset of UAX #14
made for titles, so some rules differ on purpose: each case that fails is charged to the
rule the file names at its first differing position, and every such rule is listed in
:data:`SKIPPED` with the reason a typesetter accepts. The pass rate is reported in the
README ("Typesetting"); :data:`FLOOR` keeps it from going down unnoticed.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

from ogimage.typeset.segment import segments

DATA = Path(__file__).parent / "data" / "LineBreakTest-15.0.0.txt.gz"
FLOOR = 6010  # of 7654 cases pass today (78.5 %)

SKIPPED = {
    "18.0": "SP ÷: a tab (BA) or NBSP (GL) right after a space; cards fold tabs into spaces "
            "and NBSP glues on both sides here",
    "999.0": "LB31 break everywhere else: BB, B2, CB, AI, XX and most symbols are treated as "
             "letters, so no break between, e.g., # and — (a title is words, not symbol soup)",
    "20.01": "÷ CB: U+FFFC is a letter here", "20.02": "CB ÷: U+FFFC is a letter here",
    "7.01": "× SP: graphemes come first (UAX #29), so a space followed by a modifier or ZWJ "
            "is one cluster that is not a space",
    "9.0": "X CM* → X: after a space or break a combining mark is its own cluster start",
    "28.0": "(AL|HL) × (AL|HL): letters of some classes (SA, AI, XX) count as ideographs or "
            "breaks are allowed between them",
    "21.02": "× HY: a hyphen-minus after a space can start a line here (−5 in a title)",
    "21.03": "× NS: only the kinsoku no-start characters are NS here",
    "21.04": "BB ×: BB characters are letters here",
    "21.1": "HL (HY|BA) ×: Hebrew letter rules are not modelled",
    "21.2": "SY × HL: Hebrew letter rules are not modelled",
    "19.01": "× QU: quotation marks may break where kinsoku allows",
    "19.02": "QU ×: quotation marks may break where kinsoku allows",
    "22.0": "× IN: only … and ‥ are inseparable here",
    "8.0": "ZW SP* ÷: spaces after a ZWSP are not tracked",
    "8.1": "ZWJ ×: a ZWJ after a space is part of the space's cluster",
    "11.02": "WJ × / × WJ: after spaces not tracked",
    "15.0": "QU SP* × OP: not tracked across spaces",
    "16.0": "(CL|CP) SP* × NS: not tracked across spaces",
    "17.0": "B2 SP* × B2: not tracked across spaces",
    "23.02": "(AL|HL) × NU: no NU class here", "23.03": "NU × (AL|HL): no NU class here",
    "23.12": "PR × (ID|EB|EM): no PR class here",
    "24.02": "(PR|PO) × (AL|HL): no PR/PO classes here",
    "24.03": "(AL|HL) × (PR|PO): no PR/PO classes here",
    "29.0": "IS × (AL|HL): a full stop before a letter may break here",
    "30.01": "(AL|HL|NU) × OP: an opening bracket after a letter may start a line",
    "30.02": "CP × (AL|HL|NU): after a closing parenthesis a letter may start a line",
    "30.11": "EB × EM: a modifier after a space-separated base is its own cluster",
}


def _cases():
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            data, _, comment = line.partition("#")
            chars, breaks, pos = [], set(), 0
            for tok in data.split()[1:]:
                if tok == "÷" and pos:
                    breaks.add(pos)
                elif tok not in ("÷", "×"):
                    chars.append(chr(int(tok, 16)))
                    pos += 1
            rules = re.findall(r"[÷×] \[([\d.]+)\]", comment)
            yield "".join(chars), breaks - {pos}, rules


def _breaks(text: str) -> set[int]:
    out, pos = set(), 0
    for seg in segments(text, "en"):
        pos += len(seg.text)
        out.add(pos)
    return out - {len(text)}


def test_line_break_conformance() -> None:
    passed, total, unexplained, by_rule = 0, 0, [], Counter()
    for text, expected, rules in _cases():
        total += 1
        got = _breaks(text)
        if got == expected:
            passed += 1
            continue
        first = min(got ^ expected)
        rule = rules[first] if first < len(rules) else "?"
        by_rule[rule] += 1
        if rule not in SKIPPED:
            unexplained.append((rule, " ".join(f"{ord(c):04X}" for c in text)))
    print(f"UAX #14 LineBreakTest: {passed}/{total} pass ({passed / total:.1%}); failures by rule: "
          f"{by_rule.most_common()}")
    assert total == 7654
    assert not unexplained, unexplained[:10]
    assert passed >= FLOOR


def test_every_skip_has_a_reason() -> None:
    assert all(len(reason) > 10 for reason in SKIPPED.values())
