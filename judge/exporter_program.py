"""The exporter's program: the parts in `judge/lean/export/`, one file per concern, joined in the
order of their names into the one file the Lean runs (`--run Export.lean`). The offline Lean runs
a single source file (it cannot load the parts as modules of their own: no `.olean` of ours), so
every consumer of the exporter's source or its hash takes it from here: the pipeline's jobs, the
reference-export cache key, the tests' control variants and the AOT build (`aot/build.sh` joins
the same parts in the same order)."""

from __future__ import annotations

import functools
from pathlib import Path

EXPORTER_PARTS = Path(__file__).with_name("lean") / "export"
EXPORTER_FILE = "Export.lean"  # the joined program's name in the job's scratch folder


def exporter_parts() -> list[Path]:
    """The parts in program order (their names sort in it: `10-Output.lean`, `20-Gate.lean`, …)."""
    return sorted(EXPORTER_PARTS.glob("*.lean"), key=lambda p: p.name.encode())


@functools.cache
def exporter_source() -> bytes:
    """The exporter's program: the parts joined, each ending with one newline."""
    return b"".join(part.read_bytes().rstrip(b"\n") + b"\n\n" for part in exporter_parts()).rstrip(b"\n") + b"\n"
