"""Interpreter discovery: spec matching, patch releases side by side, uv layouts, old ones skipped."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from lab.run import discovery
from lab.run.discovery import Interpreter, _matches, _newest_per_series, identify, select

CP312 = Interpreter("/x/python3.12", "cpython", "3.12.1")
CP3121 = Interpreter("/y/python3.12", "cpython", "3.12.7")
CP314T = Interpreter("/x/python3.14t", "cpython", "3.14.0", free_threaded=True)
PYPY = Interpreter("/x/pypy3", "pypy", "3.9.16")


@pytest.mark.parametrize(
    ("spec", "interpreter", "expected"),
    [
        ("3.12", CP312, True),
        ("3.12.1", CP312, True),
        ("3.12.2", CP312, False),
        ("3.1", CP312, False),
        ("3.14t", CP314T, True),
        ("3.14", CP314T, False),
        ("pypy", PYPY, True),
        ("pypy3.9", PYPY, True),
        ("3.9", PYPY, False),
        ("cpython3.12", CP312, True),
    ],
)
def test_version_specs(spec, interpreter, expected) -> None:
    assert _matches(spec, interpreter) is expected


def test_newest_patch_release_wins_and_free_threaded_is_its_own_series() -> None:
    kept = _newest_per_series([CP312, CP3121, CP314T, PYPY])
    assert [i.label for i in kept] == ["cpython-3.12.7", "cpython-3.14.0t", "pypy-3.9.16"]
    assert CP314T.series == "3.14t"


def test_identify_the_running_interpreter() -> None:
    me = identify(sys.executable)
    assert me is not None
    assert me.version_tuple[:2] == sys.version_info[:2]


def test_identify_something_that_is_not_python(tmp_path) -> None:
    assert identify(str(tmp_path / "missing")) is None


def test_select_by_path_and_unmatched_specs(monkeypatch) -> None:
    monkeypatch.setattr(discovery, "discover_all", lambda: discovery.Discovery(found=[CP312]))
    result = select([sys.executable, "3.99", "3.12"])
    assert result.unmatched == ["3.99"]
    assert {i.series for i in result.found} >= {"3.12"}


def test_old_interpreters_are_skipped_with_a_note(monkeypatch) -> None:
    old = Interpreter("/x/python3.7", "cpython", "3.7.16")
    monkeypatch.setattr(discovery, "candidates", lambda: ["a", "b"])
    monkeypatch.setattr(discovery, "identify", lambda path: {"a": old, "b": CP312}[path])
    found = discovery.discover_all()
    assert found.found == [CP312]
    assert any("3.7.16" in note and "older than 3.8" in note for note in found.skipped)


CP3130 = Interpreter("/a/python3.13", "cpython", "3.13.0")
CP31318 = Interpreter("/b/python3.13", "cpython", "3.13.18")


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (["all"], ["cpython-3.12.7", "cpython-3.13.18", "cpython-3.14.0t", "pypy-3.9.16"]),
        (["all", "3.13.0"], ["cpython-3.12.7", "cpython-3.13.0", "cpython-3.13.18", "cpython-3.14.0t", "pypy-3.9.16"]),
        (["3.13"], ["cpython-3.13.18"]),
        (["3.13.0"], ["cpython-3.13.0"]),
        (["3.13.0", "3.13.18", "3.13"], ["cpython-3.13.0", "cpython-3.13.18"]),  # each build once
    ],
)
def test_all_takes_the_newest_patch_release_and_a_patch_spec_adds_another(monkeypatch, specs, expected) -> None:
    everything = [CP312, CP3121, CP3130, CP31318, CP314T, PYPY]
    monkeypatch.setattr(discovery, "discover_all", lambda: discovery.Discovery(found=everything))
    assert [i.label for i in select(specs).found] == expected


def test_one_build_found_at_two_paths_counts_once(monkeypatch) -> None:
    twin = Interpreter("/elsewhere/python3.13", "cpython", "3.13.18")
    monkeypatch.setattr(discovery, "candidates", lambda: ["a", "b"])
    monkeypatch.setattr(discovery, "identify", lambda path: {"a": CP31318, "b": twin}[path])
    assert discovery.discover_all().found == [CP31318]


def _fake_interpreter(path: Path) -> Path:
    """A stand-in for an installed interpreter: a link to the one running the tests."""
    path.parent.mkdir(parents=True)
    path.symlink_to(sys.executable)
    return path


@pytest.mark.skipif(os.name == "nt", reason="a POSIX uv layout (bin/python3); Windows uses python.exe")
def test_uv_install_directory_is_searched(tmp_path, monkeypatch) -> None:
    """uv keeps each interpreter in <install dir>/<key>/bin (``uv python dir``; $UV_PYTHON_INSTALL_DIR)."""
    managed = _fake_interpreter(tmp_path / "uv" / "cpython-3.14.0-linux-x86_64-gnu" / "bin" / "python3.14")
    threaded = _fake_interpreter(
        tmp_path / "uv" / "cpython-3.14.0+freethreaded-linux-x86_64-gnu" / "bin" / "python3.14t"
    )
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no uv, no other Python on PATH
    found = list(discovery._uv_candidates())
    assert sorted(found) == sorted([str(managed), str(threaded)])


@pytest.mark.skipif(os.name == "nt", reason="the fake uv is a shell script")
def test_uv_python_list_is_asked(tmp_path, monkeypatch) -> None:
    """``uv python list --only-installed --output-format json`` names uv's interpreters by path."""
    listed = _fake_interpreter(tmp_path / "managed" / "bin" / "python3.15")
    answer = json.dumps([{"key": "cpython-3.15.0-linux-x86_64-gnu", "version": "3.15.0", "path": str(listed)}])
    uv = tmp_path / "bin" / "uv"
    uv.parent.mkdir()
    uv.write_text(f"#!/bin/sh\nif [ \"$2\" = list ]; then echo '{answer}'; else echo {tmp_path / 'none'}; fi\n")
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", str(uv.parent))
    monkeypatch.delenv("UV_PYTHON_INSTALL_DIR", raising=False)
    assert str(listed) in list(discovery._uv_candidates())
