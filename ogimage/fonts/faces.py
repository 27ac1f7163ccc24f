"""What a font book hands out: faces, runs, and (internally) families from the manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Face", "Run"]


@dataclass(frozen=True)
class Face:
    """One face of one font file: a file and the face's index inside it."""

    path: Path
    index: int
    family: str
    weight: str
    is_emoji: bool = False

    def __post_init__(self) -> None:
        # Every cache look-up of a piece, glyph or advance hashes its face: hashed once here
        # (a Path hashes in Python). Not pickled: __reduce__ rebuilds it in the new process.
        object.__setattr__(self, "_hash", hash((self.path, self.index, self.family, self.weight, self.is_emoji)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    def __reduce__(self) -> tuple:
        return (Face, (self.path, self.index, self.family, self.weight, self.is_emoji))


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
