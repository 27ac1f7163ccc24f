"""``ogimage batch`` and ``ogimage meta`` run as the real command on Markdown trees.

Most tests call ``main([...])`` (the console script's own entry point) and check the
files, the manifest, the exit status and the messages; the Ctrl-C and --watch tests run
``python -m ogimage.cli`` as a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from batch_tree import FAILED, RENDERED, SKIPPED, make_tree
from ogimage.cli import main

TEMPLATES = Path(__file__).parent.parent / "assets" / "templates"


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGIMAGE_DISK_CACHE", "0")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The case tree at tmp_path/content, with the working folder at tmp_path."""
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def batch(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["batch", *args])
    return code, capsys.readouterr().err.splitlines()


def statuses(lines: list[str]) -> dict[str, str]:
    """source -> status from the plain per-file lines."""
    out = {}
    for line in lines:
        m = re.match(r"^(rendered|unchanged|skipped|failed)\s+(\S+?)(?::\d+)?(?::| |$)", line)
        if m:
            out[m.group(2).removeprefix("content/")] = m.group(1)
    return out


def manifest(out: Path) -> dict:
    return json.loads((out / "ogimage-manifest.json").read_text(encoding="utf-8"))


def test_every_case_of_the_tree(tree: Path, capsys) -> None:
    code, lines = batch(capsys, "content", "--out", "og", "--jobs", "2", "--base-url", "https://example.dev/og/")
    assert code == 1  # some files are broken; the rest are rendered
    seen = statuses(lines)
    assert {s for s, st in seen.items() if st == "rendered"} == set(RENDERED)
    assert {s for s, st in seen.items() if st == "skipped"} == set(SKIPPED)
    assert {s for s, st in seen.items() if st == "failed"} == set(FAILED)
    assert "notes.txt" not in seen
    for source, output in RENDERED.items():
        image = Image.open(tree / "og" / output)
        assert image.format == "PNG" and image.size == (1200, 630), source
    text = "\n".join(lines)
    for source, why in SKIPPED.items():
        assert f"skipped    content/{source} ({why})" in text
    # Bad input: file, line where the parser gives one, key, reason.
    assert "content/blog/2026/broken.md:4: YAML: while scanning a quoted scalar" in text
    assert "content/bad/title-list.md:3: title: must be text, not a list" in text
    assert "content/bad/latin1.md:2: not UTF-8 text" in text
    assert "content/bad/bad-toml.md:3: TOML: Invalid value" in text
    assert "content/bad/unreadable.md: cannot read: No such file or directory" in text
    assert re.search(r"content/clash/page\.md: output clash/page\.png is also the output of content/clash/page/index\.md",
                     text)
    assert re.search(r"content/clash/page/index\.md: output clash/page\.png is also the output of content/clash/page\.md",
                     text)
    assert not (tree / "og" / "clash").exists()
    assert lines[-1].startswith(f"{len(RENDERED)} rendered, 0 unchanged, 3 skipped (1 draft, 1 has its own image, "
                                f"1 opted out), {len(FAILED)} failed in ")


def test_manifest_records_output_key_title_alt_and_url(tree: Path, capsys) -> None:
    batch(capsys, "content", "--out", "og", "--base-url", "https://example.dev/og/")
    pages = manifest(tree / "og")["pages"]
    assert set(pages) == {f"content/{s}" for s in RENDERED}
    entry = pages["content/blog/override.md"]
    assert entry["output"] == "blog/override.png" and entry["title"] == "Card title"
    assert entry["alt"] == "Card title" and entry["url"] == "https://example.dev/og/blog/override.png"
    assert re.fullmatch(r"[0-9a-f]{64}", entry["key"])
    assert pages["index.md" if "index.md" in pages else "content/index.md"]["title"] == "개발자를 위한 오픈소스 AI 가이드"
    assert pages["content/blog/numeric.md"]["title"] == "12345"
    assert pages["content/blog/empty.md"]["title"] == "Empty"
    assert pages["content/blog/heading.md"]["title"] == "Heading title"
    assert pages["content/blog/2026/no-title.md"]["title"] == "No title"


def test_same_bytes_as_the_service(tree: Path, capsys) -> None:
    from ogimage.root import build_service
    from ogimage.settings import Settings

    batch(capsys, "content/blog/string-date.md", "content/index.md", "--out", "og", "--template", "light")
    service = build_service(Settings(disk_cache=False))
    card = service.card({"title": "A string date", "date": "2026-10-05", "author": ["Ana", "Bo"]}, "light")
    rendered = service.render_cached(card, "png")
    assert (tree / "og" / "string-date.png").read_bytes() == rendered.body
    assert manifest(tree / "og")["pages"]["content/blog/string-date.md"]["key"] == rendered.key


def test_rerun_renders_nothing_and_an_edit_renders_exactly_that_page(tree: Path, capsys) -> None:
    batch(capsys, "content", "--out", "og", "--jobs", "2")
    code, lines = batch(capsys, "content", "--out", "og", "--jobs", "2")
    assert code == 1 and "rendered" not in statuses(lines).values()
    assert lines[-1].startswith(f"0 rendered, {len(RENDERED)} unchanged")
    os.utime(tree / "content/blog/numeric.md")  # touched, same content: same key, nothing to draw
    assert "rendered" not in statuses(batch(capsys, "content", "--out", "og")[1]).values()
    page = tree / "content/blog/numeric.md"
    page.write_text(page.read_text().replace("12345", "54321"))
    seen = statuses(batch(capsys, "content", "--out", "og", "--jobs", "2")[1])
    assert [s for s, st in seen.items() if st == "rendered"] == ["blog/numeric.md"]
    (tree / "og" / "blog/heading.png").unlink()
    seen = statuses(batch(capsys, "content", "--out", "og")[1])
    assert [s for s, st in seen.items() if st == "rendered"] == ["blog/heading.md"]
    seen = statuses(batch(capsys, "content", "--out", "og", "--force")[1])
    assert {s for s, st in seen.items() if st == "rendered"} == set(RENDERED)


def _age(folder: Path) -> None:
    """Date every file under ``folder`` an hour back, as if written long before the run."""
    then = time.time_ns() - 3600 * 10**9
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, ns=(then, then))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the batch reads from now on (as shown), in order."""
    from ogimage.batch import build

    reads: list[str] = []
    real = build.read_page

    def read_page(path: Path, shown: str | None = None, **options):
        reads.append(shown or str(path))
        return real(path, shown, **options)

    monkeypatch.setattr(build, "read_page", read_page)
    return reads


def test_a_rerun_reads_only_the_files_that_changed(tree: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(tree / "content")
    batch(capsys, "content", "--out", "og", "--jobs", "2")
    reads = _count_reads(monkeypatch)
    code, lines = batch(capsys, "content", "--out", "og", "--jobs", "2")
    assert code == 1 and lines[-1].startswith(f"0 rendered, {len(RENDERED)} unchanged")
    # Pages with a card come from the manifest; those without one (skipped, failed) are read.
    assert sorted(reads) == sorted(f"content/{s}" for s in (*SKIPPED, *FAILED))
    reads.clear()
    page = tree / "content/blog/numeric.md"
    page.write_text(page.read_text().replace("12345", "54321"))  # same size, a new mtime
    seen = statuses(batch(capsys, "content", "--out", "og")[1])
    assert [s for s, st in seen.items() if st == "rendered"] == ["blog/numeric.md"]
    assert [r for r in reads if r.removeprefix("content/") in RENDERED] == ["content/blog/numeric.md"]
    assert manifest(tree / "og")["pages"]["content/blog/numeric.md"]["title"] == "54321"


def test_pages_not_read_again_still_follow_their_template(tree: Path, capsys, monkeypatch) -> None:
    templates = tree / "templates"
    templates.mkdir()
    shutil.copy(TEMPLATES / "plain.toml", templates / "mine.toml")
    page = tree / "content/blog/numeric.md"
    page.write_text(page.read_text().replace("---\n", "---\nog:\n  template: mine\n", 1))
    _age(tree / "content")
    args = ["content/blog", "--out", "og", "--templates-dir", str(templates)]
    batch(capsys, *args)
    reads = _count_reads(monkeypatch)
    toml = templates / "mine.toml"
    toml.write_text(toml.read_text().replace('color = "#0f172a"', 'color = "#7f1d1d"'))
    seen = statuses(batch(capsys, *args)[1])
    assert [s for s, st in seen.items() if st == "rendered"] == ["blog/numeric.md"]
    assert "content/blog/numeric.md" not in reads
    assert Image.open(tree / "og/numeric.png").convert("RGB").getpixel((5, 5)) == (0x7F, 0x1D, 0x1D)
    # Reading another way (another default template) reads every page again.
    reads.clear()
    seen = statuses(batch(capsys, *args, "--template", "light")[1])
    assert "content/blog/heading.md" in reads and seen["blog/heading.md"] == "rendered"
    assert seen["blog/numeric.md"] == "unchanged"  # its own template decides


def test_a_page_written_just_before_a_run_is_read_again_by_the_next(tree: Path, capsys, monkeypatch) -> None:
    # Its mtime could still change within the same clock tick, unseen: no stamp is kept.
    page = tree / "content/blog/heading.md"
    os.utime(page)  # written now
    batch(capsys, "content/blog/heading.md", "--out", "og")
    reads = _count_reads(monkeypatch)
    os.utime(page)
    batch(capsys, "content/blog/heading.md", "--out", "og")
    assert reads == ["content/blog/heading.md"]
    assert "source" not in manifest(tree / "og")["pages"]["content/blog/heading.md"]


def test_a_template_change_renders_the_pages_that_use_it(tree: Path, capsys) -> None:
    templates = tree / "templates"
    templates.mkdir()
    shutil.copy(TEMPLATES / "plain.toml", templates / "mine.toml")
    for name in ("blog/heading.md", "blog/numeric.md"):
        page = tree / "content" / name
        page.write_text(page.read_text().replace("---\n", "---\nog:\n  template: mine\n", 1))
    args = ["content", "--out", "og", "--templates-dir", str(templates)]
    batch(capsys, *args)
    before = (tree / "og/blog/numeric.png").read_bytes()
    toml = templates / "mine.toml"
    toml.write_text(toml.read_text().replace('color = "#0f172a"', 'color = "#7f1d1d"'))
    seen = statuses(batch(capsys, *args)[1])
    assert {s for s, st in seen.items() if st == "rendered"} == {"blog/heading.md", "blog/numeric.md"}
    assert (tree / "og/blog/numeric.png").read_bytes() != before
    assert Image.open(tree / "og/blog/numeric.png").convert("RGB").getpixel((5, 5)) == (0x7F, 0x1D, 0x1D)


def test_drafts_and_all_render_what_is_otherwise_skipped(tree: Path, capsys) -> None:
    seen = statuses(batch(capsys, "content/blog", "--out", "og", "--drafts", "--all")[1])
    assert seen["blog/draft.md"] == seen["blog/own-image.md"] == "rendered" and seen["blog/opt-out.md"] == "skipped"
    assert (tree / "og/draft.png").exists() and (tree / "og/own-image.png").exists()


def test_vanished_sources_are_reported_and_pruned(tree: Path, capsys) -> None:
    batch(capsys, "content", "--out", "og")
    (tree / "content/blog/bundle/index.md").unlink()
    page = tree / "content/blog/numeric.md"
    page.write_text(page.read_text().replace("---\n", "---\nogimage: false\n", 1))  # now opted out
    code, lines = batch(capsys, "content", "--out", "og")
    assert "stale      og/blog/bundle.png (its source is gone; --prune removes it)" in lines
    assert "stale      og/blog/numeric.png (its source is gone; --prune removes it)" in lines
    assert (tree / "og/blog/bundle.png").exists()
    assert "content/blog/bundle/index.md" not in manifest(tree / "og")["pages"]
    batch(capsys, "content", "--out", "og")  # reported once, then forgotten by the manifest...
    (tree / "content/section/_index.md").unlink()
    code, lines = batch(capsys, "content", "--out", "og", "--prune")
    assert "removed    og/section.png (its source is gone)" in lines
    assert not (tree / "og/section.png").exists()


def test_a_run_on_part_of_the_tree_keeps_the_rest_of_the_manifest(tree: Path, capsys) -> None:
    batch(capsys, "content", "--out", "og")
    code, lines = batch(capsys, "content/blog/2026/hello.md", "--out", "og", "--prune")
    assert code == 0 and not any(line.startswith(("stale", "removed")) for line in lines)
    assert len(manifest(tree / "og")["pages"]) == len(RENDERED)


def test_include_exclude_globs_and_dry_run(tree: Path, capsys) -> None:
    code, lines = batch(capsys, "content/**/*.md", "--out", "og", "--include", "blog/*", "--exclude", "*.markdown",
                        "--exclude", "blog/2026/*", "--dry-run")
    seen = statuses(lines)
    assert code == 0 and set(seen) == {"blog/" + s for s in ("json-page.md", "bom-crlf.md", "draft.md",
                                                             "string-date.md", "override.md", "opt-out.md",
                                                             "own-image.md", "bundle/index.md", "slugged.md",
                                                             "heading.md", "empty.md", "empty-block.md",
                                                             "numeric.md")}
    assert "(dry run)" in "\n".join(lines) and lines[-1].startswith("10 to render")
    assert not (tree / "og").exists()


def test_formats_and_quiet(tree: Path, capsys) -> None:
    code, lines = batch(capsys, "content/blog/json-page.md", "--out", "og", "--format", "webp", "--quiet")
    assert code == 0 and lines == []
    assert Image.open(tree / "og/json-page.webp").format == "WEBP"
    code, lines = batch(capsys, "content/bad", "--out", "og", "-q")
    assert code == 1 and len(lines) == 4 and all(line.startswith("failed") for line in lines)


@pytest.mark.parametrize(("args", "message"), [
    (["content", "--out", "og", "--template", "nope"], "unknown template 'nope'"),
    (["missing-folder", "--out", "og"], "missing-folder: no such file, folder or matching glob"),
])
def test_bad_arguments_exit_2(tree: Path, capsys, args: list[str], message: str) -> None:
    code, lines = batch(capsys, *args)
    assert code == 2 and message in lines[-1]


def test_bad_option_values_exit_2(tree: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["batch", "content", "--out", "og", "--jobs", "0"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["batch", "content", "--out", "og", "--format", "gif"])
    assert info.value.code == 2


def test_meta_prints_the_tags_of_one_page(tree: Path, capsys) -> None:
    code = main(["meta", "content/blog/override.md", "--base-url", "https://example.dev/og", "--root", "content"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == [
        '<meta property="og:image" content="https://example.dev/og/blog/override.png">',
        '<meta property="og:image:width" content="1200">',
        '<meta property="og:image:height" content="630">',
        '<meta property="og:image:type" content="image/png">',
        '<meta property="og:image:alt" content="Card title">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:image" content="https://example.dev/og/blog/override.png">',
        '<meta name="twitter:image:alt" content="Card title">',
    ]
    page = tree / "content/site.md"
    page.write_text('---\ntitle: Fish & "chips"\nsite: example.dev\nslug: fish\n---\n')
    assert main(["meta", str(page), "--base-url", "https://example.dev/og/", "--root", "content", "--json"]) == 0
    tags = dict(json.loads(capsys.readouterr().out))
    assert tags["og:image"] == "https://example.dev/og/fish.png"
    assert tags["og:image:alt"] == 'Fish & "chips" – example.dev'


def test_meta_of_a_broken_page_names_file_line_and_key(tree: Path, capsys) -> None:
    assert main(["meta", "content/bad/title-list.md", "--base-url", "https://x.dev"]) == 1
    assert "content/bad/title-list.md:3: title: must be text, not a list" in capsys.readouterr().err


def test_meta_of_a_page_without_a_card(tree: Path, capsys) -> None:
    assert main(["meta", "content/blog/own-image.md", "--base-url", "https://x.dev"]) == 1
    assert "has its own image: /img/picture.png; no card" in capsys.readouterr().err
    assert main(["meta", "content/blog/own-image.md", "--base-url", "https://x.dev", "--all"]) == 0
    assert '<meta property="og:image" content="https://x.dev/content/blog/own-image.png">' in capsys.readouterr().out
    assert main(["meta", "content/blog/opt-out.md", "--base-url", "https://x.dev"]) == 1


def test_same_bytes_as_the_http_endpoint(tree: Path, capsys) -> None:
    from fastapi.testclient import TestClient

    from ogimage.http.app import create_app
    from ogimage.settings import Settings

    batch(capsys, "content/blog/2026/hello.md", "--out", "og")
    with TestClient(create_app(Settings(disk_cache=False, access_log=False))) as client:
        answer = client.get("/api/og/default", params={"title": "Hello, TOML front matter", "tags": "meta",
                                                        "date": "2026-11-01"})
    assert answer.status_code == 200
    assert answer.content == (tree / "og/hello.png").read_bytes()
    assert answer.headers["etag"].strip('"') == manifest(tree / "og")["pages"]["content/blog/2026/hello.md"]["key"][:32]
