"""Reading font manifests and folders of user fonts into families of faces."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from ..errors import FontError
from .faces import Face, _Family
from .unicode import normalise_tag

__all__ = ["load_extra", "load_manifest"]

log = logging.getLogger("ogimage.fonts")

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}


def load_manifest(path: Path, families: dict[str, _Family], files: list[Path]) -> dict:
    """Read ``path`` (TOML) into ``families``, recording every file it names in ``files``;
    the manifest's data (``fallback``, ``emoji``, ``default``) is returned."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FontError(f"font manifest not found: {path}", field="manifest") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FontError(f"{path}: not valid TOML: {exc}", field="manifest") from None
    emoji = data.get("emoji")
    specs = data.get("families")
    if not isinstance(specs, dict) or not specs:
        raise FontError(f"{path}: needs a [families] table", field="families")
    for name, spec in specs.items():
        families[name] = _parse_family(path.parent, name, spec, name == emoji, files)
    return data


def _parse_family(root: Path, name: str, spec: dict, is_emoji: bool, files: list[Path]) -> _Family:
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
        if path not in files:
            files.append(path)
        w = weight.lower()
        if isinstance(wspec.get("faces"), dict):
            weights[w] = {normalise_tag(k): Face(path, int(i), name, w, is_emoji)
                          for k, i in wspec["faces"].items()}
        else:
            weights[w] = {"": Face(path, int(wspec.get("index", 0)), name, w, is_emoji)}
    langs = frozenset(normalise_tag(x) for x in spec.get("langs", ()))
    return _Family(
        name=name,
        lang=normalise_tag(spec.get("lang", "")) or "und",
        langs=langs,
        weights=weights,
        default_lang=normalise_tag(spec.get("default_lang", "")),
        aliases={normalise_tag(k): normalise_tag(v) for k, v in spec.get("aliases", {}).items()},
        bitmap_size=spec.get("bitmap_size"),
    )


def load_extra(folder: Path, families: dict[str, _Family], files: list[Path]) -> list[str]:
    """Fonts a user adds: a folder with its own ``manifest.toml`` (same format; its
    ``fallback`` list is appended to ours), or else bare font files, each registered
    as a family named after its name table and appended to the fallback order."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FontError(f"font folder '{folder}' {what}", field="fonts")
    manifest = folder / "manifest.toml"
    if manifest.is_file():
        files.append(manifest)
        return list(load_manifest(manifest, families, files).get("fallback", []))
    added: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES):
        from fontTools.ttLib import TTFont  # only when a user adds bare font files

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
        files.append(path)
        fam = families.get(family)
        if fam is None:
            fam = families[family] = _Family(family, "und", frozenset(), {})
            added.append(family)
        if weight in fam.weights:  # an earlier font has this family and weight: it stays
            # Debug here (every worker builds a book); `ogimage serve` reports it once, at WARNING.
            log.debug("font skipped: %s: family %r %s is already provided by %s", path, family, weight,
                      next(iter(fam.weights[weight].values())).path.name)
            continue
        fam.weights[weight] = {"": Face(path, 0, family, weight)}
    return added
