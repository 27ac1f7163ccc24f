"""A Markdown tree with every front matter case of issue #11, for the batch tests.

The five samples in tests/data/batch/content (copied from shared/samples) plus files
written here byte for byte (BOM, CRLF, Latin-1, a dangling link), which a checkout
could otherwise alter.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SAMPLES = Path(__file__).parent / "data" / "batch" / "content"

FILES: dict[str, bytes] = {
    "blog/json-page.md": b'{\n  "title": "JSON front matter",\n  "tags": ["json"],\n  "date": "2026-02-03"\n}\nBody.\n',
    "blog/bom-crlf.md": "\ufeff---\r\ntitle: BOM and CRLF\r\nsummary: Windows editors\r\n---\r\n\r\nBody.\r\n".encode(),
    "blog/draft.md": b"---\ntitle: Not yet\ndraft: true\n---\n",
    "blog/string-date.md": b"---\ntitle: A string date\ndate: 'October 5, 2026'\nauthor: [Ana, Bo]\n---\n",
    "blog/override.md": b"---\ntitle: Long page title\nog:\n  template: plain\n  title: Card title\n---\n",
    "blog/opt-out.md": b"---\ntitle: No card\nogimage: false\n---\n",
    "blog/own-image.md": b"---\ntitle: Has a picture\nimage: /img/picture.png\n---\n",
    "blog/bundle/index.md": b"---\ntitle: A page bundle\n---\n",
    "section/_index.md": b"---\ntitle: A section\n---\n",
    "blog/slugged.md": b"---\ntitle: Slugged\nslug: custom-name\n---\n",
    "blog/heading.md": b"---\ndescription: the title comes from the heading\n---\n\n# Heading title\n",
    "blog/empty.md": b"",
    "blog/empty-block.md": b"---\n---\nNothing in the block.\n",
    "blog/numeric.md": b"---\ntitle: 12345\n---\n",
    "clash/page.md": b"---\ntitle: One\n---\n",
    "clash/page/index.md": b"---\ntitle: Two\n---\n",
    "bad/title-list.md": b"---\ndate: 2026-01-01\ntitle: [a, b]\n---\n",
    "bad/latin1.md": "---\ntitle: café\n---\n".encode("latin-1"),
    "bad/bad-toml.md": b'+++\ntitle = "x"\ndate = \n+++\n',
    "notes.txt": b"not markdown: ignored\n",
}

#: source (relative to the tree) -> output (relative to --out), for every page that renders.
RENDERED = {
    "index.md": "index.png",
    "blog/2026/deepseek-summit.md": "blog/2026/deepseek-summit.png",
    "blog/2026/hello.md": "blog/2026/hello.png",
    "blog/2026/no-title.md": "blog/2026/no-title.png",
    "blog/json-page.md": "blog/json-page.png",
    "blog/bom-crlf.md": "blog/bom-crlf.png",
    "blog/string-date.md": "blog/string-date.png",
    "blog/override.md": "blog/override.png",
    "blog/bundle/index.md": "blog/bundle.png",
    "section/_index.md": "section.png",
    "blog/slugged.md": "blog/custom-name.png",
    "blog/heading.md": "blog/heading.png",
    "blog/empty.md": "blog/empty.png",
    "blog/empty-block.md": "blog/empty-block.png",
    "blog/numeric.md": "blog/numeric.png",
}
SKIPPED = {"blog/draft.md": "draft", "blog/opt-out.md": "opted out",
           "blog/own-image.md": "has its own image: /img/picture.png"}
FAILED = ["blog/2026/broken.md", "clash/page.md", "clash/page/index.md", "bad/title-list.md", "bad/latin1.md",
          "bad/bad-toml.md", "bad/unreadable.md"]


def make_tree(root: Path) -> Path:
    """Write the tree under ``root/content`` and return that folder."""
    content = root / "content"
    shutil.copytree(SAMPLES, content)
    for name, data in FILES.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.symlink(content / "missing-target.md", content / "bad" / "unreadable.md")  # listed, cannot be read
    return content


def many_pages(root: Path, n: int) -> Path:
    """``n`` small YAML pages under ``root/many``."""
    folder = root / "many"
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"p{i:04d}.md").write_text(f"---\ntitle: Page number {i} of the batch\ntags: [a, b]\n---\n",
                                             encoding="utf-8")
    return folder
