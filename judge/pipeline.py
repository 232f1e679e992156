"""The judging pipeline: a problem and a file in, a trusted verdict out.

    source checks → the exporter (untrusted: sandboxed Lean that elaborates the file)
      → authenticate (export_auth) → parse (export_format) → check (checker)
      → the kernel replay (replay: trusted Lean fed our own request) → the verdict

Two Lean processes on a verdict's critical path: the exporter (sandboxed, pre-started when the
runner keeps a pool; fresh per submission, or reused for the same owner's next submission once
this one ended with an authenticated export and no refusal) and the trusted replay (kept alive
between verdicts).
A `Judge` owns what lives between verdicts: the runner, the replayer and the reference exports
(computed once per problem version and cached on disk). `judge_submission` judges with the
default Judge of this process's runner (it is what settings.ARENA_JUDGE names).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import time

from judge import checking, counterexamples, source_checks, spec_consistency
from judge.axioms import axiom_verdict
from judge.checker import CheckOutcome, check
from judge.config import get_config
from judge.counterexamples import ProbeRequest
from judge.export_auth import ExportKey, ExportMissing, ExportTampered, authenticate, authenticate_sections
from judge.export_format import (
    Constant,
    Export,
    ExportError,
    ExportLimit,
    Interner,
    Name,
    name_to_str,
    parse_export,
    parse_name,
)
from judge.exporter_program import EXPORTER_FILE, exporter_source
from judge.fork import reset_after_fork
from judge.lean_runner import LeanJob, LeanRunner, RunResult, close_runner, get_runner
from judge.problem_format import ProblemSpec
from judge.replay import ReplayCrashed, Replayer, ReplayError, ReplayTimeout
from judge.results import (
    PRECEDENCE,
    CheckResult,
    CheckStatus,
    JudgeResult,
    Message,
    Reason,
    ReasonCode,
    TheoremResult,
    TheoremStatus,
    Verdict,
)
from judge.sandbox import LimitHit, Limits
from judge.seam import InvalidReference, SiteJudge

log = logging.getLogger(__name__)

# Bump when a check changes: verdicts of older versions can then be re-judged.
CHECKER_VERSION = "2026.12.04"  # WRONG_ANSWER

EXPORTER_WAITING = b"ARENA-EXPORTER-WAITING\n"  # the exporter, compiled, waits for its file
EXPORTER_DONE = b'["DONE"]'  # the last line of one job's output, after its sections (WIRE.md)
SUBMISSION_FILE = "Sol.lean"
# How the offline Lean dies (Node's stack overflow, wasm traps, Lean's runtime panics): when the
# export stops there, the submission's doing, not ours.
CRASH_MARKERS = (
    "Maximum call stack size exceeded",
    "RangeError",
    "hardware fault",
    "Aborted(",
    "INTERNAL PANIC",
    "RuntimeError",
    "out of bounds",
    "Stack overflow",
    "stack overflow",
)
# The exporter's limits: the verdict, the reason and its detail. Starting processes (or threads
# past the limit) is something a proof never needs.
LIMIT_VERDICTS: dict[LimitHit, tuple[Verdict, ReasonCode, str]] = {
    LimitHit.WALL: (Verdict.TIME_LIMIT, ReasonCode.WALL_LIMIT, "Lean ran past the time limit ({seconds:.1f} s)"),
    LimitHit.MEMORY: (Verdict.MEMORY_LIMIT, ReasonCode.MEMORY_LIMIT, "Lean ran past the memory limit"),
    LimitHit.OUTPUT: (Verdict.OUTPUT_LIMIT, ReasonCode.OUTPUT_LIMIT, "Lean printed more than the output limit"),
    LimitHit.PROCESSES: (
        Verdict.FORBIDDEN_CONSTRUCT,
        ReasonCode.PROCESSES_LIMIT,
        "Lean started more processes or threads than allowed",
    ),
}
# What a kernel-checked counterexample replaces (every other verdict outranks it).
REPLACED_BY_COUNTEREXAMPLE = {Verdict.COMPILE_ERROR, Verdict.KERNEL_REJECTED, Verdict.INCOMPLETE_PROOF}
# Limits that, hit after the export's end line, stopped only the probes.
PROBE_PHASE_LIMITS = {LimitHit.WALL, LimitHit.MEMORY, LimitHit.OUTPUT}
# Verdicts the checker decides for good: the kernel replay is skipped after any of them.
DECIDED_BEFORE_KERNEL = {
    Verdict.FORBIDDEN_CONSTRUCT,
    Verdict.COMPILE_ERROR,
    Verdict.STATEMENT_MISMATCH,
    Verdict.FORBIDDEN_AXIOM,
}


class Judge:
    """What judging keeps between verdicts: the runner, the replayer (one trusted replay session)
    and the reference exports of the problems it has judged."""

    def __init__(self, runner: LeanRunner) -> None:
        self.runner = runner
        self.replayer = Replayer(runner, runner.default_limits)
        # the probes after the file (ARENA_COUNTEREXAMPLES): counterexamples and spec audits
        self.probes = (getattr(runner, "config", None) or get_config()).counterexamples
        self._references: dict[str, str] = {}
        self._reference_lock = threading.Lock()

    def judge(
        self, problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None, owner: str | None = None
    ) -> JudgeResult:
        """The verdict on `code`. `owner` (who submitted it) lets the exporter that judged it go on
        to that owner's next submission; None: a fresh exporter, used once."""
        started = time.monotonic()
        judgment = _Judgment(self, limits, owner)
        try:
            result = judgment.judge(problem, code)
        except ReplayError as exc:
            # the replay died or refused our request: the submission's terms may have caused it
            log.exception("replay failed")
            result = judgment.finish(
                Verdict.JUDGE_ERROR, [Reason(ReasonCode.REPLAY_FAILED, None, str(exc)[:2000])], problem
            )
        except Exception as exc:  # SlotTimeout, InvalidReference, a sandbox failure: our fault
            log.exception("judge error")
            result = judgment.finish(
                Verdict.JUDGE_ERROR, [Reason(ReasonCode.JUDGE_ERROR, None, str(exc)[:2000])], problem
            )
        return dataclasses.replace(
            result, time_ms=int((time.monotonic() - started) * 1000), phases=dict(judgment.phases)
        )

    def check(
        self, problem: ProblemSpec, code: str | bytes, *, owner: str | None, limits: Limits | None = None
    ) -> CheckResult:
        """A check of `code` (judge.checking): Lean's messages and proof state, no verdict. The
        exporter is run as for a verdict, with `owner` for its reuse, but never with probes."""
        started = time.monotonic()
        try:
            result = _check(self, problem, code, owner, limits)
        except Exception as exc:  # SlotTimeout, InvalidReference, a sandbox failure: our fault
            log.exception("check error")
            result = CheckResult(status=CheckStatus.ERROR, refusal=f"the judge failed: {str(exc)[:500]}")
        return dataclasses.replace(
            result,
            lean_version=_safe_version(self.runner),
            checker_version=CHECKER_VERSION,
            time_ms=int((time.monotonic() - started) * 1000),
        )

    def decide(
        self,
        problem: ProblemSpec,
        interner: Interner,
        reference: Export,
        submission: Export,
        limits: Limits | None = None,
    ) -> JudgeResult:
        """The verdict on an authenticated, parsed export (the checker, then the kernel)."""
        return _Judgment(self, limits).decide(problem, interner, reference, submission)

    def reference_export(self, problem: ProblemSpec) -> str:
        """The template's export, per problem version, toolchain and exporter; cached on disk."""
        cache_key = hashlib.sha256(
            "\0".join(
                [
                    problem.statement_fingerprint,
                    self.runner.version(),
                    CHECKER_VERSION,
                    hashlib.sha256(exporter_source()).hexdigest(),
                ]
            ).encode()
        ).hexdigest()
        with self._reference_lock:
            if cache_key in self._references:
                return self._references[cache_key]
            path = get_config().cache_dir / "references" / f"{cache_key}.jsonl"
            if path.exists():
                text = path.read_text()
            else:
                text = self._export_reference(problem)
                path.parent.mkdir(parents=True, exist_ok=True)
                # a name of this process's own: worker processes share the cache directory
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_text(text)
                tmp.replace(path)
            self._references[cache_key] = text
            return text

    def _export_reference(self, problem: ProblemSpec) -> str:
        key = ExportKey.new()
        run = run_exporter(self.runner, problem.template().encode(), None, key=key, imports=list(problem.imports))
        if run.limit_hit:
            raise InvalidReference(
                f"the problem's template hit the {run.limit_hit} limit after {run.wall_seconds:.0f} s"
            )
        try:
            text = authenticate(run.stdout, key)
            export = parse_export(text, Interner())
        except (ExportError, ExportMissing, ExportTampered) as exc:
            raise InvalidReference(f"the problem's template could not be exported: {exc}; {run.stderr[-300:]}") from exc
        if export.refusal is not None:
            refusal = export.refusal
            raise InvalidReference(
                f"the problem's template is refused by the judge's policy: line "
                f"{refusal.line}: {refusal.construct}: {refusal.why}"
            )
        errors = [m for m in export.messages if m["severity"] == "error"]
        if errors:
            raise InvalidReference(
                f"the problem's template does not elaborate: line {errors[0]['line']}: {errors[0]['text'][:300]}"
            )
        return text

    def check_tests(self, problem: ProblemSpec) -> list[spec_consistency.TestCheck]:
        """Each of the problem's tests: consistent, inconsistent or undecided with its spec
        (judge.spec_consistency), the proofs replayed by the kernel. Raises InvalidReference
        when the template does not export."""
        interner = Interner()
        reference = parse_export(self.reference_export(problem), interner)
        test_plan = spec_consistency.plan(problem, reference, interner)
        proved: set[int] = set()
        if test_plan.planned:
            key = ExportKey.new()
            request = test_plan.request
            run = run_exporter(
                self.runner, problem.template().encode(), None, key=key, imports=list(problem.imports), probes=request
            )
            try:
                text, probe_text = authenticate_sections(run.stdout, key, request.key)
                export = parse_export(text, interner, probes=probe_text)
            except (ExportError, ExportMissing, ExportTampered) as exc:
                raise InvalidReference(f"the problem's template could not be exported: {exc}") from exc
            reached = spec_consistency.proved_probes(interner, export, request)
            proved = self._confirmed(problem, interner, reached)
        return spec_consistency.decide(test_plan, proved, problem)

    def _confirmed(self, problem: ProblemSpec, interner: Interner, reached: dict[int, dict]) -> set[int]:
        """The probes whose proofs the kernel replays, all at once (one failing: the others
        again without it, at most three times)."""
        for _ in range(3):
            if not reached:
                return set()
            try:
                outcome = self.replayer.replay(
                    imports=list(problem.imports),
                    plan=spec_consistency.replay_plan_of(reached, interner),
                    interner=interner,
                    axioms_of=[],
                    timeout=self.runner.default_limits.wall_seconds,
                )
            except ReplayError:  # nothing confirmed: the tests stay undecided
                log.info("the test checks' replay failed", exc_info=True)
                return set()
            if outcome.failure is None:
                return set(reached)
            failed = parse_name(outcome.failure[0])
            reached = {i: r for i, r in reached.items() if failed not in r}
        return set()

    def warm_up(self) -> None:
        """Take the fixed costs off the first verdict (call it when a worker starts): a pre-started
        exporter, compiled and waiting for its file, and a compiled replay session."""
        prestart = getattr(self.runner, "prestart", None)
        if prestart is not None:
            preload = _preload_of(self.runner)
            prestart(exporter_job(b"", None, imports=list(preload), preload=preload))
        self.replayer.warm_up()

    def close(self) -> None:
        """Stop the replay session and forget this Judge (the runner is its owner's to close)."""
        self.replayer.close()
        with _judges_lock:
            if _judges.get(id(self.runner)) is self:
                del _judges[id(self.runner)]


class _Judgment:
    """One verdict in the making: its limits, whose submission it is, the memory its exporter
    used and where the time went."""

    def __init__(self, judge: Judge, limits: Limits | None, owner: str | None = None) -> None:
        self.parent_judge = judge
        self.runner = judge.runner
        self.limits = limits
        self.owner = owner  # who submitted it, as everywhere else (Judge.judge, run_exporter)
        self.memory_kb = 0
        self.verdicts: set[Verdict] = set()  # every verdict the checks found, once decided
        self.phases: dict[str, int] = {}

    def judge(self, problem: ProblemSpec, code: str | bytes) -> JudgeResult:
        forbidden = source_checks.check_source(code, list(problem.imports))
        if forbidden:
            return self.finish(Verdict.FORBIDDEN_CONSTRUCT, forbidden, problem)
        raw = code.encode() if isinstance(code, str) else code
        replayer = self.parent_judge.replayer
        if not replayer.ready:
            # compile the replay while the exporter works: the two cold starts overlap
            threading.Thread(target=_warm_up_quietly, args=(replayer,), name="replay-warm-up", daemon=True).start()
        interner = Interner()
        reference = parse_export(self.parent_judge.reference_export(problem), interner)
        probes = (
            counterexamples.plan_search(problem, reference, interner, seed=hashlib.sha256(raw).hexdigest())
            if self.parent_judge.probes
            else None
        )
        key = ExportKey.new()
        asked = time.monotonic()
        run = run_exporter(
            self.runner, raw, self.limits, key=key, imports=list(problem.imports), probes=probes, owner=self.owner
        )
        self.phases["exporter_ms"] = int(run.wall_seconds * 1000)
        self.phases["sandbox_ms"] = max(0, int((time.monotonic() - asked - run.wall_seconds) * 1000))
        self.phases["exporter_reused"] = int(run.reused)
        self.memory_kb = run.peak_memory_kb
        try:
            if run.limit_hit and not (
                probes is not None and LimitHit(run.limit_hit) in PROBE_PHASE_LIMITS and _export_ended(run, key, probes)
            ):
                verdict, code_, detail = LIMIT_VERDICTS[LimitHit(run.limit_hit)]
                return self.finish(verdict, [Reason(code_, None, detail.format(seconds=run.wall_seconds))], problem)
            submission = self._submission(run, key, interner, problem, probes)
            if isinstance(submission, JudgeResult):
                return submission
            if run.handoff is not None and not run.limit_hit:
                # an authenticated export, no refusal, no limit (not even in the probes): the
                # process may take this owner's next file
                run.handoff.keep()
        finally:
            if run.handoff is not None:
                run.handoff.discard()  # not vouched for (a no-op once kept): never used again
        result = self.decide(problem, interner, reference, submission)
        return self._probed(result, problem, interner, reference, submission, probes)

    def _probed(
        self,
        result: JudgeResult,
        problem: ProblemSpec,
        interner: Interner,
        reference: Export,
        submission: Export,
        probes: ProbeRequest | None,
    ) -> JudgeResult:
        """What the probes add to the verdict: a counterexample in place of a failed proof, a
        spec audit beside an ACCEPTED one."""
        if probes is None or submission.probes is None:
            return result
        if result.verdict in REPLACED_BY_COUNTEREXAMPLE:
            found = self.counterexample(problem, interner, reference, submission, probes)
            if found is not None:
                result = _wrong_answer(result, self.verdicts, found)
        elif result.verdict is Verdict.ACCEPTED:
            audit = [
                finding.to_json()
                for finding, plan, checked in counterexamples.audit_candidates(
                    problem, interner, reference, submission, probes
                )
                if self._replays(problem, interner, plan, checked, declared_axioms(submission))
            ]
            result = dataclasses.replace(result, spec_audit=audit)
        return result

    def _submission(
        self,
        run: RunResult,
        key: ExportKey,
        interner: Interner,
        problem: ProblemSpec,
        probes: ProbeRequest | None = None,
    ) -> Export | JudgeResult:
        """The submission's export once authenticated and parsed, or the verdict that it is not."""
        try:
            text, probe_text = authenticate_sections(run.stdout, key, probes.key if probes else None)
        except ExportTampered as exc:
            return self.finish(
                Verdict.FORBIDDEN_CONSTRUCT, [Reason(ReasonCode.EXPORT_TAMPERED, None, str(exc))], problem
            )
        except ExportMissing as exc:
            return self.finish(*_missing_export(run, exc), problem)
        try:
            submission = parse_export(text, interner, probes=probe_text)
        except ExportLimit as exc:
            return self.finish(Verdict.OUTPUT_LIMIT, [Reason(ReasonCode.OUTPUT_LIMIT, None, str(exc))], problem)
        except ExportError as exc:
            return self.finish(Verdict.JUDGE_ERROR, [Reason(ReasonCode.EXPORT_INVALID, None, str(exc))], problem)
        if submission.refusal is not None:
            refusal = submission.refusal
            reason = Reason(ReasonCode.FORBIDDEN_COMMAND, refusal.construct, refusal.detail())
            return self.finish(Verdict.FORBIDDEN_CONSTRUCT, [reason], problem)
        return submission

    def counterexample(
        self, problem: ProblemSpec, interner: Interner, reference: Export, submission: Export, probes: ProbeRequest
    ) -> counterexamples.Counterexample | None:
        """The first refutation the exporter proved that passes the trusted checks and the
        kernel replay (judge.counterexamples), or None. Nothing here fails the verdict: a replay
        that fails or times out means no counterexample."""
        for candidate in counterexamples.candidates(problem, interner, reference, submission, probes):
            if self._replays(problem, interner, candidate.plan, candidate.checked_names, declared_axioms(submission)):
                return candidate.counterexample
        return None

    def _replays(
        self,
        problem: ProblemSpec,
        interner: Interner,
        plan: list[list[Constant]],
        checked: tuple[Name, ...],
        declared: frozenset[str] = frozenset(),
    ) -> bool:
        """The kernel adds the plan and the `checked` theorems rest on no forbidden axiom (nor on
        one the file declares)."""
        try:
            outcome = self.parent_judge.replayer.replay(
                imports=list(problem.imports),
                plan=plan,
                interner=interner,
                axioms_of=list(checked),
                timeout=(self.limits or self.runner.default_limits).wall_seconds,
            )
        except ReplayError:
            log.info("a probe's replay failed", exc_info=True)
            return False
        native = self.runner.kind == "native"
        return outcome.failure is None and not any(
            axiom in declared or axiom_verdict(parse_name(axiom), closure_complete=native) is not None
            for axioms in outcome.axioms.values()
            for axiom in axioms
        )

    def decide(self, problem: ProblemSpec, interner: Interner, reference: Export, submission: Export) -> JudgeResult:
        messages = [m for m in submission.messages if m["file"] == SUBMISSION_FILE]
        found: list[tuple[Verdict, Reason]] = []
        for m in messages:
            if m["severity"] == "error":
                found.append(
                    (Verdict.COMPILE_ERROR, Reason(ReasonCode.LEAN_ERROR, None, f"line {m['line']}: {m['text'][:500]}"))
                )
                break
        outcome = check_against(problem, interner, reference, submission)
        found += outcome.reasons
        status = outcome.theorem_status
        if not any(v in DECIDED_BEFORE_KERNEL for v, _ in found):
            found += self.replay(problem, interner, outcome, status, declared_axioms(submission))
        verdict = min((v for v, _ in found), key=PRECEDENCE.index, default=Verdict.ACCEPTED)
        self.verdicts = {v for v, _ in found}
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

    def replay(
        self,
        problem: ProblemSpec,
        interner: Interner,
        outcome: CheckOutcome,
        status: dict[str, TheoremStatus],
        declared: frozenset[str] = frozenset(),
    ) -> list[tuple[Verdict, Reason]]:
        targets = [parse_name(n) for n in problem.definition_names + problem.theorem_names]
        limits = self.limits or self.runner.default_limits
        started = time.monotonic()
        try:
            result = self.parent_judge.replayer.replay(
                imports=list(problem.imports),
                plan=outcome.replay_plan,
                interner=interner,
                axioms_of=targets,
                timeout=limits.wall_seconds,
            )
        except ReplayTimeout:
            # the replay reads only our request, rebuilt from the submission's terms: a kernel
            # check that exhausts or kills it is the submission's; the next request reopens it
            return [
                (
                    Verdict.TIME_LIMIT,
                    Reason(ReasonCode.KERNEL_TIME_LIMIT, None, "the kernel did not finish checking in time"),
                )
            ]
        except ReplayCrashed as exc:
            if exc.limit == LimitHit.MEMORY:
                return [
                    (
                        Verdict.MEMORY_LIMIT,
                        Reason(ReasonCode.KERNEL_MEMORY_LIMIT, None, "the kernel ran out of memory checking the file"),
                    )
                ]
            return [
                (
                    Verdict.KERNEL_REJECTED,
                    Reason(ReasonCode.KERNEL_CRASHED, None, f"the kernel crashed checking the file: {str(exc)[:500]}"),
                )
            ]
        finally:
            self.phases["replay_ms"] = int((time.monotonic() - started) * 1000)
        found: list[tuple[Verdict, Reason]] = []
        if result.failure:
            name, detail = result.failure
            found.append((Verdict.KERNEL_REJECTED, Reason(ReasonCode.KERNEL_REJECTED, name, detail[:2000])))
            for theorem in problem.theorem_names:
                if status[theorem] is TheoremStatus.PROVED:
                    status[theorem] = TheoremStatus.KERNEL_REJECTED
        native = self.runner.kind == "native"
        for target, axioms in result.axioms.items():
            for axiom in axioms:
                found += _axiom_found(target, axiom, native, status, declared)
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


def _check(
    judge: Judge, problem: ProblemSpec, code: str | bytes, owner: str | None, limits: Limits | None
) -> CheckResult:
    forbidden = source_checks.check_source(code, list(problem.imports))
    if forbidden:
        return CheckResult(status=CheckStatus.REFUSED, refusal="; ".join(r.detail for r in forbidden)[:2000])
    raw = code.encode() if isinstance(code, str) else code
    interner = Interner()
    reference = parse_export(judge.reference_export(problem), interner)
    key, request = ExportKey.new(), checking.CheckRequest()
    run = run_exporter(judge.runner, raw, limits, key=key, imports=list(problem.imports), owner=owner, check=request)
    try:
        result = _checked(run, key, request, interner, problem, reference)
        if run.handoff is not None and result.status is CheckStatus.OK:
            run.handoff.keep()  # an authenticated export, no refusal, no limit: as after a verdict
        return result
    finally:
        if run.handoff is not None:
            run.handoff.discard()  # a no-op once kept


def _checked(
    run: RunResult,
    key: ExportKey,
    request: checking.CheckRequest,
    interner: Interner,
    problem: ProblemSpec,
    reference: Export,
) -> CheckResult:
    """What the exporter's run of a check says."""
    if run.limit_hit:
        _, _, detail = LIMIT_VERDICTS[LimitHit(run.limit_hit)]
        status = CheckStatus.REFUSED if run.limit_hit == LimitHit.PROCESSES else CheckStatus.LIMIT
        return CheckResult(status=status, refusal=detail.format(seconds=run.wall_seconds))
    try:
        text, section = authenticate_sections(run.stdout, key, request.key, section=checking.CHECK_LINE)
    except ExportTampered as exc:
        return CheckResult(status=CheckStatus.REFUSED, refusal=f"the export is not the exporter's: {exc}")
    except ExportMissing as exc:
        verdict, reasons = _missing_export(run, exc)
        status = CheckStatus.REFUSED if verdict is Verdict.FORBIDDEN_CONSTRUCT else CheckStatus.ERROR
        return CheckResult(status=status, refusal=reasons[0].detail)
    try:
        submission = parse_export(text, interner)
    except ExportLimit as exc:
        return CheckResult(status=CheckStatus.LIMIT, refusal=str(exc))
    except ExportError as exc:
        return CheckResult(status=CheckStatus.ERROR, refusal=f"the export cannot be read: {exc}")
    messages = [_message(m) for m in submission.messages if m["file"] == SUBMISSION_FILE]
    if submission.refusal is not None:
        return CheckResult(status=CheckStatus.REFUSED, messages=messages, refusal=submission.refusal.detail())
    try:
        state = checking.parse_check_section(section or '["END"]', request.bounds)
    except checking.CheckSectionError:
        log.warning("a check section could not be read", exc_info=True)
        state = checking.ProofState(sorries=[], steps=[], truncated=True)
    outcome = check_against(problem, interner, reference, submission)
    return CheckResult(
        status=CheckStatus.OK,
        messages=messages,
        sorries=state.sorries,
        steps=state.steps,
        open_theorems=[t for t in problem.theorem_names if outcome.theorem_status[t] is not TheoremStatus.PROVED],
        truncated=state.truncated or section is None,
    )


def check_against(problem: ProblemSpec, interner: Interner, reference: Export, submission: Export) -> CheckOutcome:
    """The checker on a submission's export against the problem's reference: a verdict's and a
    check's one way to ask it."""
    return check(
        interner=interner,
        reference=reference,
        submission=submission,
        definitions=problem.definition_names,
        theorems=problem.theorem_names,
        allowed_imports=list(problem.imports),
    )


def declared_axioms(submission: Export) -> frozenset[str]:
    """The axioms the file declares, as the replay names them: each is forbidden wherever the
    replay meets it, on either Lean (offline, an imported theorem looks like an axiom, so the
    closure alone cannot tell; the file's own declarations can)."""
    return frozenset(name_to_str(name) for name, const in submission.constants.items() if const.kind == "axiom")


def _axiom_found(
    target: str, axiom: str, native: bool, status: dict[str, TheoremStatus], declared: frozenset[str] = frozenset()
) -> list[tuple[Verdict, Reason]]:
    """What the kernel's axiom report for one target calls for (the checker's policy), marking
    the target's status when it is a proved theorem."""
    verdict = axiom_verdict(parse_name(axiom), closure_complete=native)
    if axiom in declared:
        verdict = Verdict.FORBIDDEN_AXIOM
    if verdict is Verdict.INCOMPLETE_PROOF:
        reason, mark = Reason(ReasonCode.SORRY, target, "uses `sorry`"), TheoremStatus.SORRY
    elif verdict is Verdict.FORBIDDEN_AXIOM:
        reason = Reason(ReasonCode.FORBIDDEN_AXIOM, axiom, f"{target} depends on {axiom}")
        mark = TheoremStatus.FORBIDDEN_AXIOM
    else:
        return []
    if target in status and status[target] is TheoremStatus.PROVED:
        status[target] = mark
    return [(verdict, reason)]


def _export_ended(run: RunResult, key: ExportKey, probes: ProbeRequest) -> bool:
    """The export's own section is complete: a limit hit after it stopped only the probes."""
    try:
        authenticate_sections(run.stdout, key, probes.key)
    except (ExportTampered, ExportMissing):
        return False
    return True


def _wrong_answer(result: JudgeResult, verdicts: set[Verdict], found: counterexamples.Counterexample) -> JudgeResult:
    """The verdict WRONG_ANSWER in place of what it replaces; the proof check's reasons stay."""
    kept = [v for v in verdicts if v not in REPLACED_BY_COUNTEREXAMPLE]
    verdict = min([*kept, Verdict.WRONG_ANSWER], key=PRECEDENCE.index)
    reason = Reason(ReasonCode.COUNTEREXAMPLE, found.theorem, found.summary())
    return dataclasses.replace(
        result, verdict=verdict, reasons=[reason, *result.reasons], counterexample=found.to_json()
    )


def _missing_export(run: RunResult, exc: ExportMissing) -> tuple[Verdict, list[Reason]]:
    if _crashed(run):
        # e.g. deep recursion or a runtime panic raised on purpose: a verdict of its own
        return Verdict.COMPILE_ERROR, [
            Reason(ReasonCode.LEAN_CRASHED, None, "Lean crashed while elaborating the file: " + _crash_line(run))
        ]
    if '["BEGIN"]' in run.stdout:
        # the export began and never ended, with no crash: the process was stopped
        return Verdict.FORBIDDEN_CONSTRUCT, [Reason(ReasonCode.EXPORT_TAMPERED, None, str(exc))]
    return Verdict.JUDGE_ERROR, [
        Reason(
            ReasonCode.EXPORT_INVALID, None, f"the exporter wrote nothing (exit {run.exit_code}): {run.stderr[-500:]}"
        )
    ]


def _warm_up_quietly(replayer: Replayer) -> None:
    try:
        replayer.warm_up()
    except Exception:  # the replay itself will try again and report what failed
        log.info("replay warm-up failed", exc_info=True)


def _message(m: dict) -> Message:
    return Message(
        severity=m["severity"],
        line=m["line"],
        column=m["column"],
        end_line=m["end_line"],
        end_column=m["end_column"],
        text=m["text"],
    )


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


def exporter_job(
    code: bytes,
    limits: Limits | None,
    *,
    key: ExportKey | None = None,
    imports: list[str] | None = None,
    preload: tuple[str, ...] = (),
    source: bytes | None = None,
    collect: tuple[str, ...] = (),
    probes: ProbeRequest | None = None,
    owner: str | None = None,
    check: checking.CheckRequest | None = None,
) -> LeanJob:
    """The exporter's job. The go line on stdin carries the one-time MAC key and the problem's
    imports. When the problem imports exactly the modules of `preload` (the worker's
    ARENA_LEAN_PRELOAD_IMPORTS), they go on the command line: a pre-started exporter for such
    jobs imports them before its job comes (Export.lean uses them for a file whose header is
    `import` of exactly those). `owner` (the submitter) lets the runner give the process that
    exported this file the same owner's next one (WIRE.md: one go line per job, each ending at
    its `DONE` line). `check` makes it a check (judge.checking; no probes then), a job someone
    waits for (`interactive`). `source` and `collect` exist for the tests' control runs only."""
    key = key or ExportKey.new()
    imports = imports or []
    preloaded = tuple(imports) if preload and sorted(imports) == sorted(preload) else ()
    return LeanJob(
        args=("--run", EXPORTER_FILE, *preloaded),
        static_files={EXPORTER_FILE: source if source is not None else exporter_source()},
        files={SUBMISSION_FILE: code},
        stdin=exporter_stdin(key, imports, probes, check),
        early_start=True,
        ready_marker=EXPORTER_WAITING,
        collect=collect,
        limits=limits,
        reuse_key=owner,
        done_marker=EXPORTER_DONE,
        interactive=check is not None,
    )


def exporter_stdin(
    key: ExportKey, imports: list[str], probes: ProbeRequest | None = None, check: checking.CheckRequest | None = None
) -> bytes:
    """One job's two stdin lines (WIRE.md): the go line, then the probes line (`probes {}`: none)
    or, for a check, the check line (a check runs no probes)."""
    if check is not None:
        return key.go_line(imports) + check.line()
    return key.go_line(imports) + (probes.line() if probes else counterexamples.NO_PROBES_LINE)


def run_exporter(
    runner: LeanRunner,
    code: bytes,
    limits: Limits | None,
    *,
    key: ExportKey,
    imports: list[str],
    probes: ProbeRequest | None = None,
    owner: str | None = None,
    check: checking.CheckRequest | None = None,
) -> RunResult:
    """The exporter's run on `code`. With an `owner`, the result may carry a handoff (the
    process may serve that owner's next file): the caller keeps or discards it."""
    job = exporter_job(
        code,
        limits,
        key=key,
        imports=imports,
        preload=_preload_of(runner),
        probes=probes,
        owner=owner,
        check=check,
    )
    return runner.run(job)


def _preload_of(runner: LeanRunner) -> tuple[str, ...]:
    config = getattr(runner, "config", None)  # test doubles of a runner have none
    return config.preload_imports if config is not None else ()


# --- the Judge of each runner (one per process by default) ------------------------------------

_judges: dict[int, Judge] = {}
_judges_lock = threading.Lock()


@reset_after_fork
def _forget_judges() -> None:
    # the parent's replay sessions and pools are not the child's
    global _judges, _judges_lock
    _judges = {}
    _judges_lock = threading.Lock()


def judge_for(runner: LeanRunner | None = None) -> Judge:
    """The Judge of `runner` (None: this process's runner), made once per runner."""
    runner = runner or get_runner()
    with _judges_lock:
        found = _judges.get(id(runner))
        if found is None:
            found = _judges[id(runner)] = Judge(runner)
        return found


class LeanJudge:
    """The real judge as the site sees it (judge.seam.SiteJudge), and as the judge's own tests,
    commands and benchmarks call it: `judge_submission(problem, code, runner=...)`."""

    checker_version = CHECKER_VERSION
    runs_lean = True

    def judge(
        self, problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None, owner: str | None = None
    ) -> JudgeResult:
        return judge_for().judge(problem, code, limits=limits, owner=owner)

    def __call__(
        self,
        problem: ProblemSpec,
        code: str | bytes,
        *,
        limits: Limits | None = None,
        runner: LeanRunner | None = None,
        owner: str | None = None,
    ) -> JudgeResult:
        """The default Judge's verdict, or `runner`'s. `owner` identifies the submitter (the site
        passes its user): an exporter is reused only for the same owner's submissions, never
        across owners, never without one."""
        return judge_for(runner).judge(problem, code, limits=limits, owner=owner)

    def reference_export(self, problem: ProblemSpec) -> str:
        return judge_for().reference_export(problem)

    def check_tests(self, problem: ProblemSpec) -> list[spec_consistency.TestCheck]:
        return judge_for().check_tests(problem)

    def check(self, problem: ProblemSpec, code: str | bytes, *, owner: str) -> CheckResult:
        return judge_for().check(problem, code, owner=owner)


# The site's judge (settings.ARENA_JUDGE's default names it).
judge_submission = LeanJudge()
SEAM_CHECKED: SiteJudge = judge_submission  # mypy checks the real judge against the seam


def close_judges() -> None:
    """Stop every Judge's replay session and this process's runner (its pre-started pool), if
    any: for a process that judged and goes on without judging. The next verdict starts afresh."""
    with _judges_lock:
        judges = list(_judges.values())
    for judge in judges:
        judge.close()
    close_runner()


def warm_up(runner: LeanRunner | None = None) -> None:
    judge_for(runner).warm_up()
