"""`judge_submission`: a problem and a file in, a trusted verdict out.

Two Lean processes on a verdict's critical path: the exporter (sandboxed, fresh per submission,
pre-started when the runner keeps a pool) and the trusted replay (kept alive between verdicts).
The reference export of each problem version is computed once and cached on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from pathlib import Path

from judge import source_checks
from judge.checker import check, parse_target_name
from judge.config import get_config
from judge.export_auth import ExportKey, ExportMissing, ExportTampered, authenticate
from judge.export_format import Export, ExportError, Interner, parse_export
from judge.lean_runner import LeanJob, LeanRunner, Limits, RunResult, get_runner
from judge.problem_format import ProblemSpec
from judge.replay import ReplayCrashed, Replayer, ReplayError
from judge.results import PRECEDENCE, JudgeResult, Message, Reason, TheoremResult, TheoremStatus, Verdict

log = logging.getLogger(__name__)

# Bump when a check changes: verdicts of older versions can then be re-judged.
CHECKER_VERSION = "2026.12.01"

EXPORTER_SOURCE = Path(__file__).with_name("lean") / "Export.lean"
EXPORTER_WAITING = b"ARENA-EXPORTER-WAITING\n"  # Export.lean, compiled, waits for its file
SUBMISSION_FILE = "Sol.lean"
# How the offline Lean dies (Node's stack overflow, wasm traps, Lean's runtime panics): when the
# export stops there, the submission's doing, not ours.
CRASH_MARKERS = ("Maximum call stack size exceeded", "RangeError", "hardware fault", "Aborted(",
                 "INTERNAL PANIC", "RuntimeError", "out of bounds", "Stack overflow", "stack overflow")
# Starting processes (or threads past the limit) is something a proof never needs.
LIMIT_VERDICTS = {"wall": Verdict.TIME_LIMIT, "memory": Verdict.MEMORY_LIMIT,
                  "output": Verdict.OUTPUT_LIMIT, "processes": Verdict.FORBIDDEN_CONSTRUCT}


class InvalidReference(RuntimeError):
    """The problem's own template does not elaborate: the problem is broken, not the submission."""


def judge_submission(problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None,
                     runner: LeanRunner | None = None) -> JudgeResult:  # fmt: skip
    started = time.monotonic()
    judge = _Judge(runner or get_runner(), limits)
    try:
        result = judge.judge(problem, code)
    except ReplayError as exc:
        # the replay died or refused our request: the submission's terms may have caused it
        log.exception("replay failed")
        result = judge.finish(Verdict.JUDGE_ERROR, [Reason("REPLAY_FAILED", None, str(exc)[:2000])], problem)
    except Exception as exc:  # SlotTimeout, InvalidReference, a sandbox failure: our fault
        log.exception("judge error")
        result = judge.finish(Verdict.JUDGE_ERROR, [Reason("JUDGE_ERROR", None, str(exc)[:2000])], problem)
    return dataclasses.replace(result, time_ms=int((time.monotonic() - started) * 1000))


class _Judge:
    def __init__(self, runner: LeanRunner, limits: Limits | None) -> None:
        self.runner = runner
        self.limits = limits
        self.memory_kb = 0

    def judge(self, problem: ProblemSpec, code: str | bytes) -> JudgeResult:
        forbidden = source_checks.check_source(code, list(problem.imports))
        if forbidden:
            return self.finish(Verdict.FORBIDDEN_CONSTRUCT, forbidden, problem)
        raw = code.encode() if isinstance(code, str) else code
        replayer = replayer_for(self.runner)
        if not replayer.ready:
            # compile the replay while the exporter works: the two cold starts overlap
            threading.Thread(target=_warm_up_quietly, args=(replayer,), name="replay-warm-up", daemon=True).start()
        interner = Interner()
        reference = parse_export(reference_export(problem, self.runner), interner)
        key = ExportKey.new()
        run = run_exporter(self.runner, raw, self.limits, key=key, imports=list(problem.imports))
        self.memory_kb = run.peak_memory_kb
        if run.limit_hit:
            verdict = LIMIT_VERDICTS[run.limit_hit]
            return self.finish(verdict, [Reason(f"{run.limit_hit.upper()}_LIMIT", None,
                                                _limit_detail(run))], problem)
        try:
            text = authenticate(run.stdout, key)
        except ExportTampered as exc:
            return self.finish(Verdict.FORBIDDEN_CONSTRUCT, [Reason("EXPORT_TAMPERED", None, str(exc))], problem)
        except ExportMissing as exc:
            if _crashed(run):
                # e.g. deep recursion or a runtime panic raised on purpose: a verdict of its own
                return self.finish(Verdict.COMPILE_ERROR, [Reason(
                    "LEAN_CRASHED", None, "Lean crashed while elaborating the file: " + _crash_line(run))], problem)
            if '["BEGIN"]' in run.stdout:
                # the export began and never ended, with no crash: the process was stopped
                return self.finish(Verdict.FORBIDDEN_CONSTRUCT, [Reason("EXPORT_TAMPERED", None, str(exc))], problem)
            return self.finish(Verdict.JUDGE_ERROR, [Reason(
                "EXPORT_INVALID", None, f"the exporter wrote nothing (exit {run.exit_code}): {run.stderr[-500:]}")],
                problem)
        try:
            submission = parse_export(text, interner)
        except ExportError as exc:
            return self.finish(Verdict.JUDGE_ERROR, [Reason("EXPORT_INVALID", None, str(exc))], problem)
        if submission.refusal is not None:
            refusal = submission.refusal
            return self.finish(Verdict.FORBIDDEN_CONSTRUCT, [Reason(
                "FORBIDDEN_COMMAND", refusal.construct,
                f"line {refusal.line}, column {refusal.column}: {refusal.construct} is not allowed: {refusal.why}")],
                problem)
        return self.decide(problem, interner, reference, submission)

    def decide(self, problem: ProblemSpec, interner: Interner, reference: Export,
               submission: Export) -> JudgeResult:  # fmt: skip
        messages = [m for m in submission.messages if m["file"] == SUBMISSION_FILE]
        found: list[tuple[Verdict, Reason]] = []
        for m in messages:
            if m["severity"] == "error":
                found.append((Verdict.COMPILE_ERROR, Reason("LEAN_ERROR", None,
                                                            f"line {m['line']}: {m['text'][:500]}")))
                break
        outcome = check(
            interner=interner, reference=reference, submission=submission,
            definitions=problem.definition_names, theorems=problem.theorem_names,
            allowed_imports=list(problem.imports),
        )
        found += outcome.reasons
        status = outcome.theorem_status
        decided_before_kernel = {Verdict.FORBIDDEN_CONSTRUCT, Verdict.COMPILE_ERROR,
                                 Verdict.STATEMENT_MISMATCH, Verdict.FORBIDDEN_AXIOM}
        if not any(v in decided_before_kernel for v, _ in found):
            found += self.replay(problem, interner, outcome, status)
        verdict = min((v for v, _ in found), key=PRECEDENCE.index, default=Verdict.ACCEPTED)
        if verdict is Verdict.COMPILE_ERROR:
            status = {t: TheoremStatus.ERROR if s is TheoremStatus.SORRY else s for t, s in status.items()}
        ordered = sorted(found, key=lambda item: PRECEDENCE.index(item[0]))
        return JudgeResult(
            verdict=verdict,
            reasons=[r for _, r in ordered],
            theorems=[TheoremResult(t, status[t]) for t in problem.theorem_names],
            messages=[_message(m) for m in messages],
            lean_version=self.runner.version(),
            checker_version=CHECKER_VERSION,
            memory_kb=self.memory_kb,
        )

    def replay(self, problem: ProblemSpec, interner: Interner, outcome, status) -> list[tuple[Verdict, Reason]]:
        targets = [parse_target_name(n) for n in problem.definition_names + problem.theorem_names]
        limits = self.limits or self.runner.default_limits
        try:
            result = replayer_for(self.runner).replay(
                imports=list(problem.imports), plan=outcome.replay_plan, interner=interner,
                axioms_of=targets, timeout=limits.wall_seconds,
            )
        except ReplayCrashed as exc:
            # the replay reads only our request, rebuilt from the submission's terms: a kernel
            # check that exhausts or kills it is the submission's; the next request reopens it
            if exc.limit in ("wall", "timeout"):
                return [(Verdict.TIME_LIMIT, Reason("KERNEL_TIME_LIMIT", None,
                                                    "the kernel did not finish checking in time"))]
            if exc.limit == "memory":
                return [(Verdict.MEMORY_LIMIT, Reason("KERNEL_MEMORY_LIMIT", None,
                                                      "the kernel ran out of memory checking the file"))]
            return [(Verdict.KERNEL_REJECTED, Reason("KERNEL_CRASHED", None,
                                                     f"the kernel crashed checking the file: {str(exc)[:500]}"))]
        found: list[tuple[Verdict, Reason]] = []
        if result.failure:
            name, detail = result.failure
            found.append((Verdict.KERNEL_REJECTED, Reason("KERNEL_REJECTED", name, detail[:2000])))
            for theorem in problem.theorem_names:
                if status[theorem] is TheoremStatus.PROVED:
                    status[theorem] = TheoremStatus.KERNEL_REJECTED
        for target, axioms in result.axioms.items():
            for axiom in axioms:
                verdict = _axiom_verdict(axiom, native=self.runner.kind == "native")
                if verdict is Verdict.INCOMPLETE_PROOF:
                    found.append((verdict, Reason("SORRY", target, "uses `sorry`")))
                    if target in status and status[target] is TheoremStatus.PROVED:
                        status[target] = TheoremStatus.SORRY
                elif verdict is Verdict.FORBIDDEN_AXIOM:
                    found.append((verdict, Reason("FORBIDDEN_AXIOM", axiom, f"{target} depends on {axiom}")))
                    if target in status and status[target] is TheoremStatus.PROVED:
                        status[target] = TheoremStatus.FORBIDDEN_AXIOM
        return found

    def finish(self, verdict: Verdict, reasons: list[Reason], problem: ProblemSpec) -> JudgeResult:
        status = TheoremStatus.ERROR
        return JudgeResult(
            verdict=verdict,
            reasons=list(reasons),
            theorems=[TheoremResult(t, status) for t in problem.theorem_names],
            lean_version=_safe_version(self.runner),
            checker_version=CHECKER_VERSION,
            memory_kb=self.memory_kb,
        )


def _warm_up_quietly(replayer: Replayer) -> None:
    try:
        replayer.warm_up()
    except Exception:  # the replay itself will try again and report what failed
        log.info("replay warm-up failed", exc_info=True)


def _axiom_verdict(axiom: str, *, native: bool) -> Verdict | None:
    if axiom == "sorryAx":
        return Verdict.INCOMPLETE_PROOF
    if axiom in ("Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler"):
        return Verdict.FORBIDDEN_AXIOM
    # Offline, imported theorems look like axioms: only native Lean sees the true closure.
    if native and axiom not in ("propext", "Classical.choice", "Quot.sound"):
        return Verdict.FORBIDDEN_AXIOM
    return None


def _message(m: dict) -> Message:
    return Message(severity=m["severity"], line=m["line"], column=m["column"],
                   end_line=m["end_line"], end_column=m["end_column"], text=m["text"])


def _limit_detail(run: RunResult) -> str:
    return {"wall": f"Lean ran past the time limit ({run.wall_seconds:.1f} s)",
            "memory": "Lean ran past the memory limit",
            "output": "Lean printed more than the output limit",
            "processes": "Lean started more processes or threads than allowed"}[run.limit_hit]


def _crashed(run: RunResult) -> bool:
    return any(marker in run.stderr or marker in run.stdout for marker in CRASH_MARKERS)


def _crash_line(run: RunResult) -> str:
    for line in (run.stderr + "\n" + run.stdout).splitlines():
        if any(marker in line for marker in CRASH_MARKERS):
            return line.strip()[:300]
    return "unknown crash"


def _safe_version(runner: LeanRunner) -> str:
    try:
        return runner.version()
    except Exception:  # the version is decoration on an error result
        return ""


# --- the two Lean processes -------------------------------------------------------------------


def exporter_job(code: bytes, limits: Limits | None, *, key: ExportKey | None = None,
                 imports: list[str] | None = None, source: bytes | None = None,
                 collect: tuple[str, ...] = ()) -> LeanJob:  # fmt: skip
    """The exporter's job. The go line on stdin carries the one-time MAC key and the problem's
    imports; `source` and `collect` exist for the tests' unguarded control runs only."""
    key = key or ExportKey.new()
    return LeanJob(
        args=("--run", "Export.lean"),
        static_files={"Export.lean": source if source is not None else EXPORTER_SOURCE.read_bytes()},
        files={SUBMISSION_FILE: code},
        stdin=key.go_line(imports or []),
        early_start=True,
        ready_marker=EXPORTER_WAITING,
        collect=collect,
        limits=limits,
    )


def run_exporter(runner: LeanRunner, code: bytes, limits: Limits | None, *, key: ExportKey,
                 imports: list[str]) -> RunResult:  # fmt: skip
    return runner.run(exporter_job(code, limits, key=key, imports=imports))


_reference_lock = threading.Lock()
_references: dict[str, str] = {}


def reference_export(problem: ProblemSpec, runner: LeanRunner) -> str:
    """The template's export, per problem version, toolchain and exporter; cached on disk."""
    key = hashlib.sha256(
        "\0".join([problem.statement_fingerprint, runner.version(), CHECKER_VERSION,
                   hashlib.sha256(EXPORTER_SOURCE.read_bytes()).hexdigest()]).encode()
    ).hexdigest()
    with _reference_lock:
        if key in _references:
            return _references[key]
        path = get_config().cache_dir / "references" / f"{key}.jsonl"
        if path.exists():
            text = path.read_text()
        else:
            key = ExportKey.new()
            run = run_exporter(runner, problem.template().encode(), None, key=key, imports=list(problem.imports))
            try:
                text = authenticate(run.stdout, key)
                export = parse_export(text, Interner())
            except (ExportError, ExportMissing, ExportTampered) as exc:
                raise InvalidReference(f"the problem's template could not be exported: {exc}; "
                                       f"{run.stderr[-300:]}") from exc
            if export.refusal is not None:
                refusal = export.refusal
                raise InvalidReference(f"the problem's template is refused by the judge's policy: line "
                                       f"{refusal.line}: {refusal.construct}: {refusal.why}")
            errors = [m for m in export.messages if m["severity"] == "error"]
            if errors:
                raise InvalidReference(f"the problem's template does not elaborate: line "
                                       f"{errors[0]['line']}: {errors[0]['text'][:300]}")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(path)
        _references[key] = text
        return text


def warm_up(runner: LeanRunner | None = None) -> None:
    """Take the fixed costs off the first verdict (call it when a worker starts): a pre-started
    exporter, compiled and waiting for its file, and a compiled replay session."""
    runner = runner or get_runner()
    prestart = getattr(runner, "prestart", None)
    if prestart is not None:
        prestart(exporter_job(b"", None))
    replayer_for(runner).warm_up()


_replayers: dict[int, Replayer] = {}
_replayers_lock = threading.Lock()


def replayer_for(runner: LeanRunner) -> Replayer:
    with _replayers_lock:
        replayer = _replayers.get(id(runner))
        if replayer is None:
            replayer = _replayers[id(runner)] = Replayer(runner, runner.default_limits)
        return replayer
