"""geoaq.config: shipped resources, a site's own files from GEOAQ_SITE_DIR, the settings.

A site points ``GEOAQ_SITE_DIR`` at a directory laid out like the shipped one; a file found
there replaces the shipped file of the same name, a layer file geoaq does not ship adds a layer.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from geoaq import config, layers
from geoaq._errors import ConfigError, GeoaqError
from geoaq.aq.standards import available_versions, load_standard, load_standard_file
from geoaq.compliance.targets import load_targets
from geoaq.fires.penalties import load_rules as load_penalty_rules
from geoaq.fires.rules import load_fire_rules

PACKAGE = Path(config.__file__).resolve().parent

PROBE_LAYER = '''name = "probe"
title = { zh = "探针", en = "Probe" }
geometry = "Point"
natural_key = ["code"]

[[columns]]
name = "code"
type = "text"
required = true
'''


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty site directory named by GEOAQ_SITE_DIR."""
    directory = tmp_path / "site"
    for sub in ("rules", "layers", "standards"):
        (directory / sub).mkdir(parents=True)
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(directory))
    return directory


def test_without_a_site_the_shipped_files_are_used() -> None:
    assert config.site_dir() is None
    for name in ("fires.toml", "penalties.toml", "compliance.toml", "routes.toml", "landcover.toml"):
        assert config.rules_file(name) == config.shipped("rules") / name
        assert config.rules_file(name).is_file()
    assert config.targets_file() == config.shipped("targets") and config.targets_file().is_file()
    assert config.standards_file("2012").is_file()
    assert [p.name for p in config.layer_files()] == sorted(
        p.name for p in config.shipped("layers").glob("*.toml"))
    assert (config.demo_dir() / "manifest.toml").is_file()


def test_a_site_rule_file_replaces_the_shipped_one(site: Path) -> None:
    (site / "rules" / "fires.toml").write_text(
        '[heat_sources]\nbuffer_m = 250\n[categories]\nlandcover = "own/landcover.tif"\n', "utf-8")
    assert config.rules_file("fires.toml") == site / "rules" / "fires.toml"
    rules = load_fire_rules()
    assert rules.heat_buffer_m == 250 and rules.heat_industries == ()
    assert rules.landcover == site / "rules" / "own" / "landcover.tif"  # relative to the site file
    assert config.rules_file("penalties.toml") == config.shipped("rules") / "penalties.toml"
    assert load_penalty_rules().path == config.shipped("rules") / "penalties.toml"


def test_a_site_rule_file_with_a_typo_names_the_site_file(site: Path) -> None:
    own = site / "rules" / "fires.toml"
    own.write_text("[heat_sources]\nbufer_m = 250\n", "utf-8")
    with pytest.raises(GeoaqError, match=rf"^{re.escape(str(own))}: unknown key\(s\) \['bufer_m'\]"):
        load_fire_rules()


def test_a_site_layer_file_adds_a_layer_and_replaces_one_of_the_same_name(site: Path) -> None:
    (site / "layers" / "probe.toml").write_text(PROBE_LAYER, "utf-8")
    stations = (config.shipped("layers") / "stations.toml").read_text("utf-8")
    (site / "layers" / "stations.toml").write_text(stations.replace("order =", "# site's own\norder ="),
                                                   "utf-8")
    files = config.layer_files()
    assert site / "layers" / "probe.toml" in files and site / "layers" / "stations.toml" in files
    assert config.shipped("layers") / "stations.toml" not in files
    registry = layers.load_registry()
    shipped = {p.stem for p in config.shipped("layers").glob("*.toml")}
    assert set(registry) == shipped | {"probe"}
    assert registry["probe"].title("en") == "Probe"
    assert registry["stations"].source == site / "layers" / "stations.toml"
    assert registry["mines"].source == config.shipped("layers") / "mines.toml"


def test_geoaq_layers_dir_alone_wins_over_the_site(site: Path, tmp_path: Path, monkeypatch) -> None:
    (site / "layers" / "probe.toml").write_text(PROBE_LAYER, "utf-8")
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(config.shipped("layers") / "mines.toml", only)
    monkeypatch.setenv("GEOAQ_LAYERS_DIR", str(only))
    assert config.layer_files() == [only / "mines.toml"]
    assert list(layers.load_registry()) == ["mines"]


def test_a_site_adds_a_standards_version_and_its_own_targets(site: Path) -> None:
    text = config.standards_file("2012").read_text("utf-8").replace('version = "2012"', 'version = "2026"')
    (site / "standards" / "2026.toml").write_text(text, "utf-8")
    assert available_versions() == ["2012", "2026"]
    assert config.standards_file("2026") == site / "standards" / "2026.toml"
    assert load_standard_file(config.standards_file("2026")).version == "2026"
    assert load_standard("2012").source == config.shipped("standards") / "2012.toml"
    (site / "targets.toml").write_text(
        '[[target]]\nid = "own"\nplan = "本局方案"\nscope = { level = "city", name = "洛阳" }\n'
        "start = 2026-01-01\nend = 2026-12-31\nmetric = \"pm25_mean\"\nkind = \"absolute\"\n"
        'op = "<="\nvalue = 40\n', "utf-8")
    assert config.targets_file() == site / "targets.toml"
    assert [t.id for t in load_targets()] == ["own"]


@pytest.mark.parametrize("make", [
    lambda tmp: tmp / "nowhere",
    lambda tmp: (tmp / "a-file.txt").write_text("x") and tmp / "a-file.txt",
], ids=["missing", "a file"])
def test_a_bad_site_dir_is_a_clear_config_error(tmp_path: Path, monkeypatch, make) -> None:
    bad = make(tmp_path)
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(bad))
    expected = rf"^GEOAQ_SITE_DIR={re.escape(str(bad))}: not a directory"
    with pytest.raises(ConfigError, match=expected):
        config.rules_file("fires.toml")
    with pytest.raises(ConfigError, match=expected):
        load_fire_rules()
    with pytest.raises(ConfigError, match=expected):
        layers.load_registry()


def test_a_bad_layers_dir_is_a_clear_config_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEOAQ_LAYERS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"^GEOAQ_LAYERS_DIR=.*nowhere: not a directory"):
        layers.load_registry()


def test_rule_file_names_are_plain_names() -> None:
    with pytest.raises(ConfigError, match="is not a file name"):
        config.rules_file("../targets.toml")


def test_tile_settings_come_from_the_environment(monkeypatch) -> None:
    from geoaq.web.map import OSM, available_tiles, configured_tiles, local_tiles

    for name in ("GEOAQ_TILE_URL", "GEOAQ_TILE_NAME", "GEOAQ_TILE_ATTRIBUTION", "GEOAQ_TILE_DATUM",
                 "GEOAQ_TIANDITU_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert config.tile_settings() == config.TileSettings()
    assert local_tiles() is None and configured_tiles() == OSM
    monkeypatch.setenv("GEOAQ_TILE_URL", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("GEOAQ_TILE_NAME", "本局底图")
    monkeypatch.setenv("GEOAQ_TILE_DATUM", "GCJ02")
    tiles = local_tiles()
    assert (tiles.name, tiles.attribution, tiles.datum) == ("本局底图", "tiles.intranet.local", "gcj02")
    assert available_tiles()[0] == tiles
    monkeypatch.setenv("GEOAQ_TILE_DATUM", "GCJ-02")
    assert local_tiles().datum == "gcj02"
    monkeypatch.setenv("GEOAQ_TIANDITU_TOKEN", "abc123")
    assert any("tk=abc123" in t.url for t in available_tiles())
    monkeypatch.setenv("GEOAQ_TILE_DATUM", "mars")
    with pytest.raises(ConfigError, match="GEOAQ_TILE_DATUM=mars: expected wgs84 or gcj02"):
        local_tiles()


def test_only_config_reads_the_environment_and_every_variable_is_documented() -> None:
    """Every GEOAQ_* variable named in geoaq is in config.ENVIRONMENT; no other module reads
    os.environ (or getenv) itself."""
    named: set[str] = set()
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text("utf-8")
        named |= set(re.findall(r"\bGEOAQ_[A-Z_]+[A-Z]\b", text))
        if path.name != "config.py" and re.search(r"os\.environ|getenv\(", text):
            readers.append(str(path.relative_to(PACKAGE)))
    assert readers == []
    assert named - set(config.ENVIRONMENT) == set()
