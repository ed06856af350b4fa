"""``lab diff`` on synthetic result sets (tests/data/diff, made by tests/data/report_data.py).

OLD: Linux CPython 3.12.1, 3.13.0 and PyPy 3.9. NEW: 3.12.1 changed in several ways, PyPy gone,
3.13.0 replaced by 3.13.18 and 3.14.2 added. Properties of our own code: pairing, the axis each
pair follows, which changes count as behaviour, and the exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.cli import main as lab_main
from lab.report import ReportInputError, diff
from lab.report.diff import axis
from lab.results.identity import Identity

DATA = Path(__file__).resolve().parent / "data"
OLD, NEW = DATA / "diff" / "old", DATA / "diff" / "new"
REPORT = DATA / "report"
PATCH_STEP = "local linux CPython 3.13.0 → 3.13.18 [patch release]"


@pytest.fixture(scope="module")
def result():
    return diff([OLD], [NEW])


def test_pairs_name_the_axis_they_follow(result):
    assert result.compared == ["local linux CPython 3.12.1 [same build]", PATCH_STEP]


def test_interpreters_and_cells_added_or_removed_are_listed(result):
    assert "interpreter local linux CPython 3.14.2 (local-linux-cpython-3.14.2.json)" in result.added
    assert "interpreter local linux PyPy 3.9.18 (local-linux-pypy-3.9.18.json)" in result.removed
    assert "cell alpha forkserver on local linux CPython 3.12.1" in result.removed


def test_a_behaviour_change_names_the_patch_release_where_it_happens(result):
    changes = {(c.where, c.method, c.experiment, c.key): (c.old, c.new) for c in result.behaviour}
    assert changes[(PATCH_STEP, "fork", "alpha", "by_patch")] == ("1", "0")
    assert changes[(PATCH_STEP, "spawn", "beta", "(status)")] == ("error (synthetic error)", "ok")


def test_classifications_are_compared_and_raw_values_shown(result):
    same_build = {(c.method, c.key): (c.old, c.new) for c in result.behaviour if "[" not in c.where}
    assert same_build == {
        ("spawn", "answer"): ("import-time", "runtime"),
        ("fork", "count"): ("some (2/4)", "all (4/4)"),  # the class changed
    }  # spawn's count went from 2/4 to 3/4: same class, not a change
    assert result.exit_code == 1


def test_machine_dependent_and_judgement_changes_are_reported_not_failing(result):
    reported = {(c.method, c.experiment, c.key) for c in result.not_behaviour if "[" not in c.where}
    assert reported == {("spawn", "alpha", "pid1"), ("spawn", "beta", "ran_in_parallel")}
    assert all(c.key not in ("pid1", "ran_in_parallel") for c in result.behaviour)


def test_only_machine_or_judgement_changes_exit_0(tmp_path):
    data = json.loads((REPORT / "local-linux-cpython-3.12.1.json").read_text())
    for cell in data["cells"]:
        if cell["experiment"] == "alpha":
            cell["observations"]["pid1"] = "systemd"
            cell["observations"]["faster"] = not cell["observations"]["faster"]
    (tmp_path / "local-linux-cpython-3.12.1.json").write_text(json.dumps(data))
    result = diff([REPORT / "local-linux-cpython-3.12.1.json"], [tmp_path])
    assert result.behaviour == []
    assert len(result.not_behaviour) == 6
    assert result.exit_code == 0


def test_an_experiment_version_change_is_reported_apart(result):
    assert result.versions == ["local linux CPython 3.12.1 · fork · exit_codes: version 1 → 2\n    sys.exit(3): 3 → 5"]
    assert all(c.experiment != "exit_codes" for c in result.behaviour)


def test_timing_ratio_moves_beyond_the_threshold_are_reported_not_failing(result):
    assert result.timings == ["local linux CPython 3.12.1 · beta · start: spawn/fork ×5.09 → ×10.2 (+100%)"]
    assert diff([OLD], [NEW], threshold=1.5).timings == []


def test_timing_medians_that_moved_are_listed_with_the_count_compared(tmp_path):
    data = json.loads((REPORT / "local-linux-cpython-3.12.1.json").read_text())
    moved = next(c for c in data["cells"] if c["status"] == "ok" and c["timings"])
    name, timing = next(iter(moved["timings"].items()))
    timing["median"] *= 1.5
    (tmp_path / "local-linux-cpython-3.12.1.json").write_text(json.dumps(data))
    result = diff([REPORT / "local-linux-cpython-3.12.1.json"], [tmp_path])
    assert len(result.medians) == 1
    assert f"{moved['experiment']} · {name}" in result.medians[0]
    assert result.medians[0].endswith("(+50%)")
    assert result.exit_code == 0  # reported, not failing


def test_the_same_results_have_no_change():
    same = diff([REPORT], [REPORT])
    assert (same.added, same.removed, same.behaviour, same.versions, same.timings, same.medians) == ([],) * 6
    assert same.exit_code == 0
    assert same.render().endswith("No behaviour change.\n")


def test_two_single_files_are_compared_whatever_their_identity():
    result = diff([REPORT / "local-linux-cpython-3.12.1.json"], [REPORT / "local-linux-pypy-3.9.18.json"])
    assert result.compared == ["local linux CPython 3.12.1 → local linux PyPy 3.9.18 [implementation, Python version]"]
    assert "answer" not in {c.key for c in result.behaviour}  # the same under both: not a change
    assert result.behaviour


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (("linux", "cpython", "3.13.0"), ("linux", "cpython", "3.13.18"), "patch release"),
        (("linux", "cpython", "3.13.18"), ("linux", "cpython", "3.14.2"), "Python version"),
        (("linux", "cpython", "3.9.18"), ("linux", "pypy", "3.9.16"), "implementation"),
        (("linux", "cpython", "3.12.1"), ("windows", "cpython", "3.12.1"), "platform"),
        (("linux", "cpython", "3.12.1"), ("linux", "cpython", "3.12.1"), "same build"),
    ],
)
def test_axis_of_two_builds(old, new, expected):
    assert axis(Identity("local", *old), Identity("local", *new)) == expected


def test_free_threading_is_its_own_axis():
    assert axis(
        Identity("local", "linux", "cpython", "3.13.5"), Identity("local", "linux", "cpython", "3.13.5", True)
    ) == ("free-threading")


def test_a_status_change_is_a_behaviour_change(tmp_path):
    data = json.loads((REPORT / "local-linux-cpython-3.12.1.json").read_text())
    data["cells"][0].update(status="error", error="boom", observations={})
    (tmp_path / "local-linux-cpython-3.12.1.json").write_text(json.dumps(data))
    result = diff([REPORT / "local-linux-cpython-3.12.1.json"], [tmp_path])
    assert [(c.key, c.old, c.new) for c in result.behaviour] == [("(status)", "ok", "error (boom)")]


def test_bad_input_raises_one_line(tmp_path):
    (tmp_path / "broken.json").write_text("[1, 2")
    with pytest.raises(ReportInputError, match=r"broken\.json: is not valid JSON"):
        diff([REPORT], [tmp_path])


@pytest.mark.parametrize(
    ("old", "new", "code"), [(OLD, NEW, 1), (REPORT, REPORT, 0), (REPORT, DATA / "nowhere", 2)], ids=["1", "0", "2"]
)
def test_the_diff_command_exit_codes(capsys, old, new, code):
    assert lab_main(["diff", str(old), str(new)]) == code
    captured = capsys.readouterr()
    if code == 2:
        assert captured.out == ""
        assert captured.err.count("\n") == 1
    else:
        assert captured.out.startswith("forklab diff:")
