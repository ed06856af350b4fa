"""The symptom catalog: error messages users meet, what causes them, and where the evidence is.

Symptoms are declared by the experiments that show them (``Experiment.symptoms``); this module
collects them into ``lab/symptoms.json`` (``python -m lab symptoms --write``; a test checks the
file is fresh) and matches messages against them. It is standard library only and imports
nothing from ``lab`` at module level, so the pytest plugin can load this file by its path
without importing the ``lab`` package (a user's own ``lab`` package must keep working), and
``lab check`` can use it on Python 3.8.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

CATALOG = Path(__file__).with_name("symptoms.json")
#: Where an experiment's page lives in the repository (the report writes it there).
PAGE = "results/experiments/{experiment}.md"


def collect() -> List[Dict[str, Any]]:
    """Every symptom every experiment declares, with its experiment and evidence page."""
    from lab import experiments  # only when regenerating: needs the lab package

    found = []
    for name, module in experiments.load_all().items():
        for symptom in module.EXPERIMENT.symptoms:
            entry = symptom.metadata()
            entry.update(experiment=name, page=PAGE.format(experiment=name) + f"#{symptom.id}")
            found.append(entry)
    return sorted(found, key=lambda s: s["id"])


def dump(symptoms: Iterable[Dict[str, Any]]) -> str:
    return json.dumps({"symptoms": list(symptoms)}, indent=1, ensure_ascii=False) + "\n"


def load(path: Optional[Path] = None) -> List[Dict[str, Any]]:
    """The catalog as written to ``lab/symptoms.json``."""
    return json.loads(Path(path or CATALOG).read_text(encoding="utf-8"))["symptoms"]


def explain(text: str, symptoms: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
    """The symptoms whose pattern occurs in ``text`` (an exception line, a traceback, a warning)."""
    catalog = load() if symptoms is None else symptoms
    return [s for s in catalog if re.search(s["pattern"], text)]


def write(path: Optional[Path] = None) -> int:
    """Regenerate the catalog from the experiments' declarations; the number of symptoms."""
    symptoms = collect()
    target = Path(path or CATALOG)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(dump(symptoms), encoding="utf-8")
    partial.replace(target)  # never a half-written catalog for the plugin to read
    return len(symptoms)


def command(args: Any) -> int:
    """``python -m lab symptoms [--write]``: print the catalog the experiments declare, or write it."""
    if args.write:
        count = write()
        print(f"wrote lab/{CATALOG.name} with {count} symptom{'s' if count != 1 else ''}", file=sys.stderr)
    else:
        sys.stdout.write(dump(collect()))
    return 0


def add_parser(sub: Any) -> None:
    """The ``symptoms`` subcommand (lab/cli.py adds it to its parser)."""
    parser = sub.add_parser(
        "symptoms",
        help="the symptom catalog the experiments declare (lab/symptoms.json)",
        description="Print the symptom catalog collected from the experiments' declarations, as JSON; "
        "--write regenerates lab/symptoms.json, which the pytest plugin, probe and the report read.",
    )
    parser.add_argument("--write", action="store_true", help="write lab/symptoms.json instead of printing")
    parser.set_defaults(handler=command)
