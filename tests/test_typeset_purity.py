"""The typesetting core is pure: importing it pulls in no drawing or web modules."""

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("PIL", "fastapi", "starlette", "uvicorn")


def test_typeset_imports_no_heavy_modules():
    code = (
        "import sys, ogimage.typeset as t\n"
        "t.fit('漢字とLatin', t.BoxSpec(300, 10, 40, 2), lambda s, z: len(s) * z)\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules or "
        "any(k.startswith(m + '.') for k in sys.modules)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "", f"ogimage.typeset imported {out.stdout.strip()}"
