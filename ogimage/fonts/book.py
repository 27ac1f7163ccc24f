"""FontBook: the manifest's fonts, coverage, fallback runs, per-language faces, measuring.

See the package docstring (``ogimage.fonts``) for the rules.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from unicodedata import category

from PIL import ImageFont, features

from ..caches import SizedCache, text_cost
from ..errors import FontError
from ..resources import fonts_dir
from .cmap import Coverage, read_coverage
from .faces import Face, Run, _Family
from .manifest import load_extra, load_manifest
from .missing import MissingGlyphs
from .objects import FontObjects, FontPair
from .halt import HaltTrims
from .ink import InkEdges
from .plan import LinePlanner, RunPlan, visual_order
from .shaping import Shaper
from .shaping import available as shaping_available
from .unicode import (GRAPHEME, HANGUL, KANA, auto_base, bidi_levels, is_emoji,
                      is_ignorable, is_neutral, normalise_tag, sanitise, shapeable)

log = logging.getLogger("ogimage.fonts")
_UNSEEN = object()  # a cluster the chain's memo has not seen

# Bytes the itemised fallback runs per (text, family, weight, language) may hold
# (estimated: see caches.text_cost): ~10,000 titles.
CHAINS_BYTES = 1 << 20  # fallback chains per (family, weight, language tag, hint): ~3,000 tags
CJK_TAGS_BYTES = 1 << 20  # language tag -> whether it names no CJK face
MEMO_CLUSTERS = 16_384  # clusters -> face per chain (~2 MB at most: only clusters of
MEMO_CLUSTER_CHARS = 16  # at most this many code points are kept)
RUNS_BYTES = 1 << 20


def _runs_cost(key: tuple, runs: tuple[Run, ...]) -> int:
    # the key's text, and each run's text, object and face reference
    return text_cost(key[0]) + sum(text_cost(r.text) for r in runs)

__all__ = ["FontBook"]

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
        data = load_manifest(self._manifest, self._families, self._files)
        fallback = list(data.get("fallback", []))
        self.emoji_family: str | None = data.get("emoji")
        self.default_family: str = data.get("default") or (fallback[0] if fallback else "")
        for extra in extra_dirs:
            fallback += load_extra(Path(extra), self._families, self._files)
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
        self._coverage: dict[tuple[Path, int], Coverage] = {}
        self._objects = FontObjects()
        # Keyed by the request's language tag, which anyone can vary: bounded by bytes, first in
        # first out (a read is one dict look-up). The memos of cluster -> face are per distinct
        # chain of faces (a handful), each at most MEMO_CLUSTERS short clusters.
        self._chains: SizedCache[tuple[str, str, str, str], tuple[tuple[Face, ...], dict[str, Face | None]]] = \
            SizedCache("chains", CHAINS_BYTES, lambda key, value: text_cost(*key) + 64 * len(value[0]), lru=False)
        self._cluster_face: dict[tuple[Face, ...], dict[str, Face | None]] = {}
        # language tag -> names no face of the CJK-like family
        self._cjk_unnamed: SizedCache[str, bool] = SizedCache(
            "cjk_tags", CJK_TAGS_BYTES, lambda lang, known: text_cost(lang) + 64, lru=False)
        self._missing = MissingGlyphs(self._coverage, self._all_faces, self.coverage)
        self._runs_cache: SizedCache[tuple, tuple[Run, ...]] = SizedCache("runs", RUNS_BYTES, _runs_cost)
        engine = self.layout_engine()
        # Measure with HarfBuzz directly when Pillow shapes with it too (raqm): same shaper, 20x less set-up.
        shaper = Shaper() if engine == "raqm" and shaping_available() else None
        self._planner = LinePlanner(self, shaper)
        self._halt = HaltTrims(shaper, self._runs_cached)
        self._ink = InkEdges(shaper, lambda *a: visual_order(self.runs_for(*a)),
                             self._planner.run, self.font_pair)
        (log.info if engine == "raqm" else log.warning)(
            "text layout engine: %s%s", engine,
            "" if engine == "raqm" else " (no libraqm/libfribidi: no shaping, no right-to-left)")

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
        tag = normalise_tag(lang)
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
        if "" not in faces:  # a face per language: the face's own language (the same object, as a rule)
            return next((k for k, f in faces.items() if f is face), None) or \
                next(k for k, f in faces.items() if f == face)
        tag = normalise_tag(lang)
        if not fam.langs:
            return tag or fam.lang
        primary = tag.partition("-")[0]
        return tag if (tag in fam.langs or primary in fam.langs) else fam.lang

    def _chain(self, family: str, weight: str, lang: str, text: str) -> tuple[Face, ...]:
        """Faces to try, in order: the requested family, then the fallback order."""
        return self._chain_and_memo(family, weight, lang, text)[0]

    def _chain_and_memo(self, family: str, weight: str, lang: str,
                        text: str) -> tuple[tuple[Face, ...], dict[str, Face | None]]:
        """The chain (:meth:`_chain`) and its memo of cluster -> face, found by the chain's
        key (hashing the chain itself, twenty faces, cost more than itemising a word)."""
        hint = ""
        if self._names_no_cjk_face(lang):
            hint = "ja" if KANA.search(text) else "ko" if HANGUL.search(text) else ""
        key = (family, weight, lang, hint)
        found = self._chains.get(key)
        if found is None:
            names = [family, *(f for f in self.fallback if f != family)]
            chain = tuple(dict.fromkeys(self._face(self.family(n), weight, lang, hint) for n in names))
            found = (chain, self._cluster_face.setdefault(chain, {}))
            self._chains.put(key, found)
        return found

    def _names_no_cjk_face(self, lang: str) -> bool:
        """Whether a CJK-like family exists and ``lang`` names none of its faces (then the
        text's kana or hangul choose one); remembered per tag (``chains``' byte budget)."""
        known = self._cjk_unnamed.get(lang)
        if known is None:
            cjk = self._cjk_like()
            known = cjk is not None and self._lang_key(cjk, lang) is None
            self._cjk_unnamed.put(lang, known)
        return known

    def _cjk_like(self) -> _Family | None:
        """The first family with a face per language (read once: families are fixed after loading)."""
        found = self.__dict__.get("_cjk_family", _UNSEEN)
        if found is _UNSEEN:
            found = self._cjk_family = next((fam for fam in self._families.values() if fam.by_language), None)
        return found

    def _all_faces(self) -> list[Face]:
        """Every face of every family, once per font file and index."""
        return list({(f.path, f.index): f for fam in self._families.values()
                     for faces in fam.weights.values() for f in faces.values()}.values())

    def coverage(self, face: Face) -> Coverage:
        """The code points ``face``'s cmap maps, read once per face (and shared between
        faces whose cmap tables are byte-identical, e.g. a CJK face's Regular and Bold)."""
        key = (face.path, face.index)
        cov = self._coverage.get(key)
        if cov is None:
            with self._lock:
                cov = self._coverage.get(key)
                if cov is None:
                    try:
                        cov = read_coverage(face.path, face.index)
                    except Exception as exc:  # noqa: BLE001
                        raise FontError(f"{face.path}: cannot read cmap: {exc}", field="fonts") from None
                    self._coverage[key] = cov
        return cov

    def limit_font_objects(self, max_bytes: int) -> None:
        """Bound the Pillow font objects held by ``max_bytes`` of estimated memory (see
        fonts/objects.py; ``OGIMAGE_FONT_CACHE_BYTES``); objects over it go at the next open."""
        self._objects.max_bytes = max_bytes

    def font(self, face: Face, size: float) -> ImageFont.FreeTypeFont:
        """A cached Pillow font for ``face`` at ``size`` px (layout engine raqm if available).

        A bitmap-only emoji face is always opened at its strike size (109 px for Noto Color
        Emoji), whatever ``size`` asks: scale its glyphs by ``size / font.size``.
        """
        return self.font_pair(face, size).shaped()

    def font_pair(self, face: Face, size: float) -> FontPair:
        """``face`` at ``size`` px as a :class:`~ogimage.fonts.objects.FontPair`: the raqm and
        the basic-layout Pillow objects, each opened when first used (drawing a Han character
        needs only the basic one). Sizes as for :meth:`font`."""
        fam = self._families[face.family]
        return self._objects.get(face, fam.bitmap_size or size)

    # ---------------------------------------------------------------- itemising

    def _pick(self, cluster: str, chain: tuple[Face, ...], memo: dict[str, Face | None]) -> Face | None:
        """The face for a cluster that does not simply continue the current run."""
        if cluster in memo:
            return memo[cluster]
        cps = [ord(c) for c in cluster]
        needed = [cp for cp in cps if not is_ignorable(cp)]
        face: Face | None = None
        if needed:
            if is_emoji(cluster):
                for f in chain:
                    if f.is_emoji and needed[0] in self.coverage(f):
                        face = f
                        break
            if face is None:
                face = next((f for f in chain if all(cp in self.coverage(f) for cp in needed)), None)
            if face is None:  # no face has it all: the first that has the base character
                face = next((f for f in chain if needed[0] in self.coverage(f)), None)
        if len(cluster) <= MEMO_CLUSTER_CHARS:  # a crafted giant cluster is not kept (issue 10)
            if len(memo) >= MEMO_CLUSTERS:
                memo.clear()
            memo[cluster] = face
        return face

    def _itemise(self, text: str, family: str, weight: str, lang: str, base: int | None) -> tuple[Run, ...]:
        text = sanitise(text)
        if not text:
            return ()
        chain, memo = self._chain_and_memo(family, weight, lang, text)
        primary = chain[0]
        levels, _ = bidi_levels(text, base)
        pieces: list[list] = []  # [text, face, level]
        pos = 0
        current: Face | None = None
        # ASCII: every character is its own cluster but CR LF (what the grapheme pattern finds)
        clusters = list(text) if text.isascii() and "\r" not in text else GRAPHEME.findall(text)
        for cluster in clusters:
            level = levels[pos]
            pos += len(cluster)
            face = None
            if current is None:
                pass
            elif len(cluster) == 1:  # the same tests as below, inlined for one code point
                cp, cat = ord(cluster), category(cluster)
                ignorable = cat in ("Cc", "Cf") or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF
                if ignorable or (cat[0] in "ZP" and not current.is_emoji and cp in self.coverage(current)):
                    face = current
            elif not current.is_emoji and is_neutral(cluster) and \
                    all(ord(c) in self.coverage(current) or is_ignorable(ord(c)) for c in cluster):
                face = current
            elif all(is_ignorable(ord(c)) for c in cluster):
                face = current
            if face is None:
                face = memo.get(cluster, _UNSEEN)
                if face is _UNSEEN:
                    face = self._pick(cluster, chain, memo)
                face = face or primary
            if pieces and (face is current or face == current) and pieces[-1][2] == level:
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
            self._runs_cache.put(key, runs)
        return runs

    def runs_for(self, text: str, family: str, weight: str, lang: str,
                 base: int | None = None) -> tuple[Run, ...]:
        """``text`` itemised into fallback runs, in logical order, with the paragraph's base
        level forced (0 LTR, 1 RTL) or, with ``None``, taken from the first strong character.
        Cached; do not mutate."""
        if base is not None and base == auto_base(text):
            base = None  # same as the automatic base: share the cache entry
        return self._runs_cached(text, family, weight, lang or "", base)

    def primary_face(self, family: str, weight: str, lang: str, text: str = "") -> Face:
        """The face the requested family gives for ``weight`` and ``lang``: the one whose
        metrics place baselines."""
        return self._chain(family, weight, lang or "", sanitise(text))[0]

    def missing(self, text: str) -> list[str]:
        """Characters no font of the book covers, in order of appearance, each once.

        Controls, format characters (ZWJ, bidi marks …) and variation selectors are not
        reported. Each missing character is logged once per book at WARNING.
        """
        return self._missing.missing(text)

    # ---------------------------------------------------------------- measuring (fonts/plan.py)

    def plan_run(self, run: Run, size: float) -> RunPlan:
        """``run`` cut into the pieces it is measured and drawn as, with their advances (see :mod:`.plan`)."""
        return self._planner.run(run, size)

    def plan_line(self, text: str, family: str, weight: str, size: float, lang: str,
                  base: int | None = None) -> tuple[RunPlan, ...]:
        """The line plan of ``text``: its runs' plans in visual order (drawing only rasterises it)."""
        return self._planner.line(text, family, weight, size, lang, base)

    def run_width(self, run: Run, size: float) -> float:
        """Advance width in px of ``run`` at ``size``: the sum of its planned pieces' advances."""
        return self._planner.run(run, size).width

    def edge_trims(self, text: str, family: str, weight: str, lang: str, size: float) -> tuple[float, float]:
        """(left, right) px of blank half-em that JLREQ drops at a line's edges (fonts/halt.py)."""
        return self._halt.trims(text, family, weight, lang, size)

    def ink_sides(self, text: str, family: str, weight: str, lang: str, size: float,
                  base: int | None = None) -> tuple[float, float]:
        """(left, right) px between ``text``'s advance box as one line and the ink of its
        visual first and last glyph, as drawn (fonts/ink.py); 0 for emoji and spaces.
        Includes any ``halt`` blank :meth:`edge_trims` drops."""
        return self._ink.sides(text, family, weight, lang, size, base)

    def measurer(self, family: str, weight: str, lang: str) -> Callable[[str, float], float]:
        """``measure(text, size) -> px``: the advance of ``text`` as it will be drawn.

        Itemised into fallback runs, each run planned (shaped by HarfBuzz with its language
        and direction, cut into pieces), the runs' widths summed. Cached per ``(text, size)``.
        """
        self.family(family)  # fail early on an unknown family
        return self._planner.measurer(family, weight, lang or "")
