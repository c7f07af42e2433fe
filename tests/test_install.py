"""geoaq installed from its wheel works outside the checkout, like the checkout.

The wheel is built from this working tree (hatchling, pinned in requirements-dev.txt, so no
download at test time) and installed into a fresh venv. That venv sees the dev venv's
site-packages for the third-party dependencies only: a ``.pth`` line adds the directory to
``sys.path``, and the ``.pth`` files inside it (among them the dev venv's editable geoaq) are
not processed, so ``import geoaq`` finds the installed wheel. Then, in an empty folder,
``geoaq demo`` / ``geoaq layers`` / ``python -m geoaq layers`` and a fire check (which reads
the land-cover raster through fires.toml's relative path) give what the checkout gives.
About 30 s: marked ``wheel``; ``make test`` runs it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from geoaq import config

pytestmark = pytest.mark.wheel

REPO = Path(config.__file__).resolve().parents[1]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def geoaq(self) -> Path:
        return self.venv / "bin" / "geoaq"


def _environment() -> dict[str, str]:
    """The caller's environment without geoaq's settings and anything that moves imports (but
    the demo accounts' password)."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH"}
    kept = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("GEOAQ_")}
    # the demo's accounts get this password, not a new random one per run (both runs compare)
    return {**kept, "GEOAQ_DEMO_PASSWORD": "install-test-password-1"}


def _run(command: list[str | Path], cwd: Path, timeout: float = 240) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=_environment(), capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel of this tree, installed into a fresh venv that borrows only the dependencies."""
    work = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--quiet", "-w", work / "dist", REPO], cwd=work)
    (wheel,) = (work / "dist").glob("geoaq-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    site_packages = Path(_run([venv / "bin" / "python", "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work).strip())
    dev_site_packages = sysconfig.get_paths()["purelib"]
    (site_packages / "_geoaq_test_dependencies.pth").write_text(dev_site_packages + "\n", "utf-8")
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps",
          "--no-index", "--quiet", wheel], cwd=work)
    return Installed(wheel, venv)


def _checkout_run(args: list[str], cwd: Path) -> str:
    """The same command run from the checkout (the dev venv's editable geoaq)."""
    return _run([sys.executable, "-m", "geoaq", *args], cwd=cwd)


def _without_timings(text: str) -> str:
    return re.sub(r"\(\d+(\.\d+)? s\)", "(… s)", text)


def _row_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in sorted(tables)}
    finally:
        con.close()


def test_the_wheel_carries_layers_rules_standards_targets_and_demo_data(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    for resource, (in_checkout, in_wheel) in config.SHIPPED_LAYOUT.items():
        source = REPO / in_checkout
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        assert files, resource
        for path in files:
            inside = f"geoaq/_shipped/{in_wheel}" + ("" if source.is_file()
                                                     else "/" + path.relative_to(source).as_posix())
            assert inside in names, inside
    assert "geoaq/__main__.py" in names and "geoaq/db/sql/fire_detections.sql" in names
    assert "geoaq/locales/zh.toml" in names


def test_the_installed_geoaq_is_the_wheel_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    shown = _run([installed.python, "-c", (
        "import geoaq, geoaq.config as c\n"
        "from geoaq.fires.rules import load_fire_rules\n"
        "from geoaq.geo.raster import load_class_map\n"
        "rules = load_fire_rules()\n"
        "print(geoaq.__file__, c.CHECKOUT, c.PACKAGE_DATA.is_dir(), rules.landcover,"
        " rules.landcover.is_file(), sorted(load_class_map().cropland), sep='\\n')")], cwd=tmp_path)
    module, checkout, has_data, landcover, landcover_found, cropland = shown.splitlines()
    site_packages = installed.venv / "lib"
    assert Path(module).is_relative_to(site_packages), module
    assert checkout == "None" and has_data == "True"
    assert Path(landcover) == Path(module).parent / "_shipped" / "demo" / "synthetic" / "landcover.tif"
    assert landcover_found == "True" and cropland == "[40]"


def test_demo_and_layers_in_an_empty_folder_match_the_checkout(installed: Installed,
                                                               tmp_path: Path) -> None:
    here, there = tmp_path / "installed", tmp_path / "checkout"
    here.mkdir()
    there.mkdir()
    built = _run([installed.geoaq, "demo", "--db", "x.duckdb"], cwd=here)
    assert _without_timings(built) == _without_timings(_checkout_run(["demo", "--db", "x.duckdb"], there))
    assert sorted(p.name for p in here.iterdir()) == ["x.duckdb"]  # nothing else written here
    counts = _row_counts(here / "x.duckdb")
    assert counts == _row_counts(there / "x.duckdb")
    assert counts["admin_units"] > 0 and counts["readings"] > 0 and counts["fire_points"] > 0

    listed = _run([installed.geoaq, "layers", "--db", "x.duckdb"], cwd=here)
    assert listed == _checkout_run(["layers", "--db", "x.duckdb"], there)
    assert listed == _run([installed.python, "-m", "geoaq", "layers", "--db", "x.duckdb"], cwd=here)
    assert f"{counts['stations']} rows" in listed

    check = ["fires", "check", "--start", "2025-04-20", "--end", "2025-04-24", "--format", "csv",
             "--db", "x.duckdb"]
    events = _run([installed.geoaq, *check], cwd=here)
    assert events == _checkout_run(check, there)
    rows = list(csv.DictReader(io.StringIO(events)))
    assert rows and all(row["landcover_code"] for row in rows)  # the land-cover raster was read
