"""``lab stability OLD NEW`` on synthetic result files with known ratios (properties of our own code).

lab/stability.py promises: every declared ratio (ratio and headline summaries) of every
interpreter in both runs is compared as new/old - 1; headline ratios within ±10%, all within
±10% and ±15%, whether the 95% intervals overlap; files without ratio records fall back to the
ratio of medians; bad input is one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.ratios import ratio_record
from lab.results.files import ResultFile, save
from lab.results.record import OK, CellRecord, Provenance
from lab.results.resultset import ResultSet
from lab.stability import compare, render, summary
from lab.stats import summarise
from tests.conftest import ENVIRONMENT, run_lab

TOY = {
    "title": "toy",
    "question": "q?",
    "concept": "c",
    "kind": "timing",
    "version": 1,
    "summaries": [
        {"kind": "ratio", "timing": "cold", "baseline": "fork"},
        {"kind": "headline", "timing": "steady", "baseline": "fork", "text": "{spawn} and {forkserver}"},
    ],
}


def cell(method: str, medians: dict[str, float], ratios: dict[str, dict] | None = None) -> CellRecord:
    timings = {name: summarise([value] * 3, "ms", 3) for name, value in medians.items()}
    provenance = Provenance("run", "2026-01-02T03:04:05Z", None, "full", 1)
    return CellRecord("toy", method, OK, 1.0, {}, timings, provenance=provenance, ratios=ratios or {})


def spread(ratio: float, width: float) -> dict:
    """A ratio record whose rounds lie within ±width of the ratio."""
    return ratio_record("fork", [ratio * (1 - width), ratio, ratio * (1 + width), ratio, ratio])


def write(directory: Path, spawn: dict, forkserver: dict, medians: dict[str, dict[str, float]]) -> Path:
    cells = [
        cell("fork", medians["fork"]),
        cell("spawn", medians["spawn"], spawn),
        cell("forkserver", medians["forkserver"], forkserver),
    ]
    directory.mkdir()
    save(directory, ResultFile(ENVIRONMENT, {"toy": TOY}, cells))
    return directory


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    medians = {
        "fork": {"cold": 1.0, "steady": 1.0},
        "spawn": {"cold": 10.0, "steady": 20.0},
        "forkserver": {"cold": 5.0, "steady": 2.0},
    }
    old = write(
        tmp_path / "old",
        {"steady": spread(20.0, 0.04), "cold": spread(10.0, 0.04)},
        {"steady": spread(2.0, 0.04)},  # cold: no record, compared by medians (5.0)
        medians,
    )
    medians["spawn"] = {"cold": 11.2, "steady": 21.0}
    new = write(
        tmp_path / "new",
        {"steady": spread(21.0, 0.04), "cold": spread(11.2, 0.04)},  # +5% (overlaps), +12%
        {"steady": spread(2.5, 0.04)},  # +25%, intervals apart
        medians,
    )
    return old, new


def test_every_declared_ratio_is_compared_with_its_change(runs):
    old, new = runs
    compared = {(c.timing, c.method): c for c in compare(ResultSet.load([old]), ResultSet.load([new]))}
    assert set(compared) == {("cold", "spawn"), ("cold", "forkserver"), ("steady", "spawn"), ("steady", "forkserver")}
    assert compared["steady", "spawn"].change == pytest.approx(0.05)
    assert compared["steady", "spawn"].headline
    assert not compared["cold", "spawn"].headline
    assert compared["steady", "spawn"].overlap is True
    assert compared["steady", "forkserver"].overlap is False
    assert compared["cold", "forkserver"].change == pytest.approx(0.0)  # from the medians
    assert compared["cold", "forkserver"].overlap is None  # no interval without records


def test_the_headline_figures_count_within_ten_and_fifteen_percent(runs):
    old, new = runs
    figures = summary(compare(ResultSet.load([old]), ResultSet.load([new])))
    assert (figures["headline"], figures["headline_within_10"]) == (2, 1)
    assert (figures["ratios"], figures["within_10"], figures["within_15"]) == (4, 2, 3)
    assert (figures["with_intervals"], figures["intervals_overlap"]) == (3, 1)  # cold spawn: 9.6–10.4 vs 10.8–11.6
    assert figures["max_change"] == pytest.approx(0.25)
    assert sum(figures["buckets"].values()) == 4


def test_the_report_puts_the_figures_first_and_lists_what_moved(runs):
    old, new = runs
    text = render(compare(ResultSet.load([old]), ResultSet.load([new])), 1)
    lines = text.splitlines()
    assert lines[1] == "Headline ratios within ±10%: 1 of 2 (50%)"
    assert lines[2] == "Declared ratios within ±10%: 2 of 4 (50%); within ±15%: 3 of 4 (75%)"
    moved = text.split("Moved beyond ±10% (2):")[1]
    assert "toy · steady · forkserver/fork: ×2 (1.92–2.08) → ×2.5 (2.4–2.6) (+25%) [headline, intervals apart]" in moved
    assert "toy · cold · spawn/fork" in moved


def test_the_command_line(runs, tmp_path):
    old, new = runs
    result = run_lab("stability", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert "Headline ratios within ±10%: 1 of 2" in result.stdout
    as_json = run_lab("stability", str(old), str(new), "--json")
    assert '"headline_within_10": 1' in as_json.stdout
    missing = run_lab("stability", str(tmp_path / "nowhere"), str(new))
    assert missing.returncode == 2
    assert missing.stderr.count("error:") == 1


def test_a_ratio_record_round_trips_through_a_result_file_and_a_malformed_one_is_named(tmp_path):
    from lab.results.files import ResultFileError, dump, load, validate

    spawn = cell("spawn", {"steady": 20.0}, {"steady": spread(20.0, 0.04)})
    path = tmp_path / "r.json"
    path.write_text(dump(ResultFile(ENVIRONMENT, {"toy": TOY}, [cell("fork", {"steady": 1.0}), spawn])))
    assert load(path).cell("toy", "spawn").ratios == spawn.ratios
    data = ResultFile(ENVIRONMENT, {"toy": TOY}, [spawn]).to_json()
    data["cells"][0]["ratios"]["steady"]["low"] = "21.8"
    with pytest.raises(ResultFileError, match=r"ratios\.steady\.low: expected a number or null"):
        validate(data)
    del data["cells"][0]["ratios"]["steady"]["baseline"]
    with pytest.raises(ResultFileError, match=r"ratios\.steady\.baseline"):
        validate(data)
