"""One cell's record and the words for its status (standard library only, Python 3.8+).

A cell is one (interpreter, start method, experiment). Its status is one of

* ``ok``          -- the experiment ran; its observations and timings are in the record;
* ``unavailable`` -- the platform does not offer the start method (fork on Windows);
* ``error``       -- the experiment raised or the interpreter crashed (``error`` says how);
* ``timeout``     -- no result within the hard timeout; the cell's process group was stopped.

Inside an ok cell a single observation may be ``not applicable`` (with a reason: no ``/proc`` on
Windows, a method added in 3.14). ``not measured`` is the report's word for a platform,
interpreter or cell with no record at all -- it is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

OK, UNAVAILABLE, ERROR, TIMEOUT = "ok", "unavailable", "error", "timeout"
STATUSES = (OK, UNAVAILABLE, ERROR, TIMEOUT)
NOT_APPLICABLE = "not applicable"
NOT_MEASURED = "not measured"
QUALITIES = ("quick", "full")


@dataclass
class Provenance:
    """Where one cell came from: a file merged from several runs never claims one provenance for all."""

    run_id: str
    created_at: str
    lab_commit: Optional[str]
    quality: str
    experiment_version: int
    extra: Dict[str, Any] = field(default_factory=dict)  # e.g. "load": what the load guard saw

    def to_json(self) -> Dict[str, Any]:
        data = {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "lab_commit": self.lab_commit,
            "quality": self.quality,
            "experiment_version": self.experiment_version,
        }
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> Provenance:
        known = ("run_id", "created_at", "lab_commit", "quality", "experiment_version")
        return cls(
            run_id=str(data.get("run_id", "")),
            created_at=str(data.get("created_at", "")),
            lab_commit=data.get("lab_commit"),
            quality=str(data.get("quality", "")),
            experiment_version=int(data.get("experiment_version", 0) or 0),
            extra={k: v for k, v in data.items() if k not in known},
        )


@dataclass
class CellRecord:
    """What one cell produced. Built by the driver (``ok``/``error``) and the runner (the rest)."""

    experiment: str
    method: str
    status: str
    wall_s: float = 0.0
    observations: Dict[str, Any] = field(default_factory=dict)
    timings: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    error: Optional[str] = None
    stderr_tail: Optional[str] = None
    provenance: Optional[Provenance] = None
    ratios: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def failed(cls, experiment: str, method: str, status: str, error: str, stderr_tail: str = "") -> CellRecord:
        """A cell that produced no observations: unavailable, error or timeout, and why."""
        if status not in STATUSES or status == OK:
            raise ValueError(f"a failed cell's status is one of unavailable, error, timeout, not {status!r}")
        return cls(experiment, method, status, error=error, stderr_tail=stderr_tail or None)

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "experiment": self.experiment,
            "method": self.method,
            "status": self.status,
            "wall_s": self.wall_s,
            "observations": self.observations,
            "timings": self.timings,
            "error": self.error,
        }
        if self.stderr_tail:
            data["stderr_tail"] = self.stderr_tail
        if self.ratios:
            data["ratios"] = self.ratios
        if self.provenance is not None:
            data["provenance"] = self.provenance.to_json()
        return data

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> CellRecord:
        """A record from its JSON form (already validated by ``lab.results.files``)."""
        provenance = data.get("provenance")
        return cls(
            experiment=data["experiment"],
            method=data["method"],
            status=data["status"],
            wall_s=float(data.get("wall_s", 0.0) or 0.0),
            observations=dict(data.get("observations", {})),
            timings=dict(data.get("timings", {})),
            error=data.get("error"),
            stderr_tail=data.get("stderr_tail"),
            provenance=Provenance.from_json(provenance) if isinstance(provenance, dict) else None,
            ratios=dict(data.get("ratios", {})),
        )
