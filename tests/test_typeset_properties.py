"""Hard guarantees of fit(), checked with hypothesis over arbitrary Unicode text."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogimage.typeset import BoxSpec, fit, graphemes, segments
from ogimage.typeset import kinsoku as K
from typeset_measures import em_measure, kerned_measure

PIECES = [
    "漢字", "かな", "カタカナ", "ー", "っ", "。", "、", "「", "」", "（", "）", "『", "』", "…",
    "한국어 ", "word ", "hyphen-", "a/b", "https://x.com/a_b?c=d ", " ", "  ", "\n", "👨‍👩‍👧",
    "🇯🇵", "1️⃣", "👍🏽", "é", "e\u0301", "مرحبا ", "שלום ", "สวัสดี", "नमस्ते ", "―", "!", "?",
    "\u00a0", "\u200b", "\u3000", "ファインチューニング", "Internationalization",
]
text_st = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=20).map("".join),
)
box_st = st.builds(
    lambda w, lo, span, lines, h: BoxSpec(w, lo, lo + span, lines, 1.2, h),
    st.floats(20, 1200), st.integers(4, 40), st.integers(0, 40), st.integers(1, 4),
    st.one_of(st.none(), st.floats(10, 400)),
)
lang_st = st.sampled_from([None, "ja", "zh-Hans", "zh-Hant", "ko", "th", "en"])
SETTINGS = settings(max_examples=int(os.environ.get("TYPESET_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
HANG = set(K.HANGING)


def _no_start(line: str) -> bool:
    return line[:1] in K.NO_START


def _no_end(line: str) -> bool:
    return line[-1:] in K.NO_END


@SETTINGS
@given(text_st, lang_st)
def test_segments_round_trip(text, lang):
    segs = segments(text, lang)
    assert "".join(s.text for s in segs) == text
    assert all(s.text for s in segs)
    # units never split a grapheme cluster
    cut, pos = set(), 0
    for s in segs[:-1]:
        pos += len(s.text)
        cut.add(pos)
    pos, bounds = 0, set()
    for g in graphemes(text):
        pos += len(g)
        bounds.add(pos)
    assert cut <= bounds


@SETTINGS
@given(text_st, box_st, lang_st, st.sampled_from([em_measure, kerned_measure]))
def test_fit_guarantees(text, box, lang, measure):
    lay = fit(text, box, measure, lang)
    assert len(lay.lines) <= box.max_lines
    assert lay.font_size == int(lay.font_size)
    assert box.min_size <= lay.font_size <= box.max_size or not lay.lines
    for line in lay.lines:
        assert line.width == measure(line.text, lay.font_size)
        assert line.width <= box.width * (1 + 1e-9) or len(graphemes(line.text)) == 1 or (
            lay.truncated and line.text == "…"), line
    if not lay.truncated:
        # the lines' text joined back is the input, allowing the spaces dropped at breaks
        rest = text
        for line in lay.lines:
            rest = rest.lstrip("".join(HANG))
            assert rest.startswith(line.text), (rest, line.text)
            rest = rest[len(line.text):]
            rest = rest.lstrip("".join(HANG))
        assert rest.strip("".join(HANG)) == ""
    else:
        assert lay.lines and lay.lines[-1].text.endswith("…")


@SETTINGS
@given(text_st, box_st, lang_st)
def test_kinsoku_unless_unavoidable(text, box, lang):
    text = "".join(" " if ch in K.MANDATORY else ch for ch in text)  # only soft breaks here
    lay = fit(text, box, em_measure, lang)
    texts = [line.text for line in lay.lines]
    for i, t in enumerate(texts):
        if not t:
            continue
        if i > 0 and _no_start(t) and texts[i - 1]:
            # allowed only if the previous line could not keep it: it must be that
            # no kinsoku-clean break existed (an over-wide unit split at its last resort)
            assert _unavoidable(texts[i - 1] + t, box, lay.font_size), texts
        if i < len(texts) - 1 and _no_end(t):
            assert _unavoidable(t + texts[i + 1], box, lay.font_size), texts


def _unavoidable(joined: str, box: BoxSpec, size: float) -> bool:
    """The two lines' text contains no kinsoku-clean break that fits (a run of no-break chars)."""
    gs = graphemes(joined)
    ok = [K.can_end(a) and K.can_start(b) for a, b in zip(gs, gs[1:])]
    return not any(ok) or em_measure(joined, size) > box.width
