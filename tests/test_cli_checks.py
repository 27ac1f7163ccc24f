"""Command-line arguments are checked before any work: one line, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ogimage.cli import main


@pytest.mark.parametrize("flag", ["--templates-dir", "--fonts-dir"])
def test_a_folder_that_does_not_exist(capsys, tmp_path: Path, flag: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["render", "--title", "x", flag, "/nonexistent", "-o", str(tmp_path / "x.png")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: '/nonexistent' does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_output_in_a_missing_folder(capsys) -> None:
    assert main(["render", "--title", "x", "-o", "/nonexistent/dir/x.png"]) == 2
    assert "folder '/nonexistent/dir' does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["c.gif", "c.PNGX", "card.txt"])
def test_unknown_extension_is_refused(capsys, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    assert main(["render", "--title", "x", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    suffix = Path(name).suffix.lower()
    assert f"unknown extension '{suffix}'" in err and ".png" in err and ".webp" in err
    assert not out.exists()


def test_format_must_agree_with_the_extension(capsys, tmp_path: Path) -> None:
    assert main(["render", "--title", "x", "-o", str(tmp_path / "c.png"), "--format", "jpeg"]) == 2
    assert "disagrees" in capsys.readouterr().err


def test_no_extension_and_jpg_alias_still_work(tmp_path: Path) -> None:
    assert main(["render", "-t", "plain", "--title", "x", "-o", str(tmp_path / "card")]) == 0
    assert Image.open(tmp_path / "card").format == "PNG"
    assert main(["render", "-t", "plain", "--title", "x", "-o", str(tmp_path / "c.jpg")]) == 0
    assert Image.open(tmp_path / "c.jpg").format == "JPEG"


def test_an_output_that_cannot_be_written(capsys, tmp_path: Path) -> None:
    (tmp_path / "taken.png").mkdir()
    assert main(["render", "-t", "plain", "--title", "x", "-o", str(tmp_path / "taken.png")]) == 2
    assert "cannot be written" in capsys.readouterr().err
