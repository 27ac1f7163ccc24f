from pathlib import Path

import pytest

from ogimage.errors import SettingsError
from ogimage.settings import Settings


def test_defaults_without_environment():
    s = Settings.from_env({})
    assert s.port == 8000 and s.memory_cache_bytes == 8 << 20 and s.disk_cache is True
    assert s.cache_control == "" and s.s_maxage is None
    assert s.image_cache_control == "public, max-age=86400, stale-while-revalidate=604800, stale-if-error=604800"
    assert s.shared_cache == "" and s.shared_cache_ttl == 30 * 86400 and s.shared_cache_timeout == 0.05
    assert s.cache_control_immutable == "public, max-age=31536000, immutable"
    assert s.signing_key == "" and s.access_log is True and s.workers >= 1 and s.max_renders == 1


def test_every_variable_is_read():
    env = {
        "OGIMAGE_HOST": "0.0.0.0", "OGIMAGE_PORT": "9000", "OGIMAGE_WORKERS": "3",
        "OGIMAGE_TEMPLATE_DIRS": "/a:/b", "OGIMAGE_MEMORY_CACHE_BYTES": "64M",
        "OGIMAGE_DISK_CACHE": "off", "OGIMAGE_CACHE_DIR": "/tmp/x", "OGIMAGE_SIGNING_KEY": "k",
        "OGIMAGE_MAX_RENDERS": "2", "OGIMAGE_MAX_QUEUE": "0", "OGIMAGE_CACHE_CONTROL": "no-cache",
        "OGIMAGE_CACHE_CONTROL_IMMUTABLE": "public, max-age=60", "OGIMAGE_LOG_LEVEL": "WARNING",
        "OGIMAGE_ACCESS_LOG": "false",
    }
    s = Settings.from_env(env)
    assert (s.host, s.port, s.workers) == ("0.0.0.0", 9000, 3)
    assert s.template_dirs == (Path("/a"), Path("/b"))
    assert s.memory_cache_bytes == 64 << 20 and s.disk_cache is False and s.cache_dir == Path("/tmp/x")
    assert (s.signing_key, s.max_renders, s.max_queue) == ("k", 2, 0)
    assert (s.cache_control, s.cache_control_immutable) == ("no-cache", "public, max-age=60")
    assert s.log_level == "warning" and s.access_log is False
    assert s.image_cache_control == "no-cache"  # given verbatim: wins over the parts


def test_cache_control_parts_and_the_shared_tier_are_read():
    s = Settings.from_env({
        "OGIMAGE_MAX_AGE": "1h", "OGIMAGE_S_MAXAGE": "7d", "OGIMAGE_STALE_WHILE_REVALIDATE": "0",
        "OGIMAGE_STALE_IF_ERROR": "86400", "OGIMAGE_SHARED_CACHE": "rediss://:pw@cache.internal:6380/2",
        "OGIMAGE_SHARED_CACHE_TTL": "30d", "OGIMAGE_SHARED_CACHE_MAX_VALUE_BYTES": "512K",
        "OGIMAGE_SHARED_CACHE_TIMEOUT": "50ms", "OGIMAGE_SHARED_CACHE_WAIT": "1.5s",
    })
    assert s.image_cache_control == "public, max-age=3600, s-maxage=604800, stale-if-error=86400"
    assert s.shared_cache == "rediss://:pw@cache.internal:6380/2" and s.shared_cache_ttl == 30 * 86400
    assert (s.shared_cache_max_value_bytes, s.shared_cache_timeout, s.shared_cache_wait) == (512 << 10, 0.05, 1.5)


def test_a_bad_shared_cache_url_fails_without_showing_its_password():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"OGIMAGE_SHARED_CACHE": "http://:s3cret@cache:6379"})
    assert "OGIMAGE_SHARED_CACHE" in str(info.value) and "s3cret" not in str(info.value)
    assert "Not a Redis URL" in str(info.value)


@pytest.mark.parametrize("name,value", [
    ("OGIMAGE_PORT", "eighty"), ("OGIMAGE_PORT", "0"), ("OGIMAGE_WORKERS", "-1"),
    ("OGIMAGE_MEMORY_CACHE_BYTES", "lots"), ("OGIMAGE_DISK_CACHE", "maybe"),
    ("OGIMAGE_MAX_RENDERS", "0"), ("OGIMAGE_MAX_QUEUE", "-2"), ("OGIMAGE_LOG_LEVEL", "loud"),
    ("OGIMAGE_ACCESS_LOG", "2"), ("OGIMAGE_S_MAXAGE", "a day"), ("OGIMAGE_SHARED_CACHE_TIMEOUT", "-1"),
    ("OGIMAGE_SHARED_CACHE_TTL", "0"),
])
def test_bad_values_fail_naming_the_variable(name, value):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value) and repr(value) in str(info.value)
    assert info.value.field == name


def test_serve_fails_at_start_up_naming_the_variable(capsys, monkeypatch):
    from ogimage.cli import main

    monkeypatch.setenv("OGIMAGE_MAX_RENDERS", "many")
    assert main(["serve", "--port", "1"]) == 3
    err = capsys.readouterr().err
    assert "OGIMAGE_MAX_RENDERS" in err and "'many'" in err and "Not a valid int." in err


def test_the_font_cache_bound_is_a_setting_the_service_applies(tmp_path) -> None:
    from ogimage.caches import registry
    from ogimage.root import build_service

    s = Settings.from_env({"OGIMAGE_FONT_CACHE_BYTES": "32M", "OGIMAGE_CACHE_DIR": str(tmp_path)})
    assert s.font_cache_bytes == 32 << 20 and Settings().font_cache_bytes == 16 << 20
    service = build_service(s)
    try:
        service.render_cached(service.card({"title": "東京 Font cache"}, "plain"))
        live = [c.max_bytes for c in registry.caches() if c.name == "fonts"]
        assert 32 << 20 in live
    finally:  # the registry holds caches weakly, but this engine may outlive the test
        service.engine.fonts.limit_font_objects(Settings().font_cache_bytes)
        service.close()
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"OGIMAGE_FONT_CACHE_BYTES": "-1"})
    assert "OGIMAGE_FONT_CACHE_BYTES" in str(info.value)
