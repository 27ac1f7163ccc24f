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


def _size(raw: str) -> int:
    """Bytes, with an optional K/M/G (binary) suffix: ``128M`` = 128 MiB."""
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    return int(float(number) * scale)


_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _seconds(raw: str) -> float:
    """Seconds, with an optional unit: ``50ms``, ``2s``, ``5m``, ``1h``, ``30d`` (a bare number is seconds)."""
    text = raw.strip().lower()
    for unit in ("ms", "s", "m", "h", "d"):
        if text.endswith(unit):
            value = float(text[: -len(unit)]) * _DURATION_UNITS[unit]
            break
    else:
        value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError(raw)
    return value


def _whole_seconds(raw: str) -> int:
    return int(_seconds(raw))


_SHARED_SCHEMES = ("redis://", "rediss://", "unix://")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs, errors and ``/readyz``)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, hostpart = rest.rpartition("@")
    if not sep or not at:
        return url
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{hostpart}" if colon else f"{scheme}://***@{hostpart}"


_EXPECTED = {
    _int: "Not a valid int.",
    _bool: "Not a valid bool (use 1/0, true/false, yes/no, on/off).",
    _paths: "Not a list of paths.",
    _size: "Not a valid size (bytes, or a number with K, M or G).",
    _seconds: "Not a valid duration (seconds, or a number with ms, s, m, h or d).",
    _whole_seconds: "Not a valid duration (seconds, or a number with s, m, h or d).",
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
    memory_cache_bytes: int = 8 << 20
    font_cache_bytes: int = 16 << 20  # Pillow font objects per worker (fonts/objects.py)
    disk_cache: bool = True
    disk_cache_bytes: int = 1 << 30
    cache_dir: Path = field(default_factory=_default_cache_dir)
    signing_key: str = ""
    preview_token: str = ""  # /preview on a signing server needs it (ogimage.http.preview)
    # One render thread per worker: workers already take one core each, and a second thread
    # only contends for the GIL (bench: 1.05-1.11x the in-process CPU per cold card, against
    # 1.19-1.25x with two, and more cards/s), holding its own malloc arena besides.
    max_renders: int = 1
    max_queue: int = 16  # per worker: ~16 renders of 5-50 ms wait at most ~1 s (issue 10, floods)
    # Cache-Control of image answers. Empty: composed from the four parts below
    # (image_cache_control); any text given is sent verbatim.
    cache_control: str = ""
    max_age: int = 86400
    s_maxage: int | None = None  # None: CDNs use max-age
    stale_while_revalidate: int = 604800
    stale_if_error: int = 604800
    cache_control_immutable: str = "public, max-age=31536000, immutable"
    log_level: str = "info"
    access_log: bool = True
    # Hardening (issue 10): the request head and the time a render may take.
    max_head_bytes: int = 64 << 10
    max_headers: int = 100
    head_timeout: float = 10.0
    render_timeout: float = 5.0
    # The shared cache tier (Redis), off when empty; see ogimage/shared.py.
    shared_cache: str = ""
    shared_cache_ttl: float = 30 * 86400.0
    shared_cache_max_value_bytes: int = 4 << 20
    shared_cache_timeout: float = 0.05
    shared_cache_wait: float = 2.0

    @property
    def image_cache_control(self) -> str:
        """The ``Cache-Control`` of image answers: ``cache_control`` if set, else composed from its parts."""
        return self.cache_control or cache_control_for(self)

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
        read("font_cache_bytes", _size)
        read("disk_cache", _bool)
        read("disk_cache_bytes", _size)
        read("cache_dir", lambda raw: Path(raw).expanduser())
        read("signing_key", str)
        read("preview_token", str)
        read("max_renders", _int)
        read("max_queue", _int)
        read("cache_control", str)
        read("cache_control_immutable", str)
        read("max_age", _whole_seconds)
        read("s_maxage", _whole_seconds)
        read("stale_while_revalidate", _whole_seconds)
        read("stale_if_error", _whole_seconds)
        read("shared_cache", str)
        read("shared_cache_ttl", _seconds)
        read("shared_cache_max_value_bytes", _size)
        read("shared_cache_timeout", _seconds)
        read("shared_cache_wait", _seconds)
        read("log_level", str)
        read("access_log", _bool)
        read("max_head_bytes", _size)
        read("max_headers", _int)
        read("head_timeout", _seconds)
        read("render_timeout", _seconds)
        for name in ("port", "workers", "max_renders", "shared_cache_ttl", "max_head_bytes", "max_headers"):
            if name in values and int(values[name]) < 1:  # type: ignore[call-overload]
                key = PREFIX + name.upper()
                raise SettingsError(key, env[key], "Must be at least 1.")
        for name in ("head_timeout", "render_timeout"):
            if name in values and not float(values[name]) > 0:  # type: ignore[arg-type]
                key = PREFIX + name.upper()
                raise SettingsError(key, env[key], "Must be more than 0 seconds.")
        for name in ("max_queue", "memory_cache_bytes", "font_cache_bytes", "disk_cache_bytes"):
            if name in values and int(values[name]) < 0:  # type: ignore[call-overload]
                key = PREFIX + name.upper()
                raise SettingsError(key, env[key], "Must be 0 or more.")
        url = str(values.get("shared_cache", "")).strip()
        if url and not url.startswith(_SHARED_SCHEMES):
            raise SettingsError(
                PREFIX + "SHARED_CACHE", redact_url(url),
                "Not a Redis URL (redis://[:password@]host:port/db, rediss://… or unix://…).",
            )
        if "log_level" in values:
            level = str(values["log_level"]).strip().lower()
            if level not in _LOG_LEVELS:
                raise SettingsError(
                    PREFIX + "LOG_LEVEL", env[PREFIX + "LOG_LEVEL"], f"Not a log level ({', '.join(_LOG_LEVELS)})."
                )
            values["log_level"] = level
        return cls(**values)  # type: ignore[arg-type]


def cache_control_for(settings: Settings) -> str:
    """The default ``Cache-Control`` of image answers, from the settings' parts.

    ``public, max-age=A[, s-maxage=S], stale-while-revalidate=W, stale-if-error=E``:
    browsers keep a card ``A`` seconds, CDNs (shared caches) ``S`` if set, both may
    answer a stale copy for ``W`` seconds while they revalidate it, and for ``E``
    seconds when ogimage answers 5xx or cannot be reached. A part set to 0 is left
    out (``max-age`` always stays).
    """
    parts = ["public", f"max-age={settings.max_age}"]
    if settings.s_maxage is not None:
        parts.append(f"s-maxage={settings.s_maxage}")
    if settings.stale_while_revalidate:
        parts.append(f"stale-while-revalidate={settings.stale_while_revalidate}")
    if settings.stale_if_error:
        parts.append(f"stale-if-error={settings.stale_if_error}")
    return ", ".join(parts)
