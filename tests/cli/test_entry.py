"""geoaq.cli and geoaq.__main__: the commands registered on the group, and `python -m geoaq`
behaving exactly like the `geoaq` console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from geoaq.cli import main
from geoaq.cli._common import GeoaqGroup

COMMANDS = {
    "routes": {"plans", "sheet", "findings"},
    "findings": {"add", "load", "list"},
    "": {"ingest", "rejects", "layers", "demo", "fires", "aq", "report", "route", "feeds", "emergency", "users",
         "rank", "peers", "progress", "bulletin", "routes"},
    "fires": {"evidence", "check", "penalties", "density", "set-status", "history", "notice", "submit", "propose", "review",
              "submissions"},
    "aq": {"load", "hourly", "evaluate", "compare", "check-published"},
    "feeds": {"run", "status"},
    "emergency": {"list", "check", "warning", "suggest", "response", "inspection", "assess"},
    "list": {"load", "versions", "show"},
    "warning": {"add", "load", "list", "end", "cancel", "history"},
    "inspection": {"add", "load"},
    "peers": {"load", "list", "place", "targets"},
    "users": {"add", "list", "disable", "enable", "reset-password", "set-role", "history", "set-sso"},
}


def _groups(group: click.Group, name: str = ""):
    yield name, group
    for sub_name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _groups(command, sub_name)


def test_the_registered_commands():
    assert {name: set(group.commands) for name, group in _groups(main)} == COMMANDS


def test_every_group_applies_the_error_policy():
    assert all(isinstance(group, GeoaqGroup) for _, group in _groups(main))


def _console_script() -> str:
    script = Path(sys.executable).with_name("geoaq")
    found = str(script) if script.exists() else shutil.which("geoaq")
    if not found:
        pytest.skip("the geoaq console script is not installed (pip install -e .)")
    return found


@pytest.mark.parametrize("args", [["--help"], ["fires", "check", "--help"], ["nope"]], ids=" ".join)
def test_python_m_geoaq_is_the_geoaq_command(args):
    module = subprocess.run([sys.executable, "-m", "geoaq", *args], capture_output=True, text=True, timeout=120)
    script = subprocess.run([_console_script(), *args], capture_output=True, text=True, timeout=120)
    assert (module.returncode, module.stdout, module.stderr) == (script.returncode, script.stdout, script.stderr)
    assert "Usage: geoaq " in module.stdout + module.stderr
