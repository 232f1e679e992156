"""How long Lean runs take here, and what the pre-started pool buys.

    python benchmarks/lean_runs.py [--runs N] [--file Sol.lean]

Measures, through the real runner and sandbox: `lean --version` (the fixed start-up cost), a
cold run of a small solution, the time for a pre-started process to become ready, a run on a
pre-started process, and N runs back to back with the pool replenishing in the background.
Prints a table; times are wall seconds of a shared 2-core machine (trust ratios).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge.config import load_config  # noqa: E402
from judge.lean_runner import LeanJob, OfflineLeanRunner, RunResult, make_runner  # noqa: E402

SOLUTION = b"""def solveAdd (a b : Int) : Int := b - a
theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by simp [solveAdd]; omega
"""


def row(name: str, result: RunResult | None, seconds: float | None = None, note: str = "") -> tuple:
    wall = seconds if seconds is not None else (result.wall_seconds if result else float("nan"))
    peak = f"{result.peak_memory_kb / 1024 / 1024:.2f}" if result else ""
    limit = (result.limit_hit or "") if result else ""
    return (name, f"{wall:.1f}", peak, limit, note)


def wait_ready(runner: OfflineLeanRunner, timeout: float = 300) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if any(s["ready"] and s["alive"] for s in runner.pool_status()):
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit("no pre-started process became ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="back-to-back pre-started runs (default 3)")
    parser.add_argument("--file", type=Path, help="a Lean file to judge instead of the built-in one")
    args = parser.parse_args()
    source = args.file.read_bytes() if args.file else SOLUTION
    job = LeanJob(args=("--json", "Sol.lean"), files={"Sol.lean": source})
    config = load_config()
    rows = []

    cold_runner = make_runner(dataclasses.replace(config, pool_size=0))
    print(f"{cold_runner.kind} Lean {cold_runner.version()} at {cold_runner.location()}", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    version = cold_runner.run(LeanJob(args=("--version",)))
    last = (version.stdout.strip().splitlines() or [f"no output: exit {version.exit_code}, signal {version.signal}"])[
        -1
    ]
    rows.append(row("--version (start-up)", version, note=last[:40]))
    cold = cold_runner.run(job)
    errors = sum(m.get("severity") == "error" for m in cold.lean_messages)
    rows.append(row("cold run", cold, note=f"{len(cold.lean_messages)} messages, {errors} errors"))

    if cold_runner.kind == "offline":
        pooled = make_runner(dataclasses.replace(config, pool_size=1))
        assert isinstance(pooled, OfflineLeanRunner)
        pooled.prestart()
        ready = wait_ready(pooled)
        rows.append(("pre-start until ready", f"{ready:.1f}", "", "", "niced while it starts"))
        one = pooled.run(job)
        same = one.lean_messages == cold.lean_messages
        rows.append(row("pre-started run", one, note=f"prestarted={one.prestarted}, same messages={same}"))
        started = time.monotonic()
        walls, served = [], 0
        for _ in range(args.runs):
            result = pooled.run(job)
            walls.append(result.wall_seconds)
            served += result.prestarted
        total = time.monotonic() - started
        note = f"{served}/{args.runs} pre-started, median {statistics.median(walls):.1f} s"
        rows.append((f"{args.runs} runs back to back", f"{total:.1f}", "", "", note))
        pooled.close()

    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    widths = [max(len(str(r[i])) for r in [("what", "wall s", "peak GB", "limit", "note"), *rows]) for i in range(5)]
    for r in [("what", "wall s", "peak GB", "limit", "note"), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
