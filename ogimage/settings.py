"""Settings, read from ``OGIMAGE_*`` environment variables in this one place.

Each value is parsed with a typed cast that fails loudly at start-up, naming the
variable (``Config 'OGIMAGE_PORT' has value 'x'. Not a valid int.``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .errors import SettingsError

PREFIX = "OGIMAGE_"
T = TypeVar("T")


def _int(raw: str) -> int:
    return int(raw.strip())


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(raw)


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())


def _seconds(raw: str) -> float:
    value = float(raw.strip())
    if not value > 0 or value == float("inf"):
        raise ValueError(raw)
    return value


def _size(raw: str) -> int:
    """Bytes, with an optional K/M/G (binary) suffix: ``128M`` = 128 MiB."""
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    return int(float(number) * scale)


_EXPECTED = {
    _int: "Not a valid int.",
    _bool: "Not a valid bool (use 1/0, true/false, yes/no, on/off).",
    _paths: "Not a list of paths.",
    _size: "Not a valid size (bytes, or a number with K, M or G).",
    _seconds: "Not a valid number of seconds (more than 0).",
    str: "Not valid text.",
}


_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ogimage"


@dataclass(frozen=True)
class Settings:
    """Every setting, with its default. See README "Settings" for each one."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    template_dirs: tuple[Path, ...] = ()
    font_dirs: tuple[Path, ...] = ()
    memory_cache_bytes: int = 128 << 20
    disk_cache: bool = True
    cache_dir: Path = field(default_factory=_default_cache_dir)
    signing_key: str = ""
    max_renders: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_queue: int = 16  # per worker: ~16 renders of 5-50 ms wait at most ~1 s (issue 10, floods)
    cache_control: str = "public, max-age=86400, stale-while-revalidate=604800"
    cache_control_immutable: str = "public, max-age=31536000, immutable"
    log_level: str = "info"
    access_log: bool = True
    # Hardening (issue 10): the request head and the time a render may take.
    max_head_bytes: int = 64 << 10
    max_headers: int = 100
    head_timeout: float = 10.0
    render_timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``OGIMAGE_*`` variable; raise :class:`SettingsError` on a bad value."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}

        def read(name: str, cast: Callable[[str], T]) -> None:
            key = PREFIX + name.upper()
            raw = env.get(key)
            if raw is None:
                return
            try:
                values[name] = cast(raw)
            except (ValueError, IndexError):
                raise SettingsError(key, raw, _EXPECTED.get(cast, "Not valid.")) from None

        read("host", str)
        read("port", _int)
        read("workers", _int)
        read("template_dirs", _paths)
        read("font_dirs", _paths)
        read("memory_cache_bytes", _size)
        read("disk_cache", _bool)
        read("cache_dir", lambda raw: Path(raw).expanduser())
        read("signing_key", str)
        read("max_renders", _int)
        read("max_queue", _int)
        read("cache_control", str)
        read("cache_control_immutable", str)
        read("log_level", str)
        read("access_log", _bool)
        read("max_head_bytes", _size)
        read("max_headers", _int)
        read("head_timeout", _seconds)
        read("render_timeout", _seconds)
        for name in ("port", "workers", "max_renders", "max_head_bytes", "max_headers"):
            if name in values and int(values[name]) < 1:  # type: ignore[call-overload]
                key = PREFIX + name.upper()
                raise SettingsError(key, env[key], "Must be at least 1.")
        if "max_queue" in values and int(values["max_queue"]) < 0:  # type: ignore[call-overload]
            raise SettingsError(PREFIX + "MAX_QUEUE", env[PREFIX + "MAX_QUEUE"], "Must be 0 or more.")
        if "log_level" in values:
            level = str(values["log_level"]).strip().lower()
            if level not in _LOG_LEVELS:
                raise SettingsError(
                    PREFIX + "LOG_LEVEL", env[PREFIX + "LOG_LEVEL"], f"Not a log level ({', '.join(_LOG_LEVELS)})."
                )
            values["log_level"] = level
        return cls(**values)  # type: ignore[arg-type]
