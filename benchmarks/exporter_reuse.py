"""One exporter process judging job after job (the loop of judge/lean/export/70-Loop.lean): each
job's time and the process's memory, and where a fresh exporter's start-up goes.

    .venv/bin/python benchmarks/exporter_reuse.py [--jobs N] [--source FILE]... [--startup]

Drives the sandboxed exporter directly (no pool, no bounds: the runner would retire it after
ARENA_EXPORTER_JOBS_PER_PROCESS jobs or at 70 % of its memory limit), cycling three kinds of
job: a sample problem's reference solution, a file with an error, and a file whose header the
exporter refuses before it imports anything (`import Mathlib`): what a job of each kind adds to
the process's memory says where the memory goes (the third kind skips only the header's import).
Each export is authenticated with its job's key. Prints one line per job (kind, seconds,
authenticated rows, the sandbox's memory now and at its peak: its cgroup's figures), then a
summary per exporter: ready after, memory after jobs 1, 10 and the last, and the growth per job
of each kind. `--source` (repeatable) runs another exporter program (e.g. main's, for a side by
side run); the default is the project's own.

`--startup` first measures (for the first program), each in a fresh sandboxed process: the bare runtime (`lean.js
--version`), the runtime plus `import Lean` and an empty `main` (`--run`), the exporter's
program elaborated without running it (`lean.js Export.lean`), and a pre-started exporter up to
its waiting marker, with the moment its runtime was ready (prestart.js's marker) inside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from judge.config import load_config  # noqa: E402
from judge.export_auth import ExportKey, authenticate  # noqa: E402
from judge.exporter_program import exporter_source  # noqa: E402
from judge.lean_runner import LeanRunner, _spawn, make_runner  # noqa: E402
from judge.pipeline import EXPORTER_DONE, EXPORTER_WAITING, exporter_job, exporter_stdin  # noqa: E402
from judge.problem_format import ProblemSpec, load_problem_set  # noqa: E402
from judge.sandbox.process import SandboxProcess  # noqa: E402
from judge.sandbox.scratch import ScratchDir  # noqa: E402

PRESTART_READY = b"ARENA-PRESTART-READY\n"  # judge/prestart.js: the runtime is loaded
IMPORT_ONLY = b"import Lean\n\npublic def main : IO UInt32 := pure 0\n"
KINDS = ("reference", "error", "refused-header")


def mb(value: int | None) -> int:
    return (value or 0) >> 20


def job_code(kind: str, problem: ProblemSpec) -> str:
    if kind == "reference":
        return problem.reference_solution or ""
    if kind == "error":
        return "def oops : Nat := by exact foo\n"
    return "import Mathlib\n\ntheorem t : True := trivial\n"


def startup(runner: LeanRunner, source: bytes) -> None:
    """Where a fresh exporter's start-up goes, each stage in a process of its own."""
    # a loaded machine can take longer than a job's wall limit to start: not a limit to hit here
    limits = dataclasses.replace(runner.default_limits, wall_seconds=900)
    stages: tuple[tuple[str, tuple[str, ...], dict[str, bytes]], ...] = (
        ("bare runtime: lean --version", ("--version",), {}),
        ("runtime + import Lean + empty main (--run)", ("--run", "Imports.lean"), {"Imports.lean": IMPORT_ONLY}),
        ("runtime + the exporter elaborated, not run", ("Export.lean",), {"Export.lean": source}),
    )
    for label, args, files in stages:
        scratch = runner._scratch()
        try:
            for name, data in files.items():
                scratch.write(name, data)
            started = time.monotonic()
            result = runner.sandbox.run(runner.spec(args, limits), scratch)
            print(
                f"startup | {label}: {time.monotonic() - started:.1f} s wall (exit {result.exit_code}, "
                f"limit {result.limit_hit}, "
                f"peak {result.peak_memory_kb >> 10} MB)",
                flush=True,
            )
        finally:
            scratch.remove()
    proc, scratch, ready, total = start_exporter(runner, source)
    memory = mb(proc.memory_bytes())
    proc.close()
    scratch.remove()
    print(
        f"startup | pre-started exporter: runtime ready after {ready:.1f} s, waiting for its first job after "
        f"{total:.1f} s ({total - ready:.1f} s of Lean beyond the runtime), {memory} MB",
        flush=True,
    )


def start_exporter(runner: LeanRunner, source: bytes) -> tuple[SandboxProcess, ScratchDir, float, float]:
    """A pre-started exporter waiting for its first job; when its runtime was ready, when it was."""
    spec = runner.prestart_spec(exporter_job(b"", None, source=source), runner.default_limits)
    assert spec is not None
    scratch = runner._scratch()
    scratch.write("Export.lean", source)
    started = time.monotonic()
    proc = _spawn(runner.sandbox, spec, scratch, start_clock=False)
    proc.wait_for(lambda _o, err: PRESTART_READY in err, 600)
    ready = time.monotonic() - started
    if not proc.wait_for(lambda _o, err: EXPORTER_WAITING in err, 600):
        proc.close()
        scratch.remove()
        raise RuntimeError("the exporter did not start")
    return proc, scratch, ready, time.monotonic() - started


def jobs_on_one_process(runner: LeanRunner, source: bytes, label: str, jobs: int, problems: list[ProblemSpec]) -> str:
    proc, scratch, ready, total = start_exporter(runner, source)
    memory = mb(proc.memory_bytes())
    print(f"{label}: ready after {total:.1f} s (runtime {ready:.1f} s), {memory} MB", flush=True)
    after: list[int] = [memory]
    seconds: list[float] = []
    growth: dict[str, list[int]] = {kind: [] for kind in KINDS}
    try:
        for i in range(jobs):
            kind = KINDS[i % len(KINDS)]
            problem = problems[(i // len(KINDS)) % len(problems)]
            scratch.clear(keep={"Export.lean"})
            scratch.write("Sol.lean", job_code(kind, problem).encode())
            key = ExportKey.new()
            proc.start_clock()
            t = time.monotonic()
            proc.write_stdin(exporter_stdin(key, list(problem.imports)))
            raw = proc.finish_job(lambda out: b"\n" + EXPORTER_DONE in out and out.endswith(b"\n"), 120)
            if raw is None:
                print(f"{label} {i + 1} {kind}: the process ended or did not answer in 120 s", flush=True)
                break
            try:
                outcome = f"{authenticate(raw.stdout.decode(), key).count(chr(10))} rows"
            except ValueError as exc:
                outcome = f"not authenticated: {exc}"
            seconds.append(time.monotonic() - t)
            after.append(mb(proc.memory_bytes()))
            growth[kind].append(after[-1] - after[-2])
            print(
                f"{label} {i + 1} {kind} {problem.slug} {seconds[-1]:.2f} s, {outcome}, "
                f"memory {after[-1]} MB (peak {mb(proc.control.peak_memory_bytes())} MB)",
                flush=True,
            )
    finally:
        proc.close()
        scratch.remove()
    done = len(after) - 1
    per_kind = ", ".join(
        f"{kind} {statistics.mean(g[1:] or g):+.0f} MB" for kind, g in growth.items() if g
    )  # the first job of a kind may pay one-off caches: left out when there are more
    at = {n: after[n] for n in (1, 10, 100) if n <= done}
    return (
        f"{label}: ready after {total:.1f} s (runtime {ready:.1f} s); {done} jobs, p50 "
        f"{statistics.median(seconds) if seconds else 0:.2f} s; memory at start {after[0]} MB, "
        + ", ".join(f"after job {n} {v} MB" for n, v in at.items())
        + f", after job {done} {after[-1]} MB; growth per job: {per_kind}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--source", action="append", type=Path, help="an exporter program (repeatable)")
    parser.add_argument("--startup", action="store_true", help="measure the start-up stages first")
    options = parser.parse_args()
    problems = load_problem_set((ROOT / "problems" / "samples" / "problems.jsonl").read_text())
    problems = [p for p in problems if p.reference_solution]
    runner = make_runner(dataclasses.replace(load_config(), pool_size=0))
    sources = options.source or [None]
    try:
        programs = [
            (
                str(path) if path else "the project's exporter",
                path.read_bytes() if path else exporter_source(),
            )
            for path in sources
        ]
        if options.startup:  # of the first program only
            print(f"startup of {programs[0][0]}", flush=True)
            startup(runner, programs[0][1])
        summaries = [jobs_on_one_process(runner, source, label, options.jobs, problems) for label, source in programs]
    finally:
        runner.close()
    print("\n".join(summaries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
