"""No committed file under results/ holds this machine's paths or host name.

Scans for real paths -- the repository's, the home directory's, the temporary directory's, every
local interpreter's executable and prefix -- and the host name, plus any absolute path in a
JSON string. A generic word (a user name such as ``root``) would match ordinary text, so it is
not scanned for on its own.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from lab.run.discovery import discover_all
from tests.conftest import ROOT

ABSOLUTE_IN_JSON = re.compile(r'"(?:/(?:[A-Za-z0-9._-]+/){2,}|[A-Za-z]:\\\\)')


def committed_results() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "results"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.split()
        return [ROOT / name for name in listed]
    except (OSError, subprocess.SubprocessError):
        return sorted(p for p in (ROOT / "results").rglob("*") if p.is_file())


def machine_secrets() -> set[str]:
    secrets = {str(ROOT), str(Path.home()), os.path.realpath(tempfile.gettempdir())}
    for interpreter in discover_all().found:
        executable = Path(interpreter.executable)
        secrets.add(str(executable))
        secrets.add(os.path.realpath(executable))
        prefix = executable.resolve().parent.parent
        if len(prefix.parts) > 2:  # /usr alone is a word, not this machine's path
            secrets.add(str(prefix))
    host = socket.gethostname()
    if len(host) >= 4:
        secrets.add(host)
    return {s for s in secrets if len(s) > 4}


FILES = committed_results()


@pytest.mark.skipif(not FILES, reason="no committed results yet")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_committed_result_holds_no_machine_path_or_host_name(path: Path) -> None:
    if path.suffix not in (".json", ".md", ".svg", ".txt"):
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    found = sorted(secret for secret in machine_secrets() if secret in text)
    assert not found, f"{path.name} holds {found}"
    if path.suffix == ".json":
        assert not ABSOLUTE_IN_JSON.search(text), ABSOLUTE_IN_JSON.search(text).group(0)
