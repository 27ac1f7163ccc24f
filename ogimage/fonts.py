"""Fonts: the bundled font files, coverage, fallback runs, per-language faces, measuring.

A :class:`FontBook` reads ``fonts/manifest.toml`` (families, weights, faces, the fallback
order, which family is emoji). Text is itemised by grapheme cluster into :class:`Run`\\ s:
each cluster goes to the first face, in the chain *requested family, then the manifest's
fallback order*, whose cmap holds every code point of the cluster. Spaces and punctuation
stay in the run they follow when its face has them; emoji presentation sequences go to the
emoji family; Han characters take the Noto Sans CJK face of the card's language
(``ja`` → JP, ``ko`` → KR, ``zh``/``zh-Hans``/``zh-CN`` → SC, ``zh-Hant``/``zh-TW`` → TC,
``zh-HK`` → HK). With no CJK language given, kana in the text picks JP, hangul picks KR,
and otherwise the manifest's ``default_lang`` (JP).

Runs also carry their bidi embedding level (Unicode Bidirectional Algorithm, resolved by
python-bidi), so a run never mixes directions; runs are in logical order and
:func:`ogimage.draw.text.ink_line` puts them in visual order.

Measuring warns about the trap Pillow's docs warn about: the widths of two strings do not
add up (kerning, shaping, ligatures). :meth:`FontBook.measurer` therefore measures each
whole run as raqm shapes it, with its language and direction, and sums the runs; the same
function gives :attr:`Ink.advance <ogimage.draw.text.Ink.advance>`, so measured and drawn
widths agree exactly at the same size.

Caveats:

* Noto Color Emoji is a bitmap font with one strike at 109 px: :meth:`FontBook.font`
  always opens it at that size, and emoji widths are its advances scaled by
  ``size / 109``.
* Lone surrogates (possible in a Python ``str``, not in one decoded from JSON/UTF-8) are
  replaced by U+FFFD for shaping and drawing, and reported by :meth:`FontBook.missing`.
* Without raqm (no libfribidi on the system) Pillow falls back to basic layout: no
  shaping, no right-to-left. :meth:`FontBook.layout_engine` says which one is in use.
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct
import threading
import tomllib
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex
from fontTools.ttLib import TTFont
from PIL import ImageFont, features

from .errors import FontError
from .resources import fonts_dir

log = logging.getLogger("ogimage.fonts")

__all__ = ["Face", "FontBook", "Run", "bidi_levels", "shapeable"]

_FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
_GRAPHEME = regex.compile(r"\X")
_EMOJI_MARK = regex.compile(r"[\p{Emoji_Presentation}\uFE0F\u20E3]")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})
_FONT_CACHE_SIZE = 256


@dataclass(frozen=True)
class Face:
    """One face of one font file: a file and the face's index inside it."""

    path: Path
    index: int
    family: str
    weight: str
    is_emoji: bool = False


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one face, one language and one direction.

    ``level`` is the run's resolved bidi embedding level (even: left to right, odd:
    right to left); it is what puts runs in visual order. It defaults to 0 so a Run can
    still be built with the four documented fields.
    """

    text: str
    face: Face
    lang: str
    direction: str  # "ltr" or "rtl"
    level: int = 0


@dataclass
class _Family:
    name: str
    lang: str  # language runs are shaped with when the requested one is not in `langs`
    langs: frozenset[str]
    weights: dict[str, dict[str, Face]]  # weight -> key -> face; key "" or a language key
    default_lang: str = ""
    aliases: dict[str, str] = field(default_factory=dict)
    bitmap_size: int | None = None

    @property
    def by_language(self) -> bool:
        return any(k for faces in self.weights.values() for k in faces)


# --------------------------------------------------------------------------- helpers


def _is_ignorable(cp: int) -> bool:
    """Code points a face need not have: controls, format characters, variation selectors."""
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    if 0xD800 <= cp <= 0xDFFF:  # lone surrogates are never ignorable: they are missing
        return False
    return unicodedata.category(chr(cp)) in ("Cc", "Cf")


def _is_neutral(cluster: str) -> bool:
    """Spaces and punctuation: they stay in the current run when its face has them."""
    return all(unicodedata.category(c)[0] in "ZP" or _is_ignorable(ord(c)) for c in cluster)


def _is_emoji(cluster: str) -> bool:
    """An emoji presentation sequence (emoji-default base, VS16, keycap, skin tone, flag)."""
    return "\ufe0e" not in cluster and _EMOJI_MARK.search(cluster) is not None


def _sanitise(text: str) -> str:
    """Lone surrogates -> U+FFFD (FreeType/raqm cannot take them)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# Paragraph separators (bidi class B) make raqm_layout() fail: shape them as spaces.
_SHAPE_TABLE = {cp: " " for cp in (0x0A, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}


def shapeable(text: str) -> str:
    """``text`` as handed to raqm: line and paragraph separators become spaces."""
    return text.translate(_SHAPE_TABLE)


def _normalise_tag(lang: str) -> str:
    parts = [p for p in lang.replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for p in parts[1:]:
        if len(p) == 4 and p.isalpha():
            out.append(p.title())
        elif len(p) == 2 or (len(p) == 3 and p.isdigit()):
            out.append(p.upper())
        else:
            out.append(p.lower())
    return "-".join(out)


def _auto_base(text: str) -> int:
    """Base level from the first strong character (P2/P3): 1 if it is R/AL, else 0."""
    import bidi

    return bidi.get_base_level(text) if text else 0


_LEVELS = re.compile(r"Level\(\s*(\d+)")


def bidi_levels(text: str, base: int | None = None) -> tuple[list[int], int]:
    """Resolved bidi embedding levels of ``text`` (one per character) and the base level.

    ``base`` is 0 (LTR) or 1 (RTL); ``None`` takes the first strong character's direction
    (rules P2/P3), LTR if there is none. Uses python-bidi's Rust implementation
    (unicode-bidi, UBA with bracket pairs and isolates), whose levels are read from its
    debug output; if that format ever changes, falls back to python-bidi's pure-Python
    algorithm.
    """
    import bidi

    if base is None:
        base = _auto_base(text)
    if base == 0 and not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
        return [0] * len(text), 0
    try:
        dump = bidi.get_display(text, base_dir="R" if base else "L", debug=True)
        start = dump.index("levels:")
        per_byte = [int(m) for m in _LEVELS.findall(dump, start, dump.index("]", start))]
        levels, offset = [], 0
        for ch in text:
            levels.append(per_byte[offset])
            offset += len(ch.encode("utf-8"))
        if offset != len(per_byte):
            raise ValueError("level count mismatch")
        return levels, base
    except (ValueError, IndexError, AttributeError, TypeError):
        return _python_bidi_levels(text, base), base


def _python_bidi_levels(text: str, base: int) -> list[int]:
    from bidi import algorithm as uba

    storage = uba.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "LR"[base]
    uba.get_embedding_levels(text, storage)
    chars = list(storage["chars"])
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels = [c["level"] for c in chars]
    return levels if len(levels) == len(text) else [base] * len(text)


_COVERAGE_BY_CMAP: dict[bytes, frozenset[int]] = {}


def _read_coverage(path: Path, index: int) -> frozenset[int]:
    """Code points mapped by the face's cmap. A format 12 subtable (full Unicode; the
    big CJK and emoji cmaps) is read straight from its groups, which is ~50x faster
    than fontTools building a name per glyph; anything else goes through fontTools."""
    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        raw = font.reader["cmap"]
        digest = hashlib.sha256(raw).digest()
        cached = _COVERAGE_BY_CMAP.get(digest)
        if cached is not None:
            return cached
        cov = _format12_coverage(raw)
        if cov is None:
            cov = frozenset(font.getBestCmap() or {})
        _COVERAGE_BY_CMAP[digest] = cov
        return cov
    finally:
        font.close()


def _format12_coverage(raw: bytes) -> frozenset[int] | None:
    (count,) = struct.unpack_from(">H", raw, 2)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", raw, 4 + 8 * i)
        if (platform, encoding) not in ((3, 10), (0, 4), (0, 6)):
            continue
        if struct.unpack_from(">H", raw, offset)[0] != 12:
            continue
        (groups,) = struct.unpack_from(">I", raw, offset + 12)
        cps: set[int] = set()
        for start, end, glyph in struct.iter_unpack(">III", raw[offset + 16: offset + 16 + 12 * groups]):
            cps.update(range(start + (glyph == 0), end + 1))
        return frozenset(cps)
    return None


def _plain_length(font: ImageFont.FreeTypeFont, char: str) -> float:
    try:
        return font.getlength(char)
    except (RuntimeError, ValueError):
        return 0.0


# --------------------------------------------------------------------------- the book


class FontBook:
    """The fonts a renderer may use, and everything derived from their files.

    Thread-safe for reading; every cache is filled lazily and kept for the process.
    """

    _bundled: FontBook | None = None
    _bundled_lock = threading.Lock()

    @classmethod
    def bundled(cls) -> FontBook:
        """The bundled fonts (``fonts/manifest.toml``), one instance per process."""
        with cls._bundled_lock:
            if cls._bundled is None:
                cls._bundled = cls(fonts_dir() / "manifest.toml")
            return cls._bundled

    def __init__(self, manifest: Path, extra_dirs: Sequence[Path] = ()) -> None:
        self._manifest = Path(manifest)
        self._families: dict[str, _Family] = {}
        self._files: list[Path] = [self._manifest]
        data = self._load_manifest(self._manifest)
        fallback = list(data.get("fallback", []))
        self.emoji_family: str | None = data.get("emoji")
        self.default_family: str = data.get("default") or (fallback[0] if fallback else "")
        for extra in extra_dirs:
            fallback += self._load_extra(Path(extra))
        unknown = [f for f in [*fallback, self.emoji_family] if f and f not in self._families]
        if unknown:
            raise FontError(f"{self._manifest}: fallback/emoji names unknown families {unknown}",
                            field="fallback")
        self.fallback: list[str] = list(dict.fromkeys(fallback))
        self.families: list[str] = list(self._families)
        if not self.default_family:
            self.default_family = self.families[0]

        self._lock = threading.RLock()
        self._digest: str | None = None
        self._coverage: dict[tuple[Path, int], frozenset[int]] = {}
        self._all_coverage: frozenset[int] | None = None
        self._fonts: OrderedDict[tuple[Face, float], ImageFont.FreeTypeFont] = OrderedDict()
        self._chains: dict[tuple[str, str, str], tuple[Face, ...]] = {}
        self._cluster_face: dict[tuple[Face, ...], dict[str, Face | None]] = {}
        self._measurers: dict[tuple[str, str, str], Callable[[str, float], float]] = {}
        self._reported: set[str] = set()
        self._runs_cache: OrderedDict[tuple, tuple[Run, ...]] = OrderedDict()
        self._emoji_advance = lru_cache(maxsize=4096)(self._emoji_advance_109)

    # ---------------------------------------------------------------- manifest

    def _load_manifest(self, path: Path) -> dict:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FontError(f"font manifest not found: {path}", field="manifest") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise FontError(f"{path}: not valid TOML: {exc}", field="manifest") from None
        emoji = data.get("emoji")
        families = data.get("families")
        if not isinstance(families, dict) or not families:
            raise FontError(f"{path}: needs a [families] table", field="families")
        for name, spec in families.items():
            self._families[name] = self._parse_family(path.parent, name, spec, name == emoji)
        return data

    def _parse_family(self, root: Path, name: str, spec: dict, is_emoji: bool) -> _Family:
        where = f"families.{name!r}"
        weights_spec = spec.get("weights")
        if not isinstance(weights_spec, dict) or not weights_spec:
            raise FontError(f"{root / 'manifest.toml'}: {where}.weights: expected a table of weights",
                            field=f"{where}.weights")
        weights: dict[str, dict[str, Face]] = {}
        for weight, wspec in weights_spec.items():
            if not isinstance(wspec, dict) or not isinstance(wspec.get("file"), str):
                raise FontError(f"{where}.weights.{weight}: expected {{ file = …, index = … }}",
                                field=f"{where}.weights.{weight}")
            path = (root / wspec["file"]).resolve()
            if not path.is_file():
                raise FontError(f"{where}.weights.{weight}: font file not found: {path}",
                                field=f"{where}.weights.{weight}")
            if path not in self._files:
                self._files.append(path)
            w = weight.lower()
            if isinstance(wspec.get("faces"), dict):
                weights[w] = {_normalise_tag(k): Face(path, int(i), name, w, is_emoji)
                              for k, i in wspec["faces"].items()}
            else:
                weights[w] = {"": Face(path, int(wspec.get("index", 0)), name, w, is_emoji)}
        langs = frozenset(_normalise_tag(x) for x in spec.get("langs", ()))
        return _Family(
            name=name,
            lang=_normalise_tag(spec.get("lang", "")) or "und",
            langs=langs,
            weights=weights,
            default_lang=_normalise_tag(spec.get("default_lang", "")),
            aliases={_normalise_tag(k): _normalise_tag(v) for k, v in spec.get("aliases", {}).items()},
            bitmap_size=spec.get("bitmap_size"),
        )

    def _load_extra(self, folder: Path) -> list[str]:
        """Fonts a user adds: a folder with its own ``manifest.toml`` (same format; its
        ``fallback`` list is appended to ours), or else bare font files, each registered
        as a family named after its name table and appended to the fallback order."""
        manifest = folder / "manifest.toml"
        if manifest.is_file():
            self._files.append(manifest)
            return list(self._load_manifest(manifest).get("fallback", []))
        added: list[str] = []
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in _FONT_SUFFIXES):
            try:
                font = TTFont(str(path), fontNumber=0, lazy=True)
                name = font["name"]
                family = str(name.getDebugName(16) or name.getDebugName(1))
                weight_class = font["OS/2"].usWeightClass if "OS/2" in font else 400
                font.close()
            except Exception as exc:  # noqa: BLE001 - any unreadable file is a FontError
                raise FontError(f"{path}: not a readable font: {exc}", field="fonts") from None
            weight = "bold" if weight_class >= 600 else "regular"
            path = path.resolve()
            self._files.append(path)
            fam = self._families.get(family)
            if fam is None:
                fam = self._families[family] = _Family(family, "und", frozenset(), {})
                added.append(family)
            fam.weights.setdefault(weight, {"": Face(path, 0, family, weight)})
        return added

    # ---------------------------------------------------------------- identity

    @property
    def digest(self) -> str:
        """sha256 (hex) over the manifest(s) and every font file's bytes; computed once."""
        if self._digest is None:
            with self._lock:
                if self._digest is None:
                    h = hashlib.sha256()
                    for path in self._files:
                        h.update(path.name.encode() + b"\0")
                        with open(path, "rb") as f:
                            h.update(hashlib.file_digest(f, "sha256").digest())
                    self._digest = h.hexdigest()
        return self._digest

    @staticmethod
    def layout_engine() -> str:
        """``"raqm"`` when Pillow can shape text (HarfBuzz + FriBiDi), else ``"basic"``."""
        return "raqm" if features.check("raqm") else "basic"

    # ---------------------------------------------------------------- faces

    def family(self, name: str) -> _Family:
        try:
            return self._families[name]
        except KeyError:
            raise FontError(f"unknown font family {name!r}; available: {', '.join(self.families)}",
                            field="family") from None

    @staticmethod
    def _weight_key(fam: _Family, weight: str) -> str:
        w = (weight or "regular").strip().lower()
        w = {"normal": "regular", "400": "regular", "700": "bold", "book": "regular"}.get(w, w)
        if w in fam.weights:
            return w
        if w.isdigit():
            w = "bold" if int(w) >= 600 else "regular"
            if w in fam.weights:
                return w
        return "regular" if "regular" in fam.weights else next(iter(fam.weights))

    def _lang_key(self, fam: _Family, lang: str) -> str | None:
        """The key of ``fam``'s face for language tag ``lang``, or None if it names none."""
        faces = next(iter(fam.weights.values()))
        tag = _normalise_tag(lang)
        while tag:
            if tag in faces:
                return tag
            if tag in fam.aliases:
                return fam.aliases[tag]
            tag = tag.rpartition("-")[0]
        return None

    def _face(self, fam: _Family, weight: str, lang: str, hint: str = "") -> Face:
        """``fam``'s face for ``weight`` and ``lang``; ``hint`` (a face key guessed from
        the text: kana -> "ja", hangul -> "ko") is used when ``lang`` names no face."""
        faces = fam.weights[self._weight_key(fam, weight)]
        if "" in faces:
            return faces[""]
        key = self._lang_key(fam, lang)
        if key is None:
            key = hint if hint in faces else fam.default_lang if fam.default_lang in faces \
                else next(iter(faces))
        return faces.get(key) or next(iter(faces.values()))

    def _run_lang(self, face: Face, lang: str) -> str:
        """The language a run in ``face`` is shaped with (raqm ``language=``)."""
        fam = self._families[face.family]
        faces = fam.weights[face.weight]
        if "" not in faces:  # a face per language: the face's own language
            return next(k for k, f in faces.items() if f == face)
        tag = _normalise_tag(lang)
        if not fam.langs:
            return tag or fam.lang
        primary = tag.partition("-")[0]
        return tag if (tag in fam.langs or primary in fam.langs) else fam.lang

    def _chain(self, family: str, weight: str, lang: str, text: str) -> tuple[Face, ...]:
        """Faces to try, in order: the requested family, then the fallback order."""
        hint = ""
        cjk = self._cjk_like()
        if cjk is not None and self._lang_key(cjk, lang) is None:
            hint = "ja" if _KANA.search(text) else "ko" if _HANGUL.search(text) else ""
        key = (family, weight, lang, hint)
        chain = self._chains.get(key)
        if chain is None:
            names = [family, *(f for f in self.fallback if f != family)]
            chain = tuple(dict.fromkeys(self._face(self.family(n), weight, lang, hint) for n in names))
            self._chains[key] = chain
        return chain

    def _cjk_like(self) -> _Family | None:
        for fam in self._families.values():
            if fam.by_language:
                return fam
        return None

    def coverage(self, face: Face) -> frozenset[int]:
        """The code points ``face``'s cmap maps, read once per face (and shared between
        faces whose cmap tables are byte-identical, e.g. a CJK face's Regular and Bold)."""
        key = (face.path, face.index)
        cov = self._coverage.get(key)
        if cov is None:
            with self._lock:
                cov = self._coverage.get(key)
                if cov is None:
                    try:
                        cov = _read_coverage(face.path, face.index)
                    except Exception as exc:  # noqa: BLE001
                        raise FontError(f"{face.path}: cannot read cmap: {exc}", field="fonts") from None
                    self._coverage[key] = cov
        return cov

    def font(self, face: Face, size: float) -> ImageFont.FreeTypeFont:
        """A cached Pillow font for ``face`` at ``size`` px (layout engine raqm if available).

        A bitmap-only emoji face is always opened at its strike size (109 px for Noto Color
        Emoji), whatever ``size`` asks: scale its glyphs by ``size / font.size``.
        """
        fam = self._families[face.family]
        if fam.bitmap_size:
            size = fam.bitmap_size
        key = (face, size)
        with self._lock:
            font = self._fonts.get(key)
            if font is not None:
                self._fonts.move_to_end(key)
                return font
        engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
        try:
            font = ImageFont.truetype(str(face.path), size=size, index=face.index, layout_engine=engine)
        except OSError as exc:
            raise FontError(f"{face.path}[{face.index}] at {size}px: {exc}", field="fonts") from None
        with self._lock:
            self._fonts[key] = font
            while len(self._fonts) > _FONT_CACHE_SIZE:
                self._fonts.popitem(last=False)
        return font

    # ---------------------------------------------------------------- itemising

    def _pick(self, cluster: str, chain: tuple[Face, ...], memo: dict[str, Face | None]) -> Face | None:
        """The face for a cluster that does not simply continue the current run."""
        if cluster in memo:
            return memo[cluster]
        cps = [ord(c) for c in cluster]
        needed = [cp for cp in cps if not _is_ignorable(cp)]
        face: Face | None = None
        if needed:
            if _is_emoji(cluster):
                for f in chain:
                    if f.is_emoji and needed[0] in self.coverage(f):
                        face = f
                        break
            if face is None:
                face = next((f for f in chain if all(cp in self.coverage(f) for cp in needed)), None)
            if face is None:  # no face has it all: the first that has the base character
                face = next((f for f in chain if needed[0] in self.coverage(f)), None)
        if len(memo) > 50_000:
            memo.clear()
        memo[cluster] = face
        return face

    def _itemise(self, text: str, family: str, weight: str, lang: str, base: int | None) -> tuple[Run, ...]:
        text = _sanitise(text)
        if not text:
            return ()
        chain = self._chain(family, weight, lang, text)
        primary = chain[0]
        memo = self._cluster_face.get(chain)
        if memo is None:
            memo = self._cluster_face.setdefault(chain, {})
        levels, _ = bidi_levels(text, base)
        pieces: list[list] = []  # [text, face, level]
        pos = 0
        current: Face | None = None
        for cluster in _GRAPHEME.findall(text):
            level = levels[pos]
            pos += len(cluster)
            if current is not None and not current.is_emoji and _is_neutral(cluster) and \
                    all(ord(c) in self.coverage(current) or _is_ignorable(ord(c)) for c in cluster):
                face = current
            elif current is not None and all(_is_ignorable(ord(c)) for c in cluster):
                face = current
            else:
                face = self._pick(cluster, chain, memo) or primary
            if pieces and pieces[-1][1] == face and pieces[-1][2] == level:
                pieces[-1][0] += cluster
            else:
                pieces.append([cluster, face, level])
            current = face
        return tuple(Run(t, f, self._run_lang(f, lang), "rtl" if lv % 2 else "ltr", lv)
                     for t, f, lv in pieces)

    def _runs_cached(self, text: str, family: str, weight: str, lang: str,
                     base: int | None = None) -> tuple[Run, ...]:
        key = (text, family, weight, lang, base)
        runs = self._runs_cache.get(key)
        if runs is None:
            runs = self._itemise(text, family, weight, lang, base)
            with self._lock:
                self._runs_cache[key] = runs
                while len(self._runs_cache) > 8192:
                    self._runs_cache.popitem(last=False)
        return runs

    def runs(self, text: str, family: str, weight: str, lang: str) -> list[Run]:
        """``text`` itemised into fallback runs, in logical order."""
        return list(self._runs_cached(text, family, weight, lang or ""))

    def runs_for(self, text: str, family: str, weight: str, lang: str,
                 base: int | None = None) -> tuple[Run, ...]:
        """Like :meth:`runs` with the paragraph's base level forced (0 LTR, 1 RTL) or,
        with ``None``, taken from the first strong character. Cached; do not mutate."""
        if base is not None and base == _auto_base(text):
            base = None  # same as the automatic base: share the cache entry
        return self._runs_cached(text, family, weight, lang or "", base)

    def primary_face(self, family: str, weight: str, lang: str, text: str = "") -> Face:
        """The face the requested family gives for ``weight`` and ``lang``: the one whose
        metrics place baselines."""
        return self._chain(family, weight, lang or "", _sanitise(text))[0]

    def missing(self, text: str) -> list[str]:
        """Characters no font of the book covers, in order of appearance, each once.

        Controls, format characters (ZWJ, bidi marks …) and variation selectors are not
        reported. Each missing character is logged once per book at WARNING.
        """
        cover = self._union_coverage()
        out: list[str] = []
        for ch in dict.fromkeys(text):
            cp = ord(ch)
            if cp in cover or _is_ignorable(cp):
                continue
            out.append(ch)
            if ch not in self._reported:
                self._reported.add(ch)
                log.warning("no bundled font covers U+%04X %s", cp,
                            unicodedata.name(ch, "(unassigned or private use)"))
        return out

    def _union_coverage(self) -> frozenset[int]:
        if self._all_coverage is None:
            faces = {(f.path, f.index): f for fam in self._families.values()
                     for faces in fam.weights.values() for f in faces.values()}
            cover: set[int] = set()
            for face in faces.values():
                cover |= self.coverage(face)
            self._all_coverage = frozenset(cover)
        return self._all_coverage

    # ---------------------------------------------------------------- measuring

    def _emoji_advance_109(self, face: Face, cluster: str) -> float:
        return self.font(face, 0).getlength(cluster)

    def emoji_clusters(self, run: Run, size: float) -> list[tuple[str, float]]:
        """The grapheme clusters of an emoji run with their advances at ``size``."""
        fam = self._families[run.face.family]
        scale = size / (fam.bitmap_size or size)
        return [(c, self._emoji_advance(run.face, c) * scale) for c in _GRAPHEME.findall(run.text)]

    def run_width(self, run: Run, size: float) -> float:
        """Advance width in px of ``run`` at ``size`` as :func:`ink_line` draws it."""
        fam = self._families[run.face.family]
        if fam.bitmap_size:
            return sum(adv for _, adv in self.emoji_clusters(run, size))
        font = self.font(run.face, size)
        text = shapeable(run.text)
        if font.layout_engine == ImageFont.Layout.RAQM:
            try:
                return font.getlength(text, direction=run.direction, language=run.lang or None)
            except (RuntimeError, ValueError):  # raqm refuses some odd strings: measure plainly
                log.debug("raqm could not lay out %r; measuring without shaping", text)
        return sum(_plain_length(font, c) for c in text)

    def measurer(self, family: str, weight: str, lang: str) -> Callable[[str, float], float]:
        """``measure(text, size) -> px``: the advance of ``text`` as it will be drawn.

        Itemised into fallback runs, each run shaped by raqm with its language and
        direction, widths summed. Results are cached per ``(text, size)``.
        """
        key = (family, weight, lang or "")
        m = self._measurers.get(key)
        if m is None:
            self.family(family)  # fail early on an unknown family

            @lru_cache(maxsize=16384)
            def measure(text: str, size: float) -> float:
                return sum(self.run_width(r, size) for r in self._runs_cached(text, family, weight, lang or ""))

            m = self._measurers[key] = measure
        return m
