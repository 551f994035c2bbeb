"""The set-up a newcomer runs: `make demo` installs recsum alone, quietly; a script beside the
clone imports the package."""

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make_target(name: str) -> str:
    """A Makefile rule's prerequisites and recipe."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}:(.*?)(?=^\S|\Z)", text, re.M | re.S)
    assert match, f"no {name} target"
    return match.group(1)


def test_the_license_is_an_spdx_string():
    """A table here made setuptools print a 13-line deprecation banner, three times a build."""
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"


def test_the_demo_installs_no_browser_and_no_extras():
    demo = make_target("demo")
    assert "browser" not in demo and "install" not in demo.split("\n")[0]
    assert make_target("test").split("\n")[0].split() == ["install"]
    assert "browser" in make_target("install").split("\n")[0]
    assert "$(PIP) -e .\n" in make_target("$(BIN)/recsum")


def test_a_script_beside_the_clone_imports_the_package(tmp_path):
    """A clone is a folder named recsum; from the folder that holds it, Python found that folder
    (an empty namespace package) before an editable install's finder, and `from recsum import
    Summarizer` failed. pyproject's package-dir makes an editable install put the clone itself
    on sys.path, where the real package wins."""
    pth = list(Path(sysconfig.get_paths()["purelib"]).glob("__editable__.recsum-*.pth"))
    if pth and pth[0].read_text(encoding="utf-8").startswith("import"):
        pytest.skip("recsum was installed (editable) before pyproject set package-dir; "
                    "pip install -e . again")
    (tmp_path / "recsum").mkdir()  # the clone, seen from its parent
    result = subprocess.run([sys.executable, "-c", "from recsum import Summarizer"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
