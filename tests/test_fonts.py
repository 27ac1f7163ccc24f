"""The bundled fonts and ogimage.fonts: coverage, fallback runs, CJK faces, measuring."""

from __future__ import annotations

import logging
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ogimage.errors import FontError
from ogimage.fonts import FontBook, Run
from ogimage.resources import fonts_dir

DATA = Path(__file__).parent / "data"
FONTS = fonts_dir()
LIMIT = 60 * 1000 * 1000


def titles(name: str = "titles.tsv") -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, _, title = line.partition("\t") if "\t" in line else ("", "", line)
            rows.append((lang, title))
    return rows


@pytest.fixture(scope="module")
def book() -> FontBook:
    return FontBook.bundled()


def faces_of(runs: list[Run]) -> list[tuple[str, str]]:
    return [(r.text, f"{r.face.family}#{r.face.index}") for r in runs]


# ---------------------------------------------------------------- the bundle


def test_bundle_is_under_60_mb_and_complete():
    files = [p for p in FONTS.iterdir() if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total < LIMIT, f"bundle is {total / 1e6:.1f} MB"
    names = {p.name for p in files}
    for required in ("manifest.toml", "README.md", "Inter-Regular.otf", "Inter-Bold.otf",
                     "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoColorEmoji.ttf",
                     "LICENSE-Inter.txt", "LICENSE-NotoSans.txt", "LICENSE-NotoSansCJK.txt",
                     "LICENSE-NotoColorEmoji.txt"):
        assert required in names
    for licence in FONTS.glob("LICENSE-*.txt"):
        assert "SIL OPEN FONT LICENSE" in licence.read_text(encoding="utf-8").upper()


def test_manifest_parses_and_names_real_files():
    data = tomllib.loads((FONTS / "manifest.toml").read_text(encoding="utf-8"))
    assert data["fallback"][0] == "Inter"
    assert data["emoji"] == "Noto Color Emoji"
    for name in data["fallback"]:
        assert name in data["families"]
    for fam in data["families"].values():
        for spec in fam["weights"].values():
            assert (FONTS / spec["file"]).is_file()
    cjk = data["families"]["Noto Sans CJK"]["weights"]["regular"]["faces"]
    assert cjk == {"ja": 0, "ko": 1, "zh-Hans": 2, "zh-Hant": 3, "zh-HK": 4}


def test_cjk_collection_faces_are_in_manifest_order():
    from fontTools.ttLib import TTCollection

    for weight in ("Regular", "Bold"):
        collection = TTCollection(str(FONTS / f"NotoSansCJK-{weight}.ttc"), lazy=True)
        names = [str(f["name"].getDebugName(1)) for f in collection.fonts]
        assert names == [f"Noto Sans CJK {r}" for r in ("JP", "KR", "SC", "TC", "HK")]


def test_book_loads(book):
    assert book.families[:1] == ["Inter"]
    assert "Noto Color Emoji" in book.families
    assert book.layout_engine() == "raqm"
    assert FontBook.bundled() is book


# ---------------------------------------------------------------- coverage


@pytest.mark.parametrize("lang,title", titles() + titles("bench_titles.txt"))
def test_every_sample_title_is_covered(book, lang, title):
    assert book.missing(title) == []


def test_unassigned_and_private_use_are_missing_and_logged_once(caplog):
    book = FontBook(FONTS / "manifest.toml")  # its own: "once" is per book, and other tests share the bundled one
    text = "ok \U000F0001 \u0378 \U000F0001 \U0010FFFD"
    with caplog.at_level(logging.WARNING, logger="ogimage.fonts"):
        assert book.missing(text) == ["\U000F0001", "\u0378", "\U0010FFFD"]
        assert book.missing(text) == ["\U000F0001", "\u0378", "\U0010FFFD"]
    logged = [r.getMessage() for r in caplog.records if r.name == "ogimage.fonts"]
    assert len(logged) == 1  # one line for the three, and nothing the second time
    assert "3 characters" in logged[0] and "U+F0001" in logged[0] and "U+10FFFD" in logged[0]


def test_format_characters_are_not_missing(book):
    assert book.missing("a\u200db\ufe0fc\u200e") == []


# ---------------------------------------------------------------- itemising


def test_japanese_title_with_latin_word(book):
    runs = book.runs_for("DeepSeekが公開した", "Inter", "bold", "ja")
    assert faces_of(runs) == [("DeepSeek", "Inter#0"), ("が公開した", "Noto Sans CJK#0")]
    assert runs[1].lang == "ja" and runs[0].direction == runs[1].direction == "ltr"
    assert runs[1].face.weight == "bold" and "Bold" in runs[1].face.path.name


@pytest.mark.parametrize("lang,index", [("ja", 0), ("ja-JP", 0), ("ko", 1), ("zh", 2), ("zh-Hans", 2),
                                        ("zh-CN", 2), ("zh-Hant", 3), ("zh-TW", 3), ("zh-Hant-TW", 3),
                                        ("zh-HK", 4), ("zh_hk", 4)])
def test_han_takes_the_face_of_the_language(book, lang, index):
    (run,) = book.runs_for("漢字", "Inter", "regular", lang)
    assert run.face.family == "Noto Sans CJK" and run.face.index == index


def test_korean_title_uses_the_kr_face(book):
    (run,) = book.runs_for("강화 학습의 미개척 잠재력", "Inter", "regular", "ko")
    assert run.face.index == 1 and run.lang == "ko"


def test_without_a_cjk_language_the_text_picks_the_face(book):
    assert book.runs_for("東京の朝", "Inter", "regular", "en")[0].face.index == 0  # kana: JP
    assert book.runs_for("서울 漢字", "Inter", "regular", "")[0].face.index == 1  # hangul: KR
    assert book.runs_for("漢字", "Inter", "regular", "")[0].face.index == 0  # default_lang ja


def test_zh_hant_title(book):
    runs = book.runs_for("專家混合（MoE）架構", "Inter", "regular", "zh-Hant")
    assert faces_of(runs) == [("專家混合（", "Noto Sans CJK#3"), ("MoE", "Inter#0"), ("）架構", "Noto Sans CJK#3")]
    assert runs[0].lang == "zh-Hant"


def test_emoji_go_to_the_emoji_face_as_whole_clusters(book):
    text = "Ship 🚀 👨\u200d👩\u200d👧 🇯🇵 1\ufe0f\u20e3 👍🏽 ✅ done"
    runs = book.runs_for(text, "Inter", "bold", "en")
    emoji = [r.text for r in runs if r.face.is_emoji]
    assert emoji == ["🚀", "👨\u200d👩\u200d👧", "🇯🇵", "1\ufe0f\u20e3", "👍🏽", "✅"]
    assert all(not r.face.is_emoji for r in runs if r.text.strip() and r.text not in emoji)
    assert "".join(r.text for r in runs) == text


def test_text_presentation_stays_text(book):
    runs = book.runs_for("© 2026 ↑", "Inter", "regular", "en")
    assert faces_of(runs) == [("© 2026 ↑", "Inter#0")]


def test_arabic_is_rtl_in_the_arabic_face(book):
    runs = book.runs_for("المصدر المفتوح مقابل المصدر المغلق", "Inter", "regular", "ar")
    assert [(r.face.family, r.direction, r.lang) for r in runs] == [("Noto Sans Arabic", "rtl", "ar")]


def test_hebrew_with_digits_and_english(book):
    runs = book.runs_for("הקרב 2026 על Python", "Inter", "regular", "he")
    got = [(r.text.strip(), r.face.family, r.direction) for r in runs if r.text.strip()]
    assert got == [("הקרב", "Noto Sans Hebrew", "rtl"), ("2026", "Inter", "ltr"),
                   ("על", "Noto Sans Hebrew", "rtl"), ("Python", "Inter", "ltr")]


@pytest.mark.parametrize("text,family", [("การต่อสู้ครั้งต่อไป", "Noto Sans Thai"),
                                         ("हिन्दी में शीर्षक", "Noto Sans Devanagari"),
                                         ("Следующая битва", "Inter"), ("Η επόμενη μάχη", "Inter"),
                                         ("Cuộc chiến tiếp theo", "Inter")])
def test_scripts_take_their_family(book, text, family):
    assert [r.face.family for r in book.runs_for(text, "Inter", "regular", "")] == [family]


_NEW_SCRIPTS = [  # bundled for issue #16: each drew tofu before
    ("বাংলা ভাষা", "Bengali", "bn"), ("தமிழ் மொழி", "Tamil", "ta"), ("తెలుగు భాష", "Telugu", "te"),
    ("ಕನ್ನಡ ಭಾಷೆ", "Kannada", "kn"), ("മലയാളം ഭാഷ", "Malayalam", "ml"), ("ગુજરાતી ભાષા", "Gujarati", "gu"),
    ("ਪੰਜਾਬੀ ਭਾਸ਼ਾ", "Gurmukhi", "pa"), ("සිංහල භාෂාව", "Sinhala", "si"), ("ភាសាខ្មែរ", "Khmer", "km"),
    ("ພາສາລາວ", "Lao", "lo"), ("မြန်မာဘာသာ", "Myanmar", "my"), ("የአማርኛ ፊደል", "Ethiopic", "am"),
    ("ქართული ენა", "Georgian", "ka"), ("Հայերեն լեզու", "Armenian", "hy"),
]


@pytest.mark.parametrize(("text", "script", "lang"), _NEW_SCRIPTS)
@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_every_major_script_has_a_face_and_is_shaped_with_its_language(book, text, script, lang, weight):
    from ogimage.typeset import detect_lang

    assert detect_lang(text) == lang
    runs = book.runs_for(text, "Inter", weight, lang)
    assert [r.face.family for r in runs] == [f"Noto Sans {script}"]
    assert runs[0].lang == lang and runs[0].face.weight == weight
    assert book.missing(text) == []
    assert book.measurer("Inter", weight, lang)(text, 40) > 0


def test_spaces_and_punctuation_stay_in_the_current_run(book):
    runs = book.runs_for("강화 학습: 수학과, 코딩", "Inter", "regular", "ko")
    assert len(runs) == 1
    runs = book.runs_for("Hello, World — again!", "Inter", "regular", "en")
    assert len(runs) == 1


def test_runs_concatenate_to_the_text(book):
    for lang, title in titles() + titles("bench_titles.txt"):
        assert "".join(r.text for r in book.runs_for(title, "Inter", "bold", lang)) == title


def test_unknown_family_is_a_font_error(book):
    with pytest.raises(FontError):
        book.measurer("Comic Sans", "regular", "en")


# ---------------------------------------------------------------- measuring


def test_measurer_equals_ink_advance(book, ink_line):

    for lang, title in titles():
        for size in (40, 64):
            width = book.measurer("Inter", "bold", lang)(title, size)
            assert width > 0
            assert ink_line(book, title, "Inter", "bold", size, lang).advance == pytest.approx(width, abs=1e-6)


def test_measure_is_whole_run_not_sum_of_characters(book):
    measure = book.measurer("Inter", "regular", "en")
    # kerning: "AV" is narrower than "A" + "V"
    assert measure("AV", 100) < measure("A", 100) + measure("V", 100) - 1


def test_measurer_scales_about_linearly(book):
    for lang, title in titles():
        measure = book.measurer("Inter", "regular", lang)
        small, big = measure(title, 40), measure(title, 80)
        assert big / small == pytest.approx(2.0, rel=0.03), (lang, title)


def test_bold_is_wider_than_regular(book):
    title = "The Next Battle Is Reasoning"
    assert book.measurer("Inter", "bold", "en")(title, 64) > book.measurer("Inter", "regular", "en")(title, 64)


def test_emoji_width_scales_from_the_109px_strike(book):
    measure = book.measurer("Inter", "regular", "en")
    one = measure("🚀", 109)
    assert 100 < one < 160
    assert measure("🚀", 54.5) == pytest.approx(one / 2)
    face = book.runs_for("🚀", "Inter", "regular", "en")[0].face
    assert book.font(face, 30).size == 109


def test_bidi_levels_from_python_bidi(monkeypatch):
    from ogimage.fonts import unicode as uni

    cases = {"abc שלום 123 def": "0000111112220000", "שלום Hello עולם": "111112222211111",
             "הקרב (2026) הוא": "111111222211111", "plain": "00000"}
    for text, expected in cases.items():
        levels, base = uni.bidi_levels(text)
        assert "".join(map(str, levels)) == expected
        assert uni._python_bidi_levels(text, base) == levels  # the fallback agrees
    assert uni.bidi_levels("abc", base=1) == ([2, 2, 2], 1)
    # the fast path (Rust unicode-bidi) is the one in use
    monkeypatch.setattr(uni, "_python_bidi_levels", lambda *a: pytest.fail("fallback used"))
    uni.bidi_levels("שלום Hello")


def test_every_right_to_left_code_point_is_in_the_blocks_the_fast_path_looks_for():
    """bidi_levels skips its per-character look-up when MAYBE_RTL finds nothing: that must
    never miss a code point of a right-to-left bidi class (checked against unicodedata)."""
    import sys
    import unicodedata

    from ogimage.fonts import unicode as uni

    missed = [hex(cp) for cp in range(sys.maxunicode + 1)
              if unicodedata.bidirectional(chr(cp)) in uni.RTL_CLASSES and not uni.MAYBE_RTL.match(chr(cp))]
    assert not missed
    assert uni.bidi_levels("中文 한국어 日本語")[0] == [0] * 10
    assert uni.bidi_levels("中文 שלום")[0][-4:] == [1, 1, 1, 1]


def test_zero_size_measures_zero(book):
    assert book.measurer("Inter", "regular", "en")("Hello", 0) == 0


# ---------------------------------------------------------------- digest


def test_digest_is_stable_and_follows_the_font_bytes(tmp_path, book):
    copy = tmp_path / "fonts"
    shutil.copytree(FONTS, copy)
    first = FontBook(copy / "manifest.toml")
    assert first.digest == book.digest == FontBook(copy / "manifest.toml").digest
    assert len(first.digest) == 64
    with open(copy / "NotoSansHebrew-Bold.ttf", "r+b") as f:  # same size, one byte changed
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert FontBook(copy / "manifest.toml").digest != first.digest
    assert first.digest == book.digest  # computed once per book, not re-read


def test_missing_manifest_is_a_font_error(tmp_path):
    with pytest.raises(FontError):
        FontBook(tmp_path / "manifest.toml")
    (tmp_path / "manifest.toml").write_text('[families.X.weights]\nregular = { file = "nope.ttf" }\n')
    with pytest.raises(FontError, match="not found"):
        FontBook(tmp_path / "manifest.toml")


# ---------------------------------------------------------------- user fonts


def test_a_folder_of_user_fonts_extends_coverage(tmp_path, book, tiny_font):
    pua = 0xF0001
    tiny_font(tmp_path / "Private.ttf", "Private Glyphs", [pua, ord("A")])
    assert book.missing(chr(pua)) == [chr(pua)]
    extended = FontBook(FONTS / "manifest.toml", extra_dirs=[tmp_path])
    assert "Private Glyphs" in extended.families and extended.fallback[-1] == "Private Glyphs"
    assert extended.missing(f"A{chr(pua)}") == []
    runs = extended.runs_for(f"A{chr(pua)}", "Inter", "regular", "en")
    assert faces_of(runs) == [("A", "Inter#0"), (chr(pua), "Private Glyphs#0")]
    # as a requested family it comes first
    assert extended.runs_for("A", "Private Glyphs", "regular", "en")[0].face.family == "Private Glyphs"
    assert extended.digest != book.digest
    assert extended.measurer("Private Glyphs", "bold", "en")("AA", 100) == pytest.approx(140)


# ---------------------------------------------------------------- robustness


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_itemises_and_measures(text):
    book = FontBook.bundled()
    runs = book.runs_for(text, "Inter", "regular", "en")
    assert "".join(r.text for r in runs) == text or any("\ud800" <= c <= "\udfff" for c in text)
    width = book.measurer("Inter", "regular", "ar")(text, 32)
    assert width == sum(book.run_width(r, 32) for r in book.runs_for(text, "Inter", "regular", "ar"))
    book.missing(text)


@pytest.mark.parametrize("text", ["", " ", "   ", "\u0301", "\u200d", "\ufe0f", "\ud800", "a\udc00b",
                                  "\x00\n\t", "\U000E0001", "🤌\n", "😀\x1e", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"])
def test_odd_strings_do_not_crash(book, text):
    book.runs_for(text, "Inter", "bold", "ja")
    width = book.measurer("Inter", "bold", "ja")(text, 40)
    assert width == sum(book.plan_run(r, 40).width for r in book.runs_for(text, "Inter", "bold", "ja"))
    book.missing(text)
    assert book.measurer("Inter", "bold", "ja")("", 40) == 0


@given(st.lists(st.tuples(st.integers(0, 0x2FFFF), st.integers(0, 300)), max_size=8))
@settings(max_examples=200, deadline=None)
def test_coverage_bitmap_is_the_set_of_its_ranges(spans):
    from ogimage.fonts.cmap import Coverage

    ranges = [(a, a + n) for a, n in spans]
    expected = {cp for a, b in ranges for cp in range(a, b + 1)}
    cov = Coverage.from_ranges(ranges)
    assert set(cov) == expected and len(cov) == len(expected)
    probes = {p for a, b in ranges for p in (a - 1, a, b, b + 1)} | {0, 0x10FFFF, -1}
    assert all((p in cov) == (p in expected) for p in probes)
    other = Coverage.from_codepoints([0x41, 0x3042])
    assert set(cov | other) == expected | {0x41, 0x3042}


@given(st.lists(st.tuples(st.integers(0, 0x2FFFF), st.integers(0, 40), st.integers(0, 3)), max_size=12))
@settings(max_examples=200, deadline=None)
def test_coverage_from_cmap_groups(groups):
    from ogimage.fonts.cmap import Coverage

    groups = sorted(groups)
    expected = {cp for start, n, glyph in groups for cp in range(start + (glyph == 0), start + n + 1)}
    cov = Coverage.from_groups([g[0] for g in groups], [g[0] + g[1] for g in groups], [g[2] for g in groups])
    assert set(cov) == expected


def test_coverage_readers_equal_fonttools_on_every_bundled_face(book):
    """Our format 12 and format 4 cmap readers agree with fontTools' own cmap, face by face."""
    from fontTools.ttLib import TTFont

    from ogimage.fonts import cmap

    for face in book._all_faces():
        font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
        try:
            expected = {cp for cp, name in font.getBestCmap().items() if name != ".notdef"}
        finally:
            font.close()
        cmap._COVERAGE_BY_CMAP.clear()
        assert set(cmap.read_coverage(face.path, face.index)) == expected, face.path.name


def test_what_a_request_can_vary_does_not_grow_the_font_book(engine) -> None:
    """The language tag and the text are the client's: thousands of distinct tags and giant
    clusters leave the chain cache within its bytes and no giant cluster in a memo (issue 10:
    these were dicts that grew with every new tag)."""
    from ogimage.caches import registry
    from ogimage.fonts.book import CHAINS_BYTES, MEMO_CLUSTER_CHARS

    book = engine.fonts
    for i in range(6000):
        book.runs_for(f"Tag {i} 日本語", "Inter", "bold", f"en-x-t{i:05d}", None)
        book.runs_for("\U0001F44B" + "\U0001F3FD" * (20 + i % 200), "Inter", "bold", "en", None)
    chains = [c for c in registry.caches() if c.name == "chains"]
    assert chains and all(c.bytes <= CHAINS_BYTES for c in chains)
    assert sum(len(c) for c in chains) < 6000
    memos = book._cluster_face.values()
    assert memos and max(len(k) for memo in memos for k in memo) <= MEMO_CLUSTER_CHARS
