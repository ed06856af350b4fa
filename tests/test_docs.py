"""README.md and docs/: short enough to read, set-up commands as CI runs them, links that resolve.

Properties of our own text: the README stays a front page (at most 10 KB), its two set-up
commands are word for word what `.ci/run` runs, every relative link in the README, CONTRIBUTING
and docs/ leads to a file (and an anchor) of this repository, each lesson the tutorial page names
exists, and nothing points outside the repository.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from tests.conftest import ROOT
from tests.markdown_shape import anchors, links

DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_a_front_page():
    assert len(README.encode("utf-8")) <= 10 * 1024


def test_the_set_up_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert test_command in README
    assert test_command.replace("-s lint tests", "-s experiments report") in README


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for target in links(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file_part, _, fragment = target.partition("#")
        destination = (path.parent / file_part).resolve()
        assert destination.is_relative_to(ROOT), f"{target} points outside the repository"
        assert destination.exists(), f"{path.name}: {target} does not exist"
        if fragment and destination.suffix == ".md":
            assert fragment in anchors(destination.read_text(encoding="utf-8")), f"{path.name}: {target}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_points_at_files_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for forbidden in ("../shared", "FACTS.md", "DESIGN.md", "/work/"):
        assert forbidden not in text, f"{path.name} mentions {forbidden}"


def test_every_lesson_the_tutorial_page_names_exists():
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    lessons = {PurePosixPath(t).stem for t in links(text) if t.startswith("../lab/experiments/")}
    assert len(lessons) >= 10
    missing = sorted(n for n in lessons if not (ROOT / "lab" / "experiments" / f"{n}.py").exists())
    assert missing == []
