"""A broken setup stops start-up at once: missing folders, broken templates, broken fonts.

The serve tests start a real ``ogimage serve`` on 127.0.0.1 with the default worker
count and check that it stops by itself with exit code 3 and one line, before any
worker starts.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ogimage.errors import FontError, SettingsError, TemplateError
from ogimage.fonts import FontBook
from ogimage.fonts.probe import probe_face
from ogimage.preflight import check_fonts, check_folders, font_book
from ogimage.resources import fonts_dir
from ogimage.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def corrupt_thai(folder: Path) -> Path:
    """Noto Sans Thai with its glyph data zeroed: same size, every table valid, blank glyphs."""
    src = fonts_dir() / "NotoSansThai-Regular.ttf"
    data = bytearray(src.read_bytes())
    entry = TTFont(str(src)).reader.tables["glyf"]
    data[entry.offset : entry.offset + entry.length] = bytes(entry.length)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "NotoSansThai-Broken.ttf"
    out.write_bytes(bytes(data))
    return out


def truncated_inter(folder: Path) -> Path:
    """Inter-Regular cut to a third: its name table still says family "Inter"."""
    data = (fonts_dir() / "Inter-Regular.otf").read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "Inter-Truncated.otf"
    out.write_bytes(data[: len(data) // 3])
    return out


def test_missing_folders_name_the_variable_and_the_folder(tmp_path: Path) -> None:
    for var in ("OGIMAGE_TEMPLATE_DIRS", "OGIMAGE_FONT_DIRS"):
        settings = Settings.from_env({var: f"{tmp_path}{os.pathsep}/nonexistent"})
        with pytest.raises(SettingsError) as info:
            check_folders(settings)
        assert info.value.exit_code == 3
        assert info.value.format_message().startswith(f"Config '{var}'") and "'/nonexistent'" in str(info.value)


def test_probe_finds_blank_glyphs_and_unreadable_files(tmp_path: Path) -> None:
    broken = probe_face(corrupt_thai(tmp_path))
    assert [f.script for f in broken] == ["Thai"] and "draws nothing" in broken[0].reason
    truncated = probe_face(truncated_inter(tmp_path))
    assert truncated and truncated[0].script is None and "cannot be opened" in truncated[0].reason
    assert probe_face(fonts_dir() / "NotoSansThai-Regular.ttf") == []


def test_bundled_fonts_pass_the_probe() -> None:
    check_fonts(FontBook.bundled())


@pytest.mark.parametrize("make", [corrupt_thai, truncated_inter])
def test_a_broken_user_font_folder_is_named(tmp_path: Path, make, caplog) -> None:
    folder = tmp_path / "fonts"
    path = make(folder)
    book = font_book([folder])
    with caplog.at_level(logging.WARNING, logger="ogimage"), pytest.raises(FontError) as info:
        check_fonts(book, [folder])
    # The font's family is a bundled one: it is skipped, and the log says so (one line).
    skipped = [r.getMessage() for r in caplog.records if "font skipped" in r.getMessage()]
    assert len(skipped) == 1 and path.name in skipped[0]
    assert f"font folder '{folder}'" in str(info.value) and path.name in str(info.value)
    assert info.value.exit_code == 3


def test_app_factory_refuses_a_broken_template(tmp_path: Path) -> None:
    from ogimage.http.app import create_app

    (tmp_path / "bad.toml").write_text("[title]\nx = 0\ny = 0\nwidth = 100\ncolor = '#zzz'\n")
    settings = Settings(template_dirs=(tmp_path,), disk_cache=False)
    with pytest.raises(TemplateError) as info:
        create_app(settings)
    assert info.value.key == "title.color"


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    environ.update({"OGIMAGE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT), **env})
    return subprocess.run(
        [sys.executable, "-m", "ogimage.cli", "serve", "--host", "127.0.0.1", "--port", "9"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60,
    )


def _fails_with_one_line(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "Uvicorn running" not in proc.stderr
    error = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(error) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in error[0], error[0]


@pytest.mark.parametrize("var", ["OGIMAGE_TEMPLATE_DIRS", "OGIMAGE_FONT_DIRS"])
def test_serve_stops_on_a_missing_folder(tmp_path: Path, var: str) -> None:
    _fails_with_one_line(_serve(tmp_path, **{var: "/nonexistent"}), var, "/nonexistent")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[title]\nx = 0\ny = 0\nwidth = 100\ncolor = '#zzz'\n", "title.color"),
        ("[title\nx = 0\n", "not valid TOML"),
        ("[title]\nx = 0\ny = 0\nwidth = 100\nmax_line = 3\n", "title.max_line"),
    ],
)
def test_serve_stops_on_a_broken_template(tmp_path: Path, text: str, key: str) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "broken.toml").write_text(text)
    _fails_with_one_line(_serve(tmp_path, OGIMAGE_TEMPLATE_DIRS=str(folder)), str(folder / "broken.toml"), key)


def test_serve_stops_on_a_broken_font_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fonts"
    corrupt_thai(folder)
    proc = _serve(tmp_path, OGIMAGE_FONT_DIRS=str(folder), OGIMAGE_WORKERS="1")
    _fails_with_one_line(proc, f"font folder '{folder}'", "Thai")


def test_a_good_font_that_duplicates_a_family_is_skipped_with_one_line(tmp_path: Path, caplog) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "MyInter.otf").write_bytes((fonts_dir() / "Inter-Regular.otf").read_bytes())
    book = font_book([folder])
    with caplog.at_level(logging.WARNING, logger="ogimage"):
        check_fonts(book, [folder])  # a valid font: start-up goes on
    # (only this check's lines: a rate-limited line of an earlier test may flush meanwhile)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("ogimage") and "MyInter" in r.getMessage()]
    assert len(lines) == 1 and "font skipped" in lines[0] and "MyInter.otf" in lines[0]


def test_probe_results_are_remembered_until_the_file_changes(tmp_path: Path) -> None:
    from ogimage.fonts.probe import probe_faces

    font = tmp_path / "Thai.ttf"
    font.write_bytes((fonts_dir() / "NotoSansThai-Regular.ttf").read_bytes())
    memo = tmp_path / "memo.json"
    assert probe_faces([(font, 0, None)], memo) == [] and len(json.loads(memo.read_text())) == 1
    corrupt_thai(tmp_path / "c")
    font.write_bytes((tmp_path / "c" / "NotoSansThai-Broken.ttf").read_bytes())  # same size, same inode
    os.utime(font, ns=(1, 1))  # whatever the clock's granularity, the stamp changes
    failures = probe_faces([(font, 0, None)], memo)
    assert [f.script for f in failures] == ["Thai"]
    assert json.loads(memo.read_text()) == []  # a failing face is never remembered


def test_serve_remembers_fonts_that_passed_in_the_cache_folder(tmp_path: Path) -> None:
    from ogimage.preflight import FONT_MEMO, Preflight

    settings = Settings(cache_dir=tmp_path / "cache")
    Preflight(settings).finish()
    assert len(json.loads((tmp_path / "cache" / FONT_MEMO).read_text())) == len(FontBook.bundled()._all_faces())
