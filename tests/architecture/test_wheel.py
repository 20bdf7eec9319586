"""The distribution installs the three top-level packages with the files they read at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_gateway_resolvers_and_loaders(tmp_path: Path) -> None:
    # Built from a copy: a build in the work tree would leave build/ and egg-info behind.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("gateway", "resolvers", "loaders"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("usage_gateway-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith("dist-info")}
    assert tops == {"gateway", "resolvers", "loaders"}
    for expected in (
        "resolvers/schema.py",
        "resolvers/planned/planner.py",
        "resolvers/documents/usage-page.graphql",
        "resolvers/documents/consumption-page.graphql",
        "loaders/base.py",
        "gateway/web/static/dashboard/app.js",
        "gateway/storage/migrations/env.py",
    ):
        assert expected in names, expected
