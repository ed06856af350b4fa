"""The result model: round trip, every validation error, merging partial runs, atomic writes,
identity down to the patch release, migration of schema-1 files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lab.results.files import (
    SCHEMA,
    ResultFile,
    ResultFileError,
    dump,
    load,
    locked,
    migrate,
    save,
    validate,
)
from lab.results.identity import Identity
from lab.results.record import CellRecord
from lab.results.resultset import ResultSet
from tests.conftest import ENVIRONMENT


def make_cell(experiment: str = "exit_codes", method: str = "fork", status: str = "ok", run_id: str = "r1") -> dict:
    return {
        "experiment": experiment,
        "method": method,
        "status": status,
        "wall_s": 0.1,
        "observations": {"return": 0},
        "timings": {},
        "error": None,
        "provenance": {
            "run_id": run_id,
            "created_at": "2026-11-27T00:00:00Z",
            "lab_commit": None,
            "quality": "quick",
            "experiment_version": 1,
        },
    }


def make_file(*cells: dict, **environment: str) -> ResultFile:
    records = [CellRecord.from_json(c) for c in cells or [make_cell()]]
    return ResultFile({**ENVIRONMENT, **environment}, {"exit_codes": {"title": "t"}}, records)


def test_round_trip(tmp_path: Path) -> None:
    original = make_file(make_cell(method="spawn"), make_cell(method="fork"))
    path = save(tmp_path, original)
    assert path.name == "local-linux-cpython-3.12.1.json" == Identity.of(ENVIRONMENT).file_name
    loaded = load(path)
    assert loaded.to_json() == original.to_json()
    assert [c.method for c in loaded.cells] == ["fork", "spawn"]  # stable order


def _broken(change) -> dict:
    data = json.loads(dump(make_file()))
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("schema"), "not a forklab result file"),
        (lambda d: d.update(schema="forklab.results/3"), "forklab.results/3 is not one this lab reads"),
        (lambda d: d.update(schema="forklab.results/x"), "is not one this lab reads"),
        (lambda d: d.update(cells={}), "at $.cells: expected a JSON array"),
        (lambda d: d["environment"].pop("platform"), "at $.environment.platform: expected a value"),
        (lambda d: d["environment"].update(cpu_count="2", series=3), "at $.environment.series: expected str"),
        (lambda d: d["cells"][0].update(status="done"), "at $.cells[0].status: expected ok or unavailable"),
        (lambda d: d["cells"].append(copy.deepcopy(d["cells"][0])), "at $.cells[1]: expected one cell per"),
        (lambda d: d["cells"][0].pop("provenance"), "at $.cells[0].provenance: expected a JSON object"),
        (lambda d: d["cells"][0]["provenance"].update(quality="fast"), "provenance.quality: expected quick or full"),
        (lambda d: d["cells"][0]["timings"].update(t={"unit": "ms"}), "at $.cells[0].timings.t.n: expected a value"),
        (lambda d: d.update(label="Not A Label"), "at $.label: expected a machine label"),
    ],
)
def test_validation_names_the_first_problem(change, message) -> None:
    with pytest.raises(ResultFileError) as error:
        validate(_broken(change))
    assert message in str(error.value)


def test_load_names_the_file_for_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "local-linux-cpython-3.12.json"
    path.write_text('{"schema": ')
    with pytest.raises(ResultFileError, match=r"local-linux-cpython-3\.12\.json: is not valid JSON"):
        load(path)


def test_merge_keeps_other_cells_and_each_cells_provenance(tmp_path: Path) -> None:
    save(tmp_path, make_file(make_cell(method="fork", run_id="first"), make_cell(method="spawn", run_id="first")))
    newer = make_cell(method="spawn", status="error", run_id="second")
    path = save(tmp_path, make_file(newer, make_cell("main_guard", "fork", run_id="second")))
    merged = load(path)
    assert merged.cell("exit_codes", "fork").provenance.run_id == "first"
    assert merged.cell("exit_codes", "spawn").status == "error"
    assert merged.cell("main_guard", "fork").provenance.run_id == "second"
    assert len(merged.cells) == 3


def test_atomic_write_leaves_no_partial_file_and_keeps_old_content_on_failure(tmp_path: Path, monkeypatch) -> None:
    path = save(tmp_path, make_file())
    before = path.read_text()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lab.results.files.os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save(tmp_path, make_file(make_cell(method="spawn")))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with locked(tmp_path):
        assert (tmp_path / ".forklab.lock").exists()
        with pytest.raises(ResultFileError, match="another forklab run holds the lock"), locked(tmp_path, timeout=0.2):
            pass
    assert not (tmp_path / ".forklab.lock").exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / ".forklab.lock").write_text("999999999")  # no such pid
    with locked(tmp_path, timeout=1):
        pass


def test_schema_tag_is_written() -> None:
    assert json.loads(dump(make_file()))["schema"] == SCHEMA


def test_classify_count_classes() -> None:
    from lab.experiment import classify_count

    assert classify_count(0, 5)["class"] == "none"
    assert classify_count(3, 5) == {"count": 3, "trials": 5, "fraction": 0.6, "class": "some"}
    assert classify_count(5, 5)["class"] == "all"
    assert classify_count(5, 5, presence=True)["class"] == "seen"
    assert classify_count(0, 5, presence=True)["class"] == "none"
    with pytest.raises(ValueError, match="at least one trial"):
        classify_count(0, 0)


def test_two_patch_releases_of_one_series_sit_side_by_side(tmp_path: Path) -> None:
    old = save(tmp_path, make_file(python_version="3.13.0", series="3.13"))
    new = save(tmp_path, make_file(make_cell(method="spawn"), python_version="3.13.18", series="3.13"))
    assert (old.name, new.name) == ("local-linux-cpython-3.13.0.json", "local-linux-cpython-3.13.18.json")
    results = ResultSet.load([tmp_path])
    assert [i.python_version for i in results.identities] == ["3.13.0", "3.13.18"]  # ordered by version
    assert {i.series for i in results.identities} == {"3.13"}
    assert results.cell(results.identities[0], "exit_codes", "fork") is not None
    assert results.cell(results.identities[1], "exit_codes", "fork") is None


def test_free_threaded_and_ci_labels_never_collide() -> None:
    base = Identity.of(ENVIRONMENT)
    threaded = Identity.of({**ENVIRONMENT, "free_threaded": True})
    ci = Identity.of(ENVIRONMENT, "gha-ubuntu-latest")
    assert len({base.file_name, threaded.file_name, ci.file_name}) == 3
    assert threaded.series == "3.12t"
    assert threaded.file_name == "local-linux-cpython-3.12.1t.json"


def test_a_result_set_refuses_two_files_for_one_build(tmp_path: Path) -> None:
    path = save(tmp_path, make_file())
    (tmp_path / "copy.json").write_text(path.read_text())
    with pytest.raises(ResultFileError, match="describes the same label, platform and interpreter"):
        ResultSet.load([tmp_path])


def test_migrate_renames_schema_1_files_and_keeps_every_cell(tmp_path: Path) -> None:
    data = json.loads(dump(make_file(make_cell(method="fork"), make_cell(method="spawn"))))
    data["schema"] = "forklab.results/1"
    (tmp_path / "local-linux-cpython-3.12.json").write_text(json.dumps(data))
    moved = migrate(tmp_path)
    assert [(a.name, b.name) for a, b in moved] == [
        ("local-linux-cpython-3.12.json", "local-linux-cpython-3.12.1.json")
    ]
    migrated = json.loads((tmp_path / "local-linux-cpython-3.12.1.json").read_text())
    assert migrated["schema"] == SCHEMA
    assert migrated["cells"] == data["cells"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["local-linux-cpython-3.12.1.json"]


def test_migrate_refuses_two_files_of_one_build_and_writes_nothing(tmp_path: Path) -> None:
    text = dump(make_file())
    (tmp_path / "a.json").write_text(text)
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(ResultFileError, match="describe the same interpreter build"):
        migrate(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]


def test_a_failed_cell_says_why_and_cannot_be_ok() -> None:
    record = CellRecord.failed("x", "fork", "timeout", "no result within 1 s")
    assert (record.status, record.observations, record.error) == ("timeout", {}, "no result within 1 s")
    with pytest.raises(ValueError, match="failed cell"):
        CellRecord.failed("x", "fork", "ok", "")
