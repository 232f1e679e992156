"""One exporter process judging job after job (the loop of judge/lean/export/70-Loop.lean): each job's
time and the process's memory, until it stops answering or N jobs are done.

    .venv/bin/python benchmarks/exporter_reuse.py [N]

Drives the sandboxed exporter directly (no pool, no bounds: the runner would retire it after
ARENA_EXPORTER_JOBS_PER_PROCESS jobs or at 70 % of its memory limit), alternating the sample
problems' reference solutions and a file with an error; each export is authenticated with its
job's key. Prints one line per job: problem, seconds, authenticated rows, the sandbox's memory
now and at its peak (its cgroup's figures).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from judge.config import load_config  # noqa: E402
from judge.export_auth import ExportKey, authenticate  # noqa: E402
from judge.exporter_program import exporter_source  # noqa: E402
from judge.lean_runner import _spawn, make_runner  # noqa: E402
from judge.pipeline import EXPORTER_DONE, EXPORTER_WAITING, exporter_job, exporter_stdin  # noqa: E402
from judge.problem_format import load_problem_set  # noqa: E402


def main() -> int:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    problems = load_problem_set((ROOT / "problems" / "samples" / "problems.jsonl").read_text())
    runner = make_runner(dataclasses.replace(load_config(), pool_size=0))
    spec = runner.prestart_spec(exporter_job(b"", None), runner.default_limits)
    assert spec is not None
    scratch = runner._scratch()
    scratch.write("Export.lean", exporter_source())
    started = time.monotonic()
    proc = _spawn(runner.sandbox, spec, scratch, start_clock=False)

    def mb(value: int | None) -> int:
        return (value or 0) >> 20

    try:
        ready = proc.wait_for(lambda _o, err: EXPORTER_WAITING in err, 600)
        print(f"ready {ready} after {time.monotonic() - started:.1f} s, {mb(proc.memory_bytes())} MB", flush=True)
        for i in range(jobs):
            problem = problems[i % len(problems)]
            code = problem.reference_solution if i % 2 == 0 else "def oops : Nat := by exact foo\n"
            scratch.clear(keep={"Export.lean"})
            scratch.write("Sol.lean", code.encode())
            key = ExportKey.new()
            proc.start_clock()
            t = time.monotonic()
            proc.write_stdin(exporter_stdin(key, list(problem.imports)))
            raw = proc.finish_job(lambda out: b"\n" + EXPORTER_DONE in out and out.endswith(b"\n"), 120)
            if raw is None:
                print(f"{i} {problem.slug}: the process ended or did not answer in 120 s", flush=True)
                return 1
            try:
                rows = authenticate(raw.stdout.decode(), key).count("\n")
                outcome = f"{rows} rows"
            except ValueError as exc:
                outcome = f"not authenticated: {exc}"
            print(
                f"{i} {problem.slug} {time.monotonic() - t:.2f} s, {outcome}, "
                f"memory {mb(proc.memory_bytes())} MB (peak {mb(proc.control.peak_memory_bytes())} MB)",
                flush=True,
            )
    finally:
        proc.close()
        scratch.remove()
        runner.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
