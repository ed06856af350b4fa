"""Interpreter discovery: spec matching, one interpreter per series, old ones skipped."""

from __future__ import annotations

import sys

import pytest

from lab import discovery
from lab.discovery import Interpreter, _matches, _newest_per_series, identify, select

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
