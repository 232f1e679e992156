"""Verdicts and the result of judging one submission (its JSON is what the site stores)."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Verdict(enum.StrEnum):
    # Listed in precedence order: when several apply, the first one wins.
    FORBIDDEN_CONSTRUCT = "FORBIDDEN_CONSTRUCT"
    TIME_LIMIT = "TIME_LIMIT"
    MEMORY_LIMIT = "MEMORY_LIMIT"
    OUTPUT_LIMIT = "OUTPUT_LIMIT"
    COMPILE_ERROR = "COMPILE_ERROR"
    STATEMENT_MISMATCH = "STATEMENT_MISMATCH"
    FORBIDDEN_AXIOM = "FORBIDDEN_AXIOM"
    KERNEL_REJECTED = "KERNEL_REJECTED"
    INCOMPLETE_PROOF = "INCOMPLETE_PROOF"
    # a spec theorem refuted on concrete inputs (judge.counterexamples); it replaces only
    # COMPILE_ERROR, KERNEL_REJECTED and INCOMPLETE_PROOF: everything above outranks it
    WRONG_ANSWER = "WRONG_ANSWER"
    ACCEPTED = "ACCEPTED"
    # Our own fault, never the submission's verdict.
    JUDGE_ERROR = "JUDGE_ERROR"

    @property
    def is_final(self) -> bool:
        return self is not Verdict.JUDGE_ERROR


PRECEDENCE: list[Verdict] = [v for v in Verdict if v is not Verdict.JUDGE_ERROR]


class ReasonCode(enum.StrEnum):
    """Why a verdict was given; stored with every result and shown in the API, so the values
    never change. Grouped by the step that finds them."""

    # the submitted text, before Lean runs (source_checks)
    CODE_TOO_LARGE = "CODE_TOO_LARGE"
    NUL_BYTE = "NUL_BYTE"
    INVALID_UTF8 = "INVALID_UTF8"
    PRELUDE = "PRELUDE"
    FORBIDDEN_IMPORT = "FORBIDDEN_IMPORT"
    FORBIDDEN_ATTRIBUTE = "FORBIDDEN_ATTRIBUTE"
    # the exporter's run: a limit (one code per LimitHit), a crash, its export
    WALL_LIMIT = "WALL_LIMIT"
    MEMORY_LIMIT = "MEMORY_LIMIT"
    OUTPUT_LIMIT = "OUTPUT_LIMIT"
    PROCESSES_LIMIT = "PROCESSES_LIMIT"
    LEAN_CRASHED = "LEAN_CRASHED"
    LEAN_ERROR = "LEAN_ERROR"
    EXPORT_TAMPERED = "EXPORT_TAMPERED"
    EXPORT_INVALID = "EXPORT_INVALID"
    FORBIDDEN_COMMAND = "FORBIDDEN_COMMAND"
    # the checker (judge.checker), each property's own
    MISSING = "MISSING"
    MISMATCH = "MISMATCH"
    UNSAFE_DEFINITION = "UNSAFE_DEFINITION"
    NONCOMPUTABLE = "NONCOMPUTABLE"
    CHANGED_DEPENDENCY = "CHANGED_DEPENDENCY"
    REDEFINED = "REDEFINED"
    SORRY = "SORRY"
    FORBIDDEN_AXIOM = "FORBIDDEN_AXIOM"
    UNSAFE_OR_PARTIAL = "UNSAFE_OR_PARTIAL"
    NATIVE_REDUCTION = "NATIVE_REDUCTION"
    # the kernel replay
    KERNEL_REJECTED = "KERNEL_REJECTED"
    COUNTEREXAMPLE = "COUNTEREXAMPLE"
    KERNEL_TIME_LIMIT = "KERNEL_TIME_LIMIT"
    KERNEL_MEMORY_LIMIT = "KERNEL_MEMORY_LIMIT"
    KERNEL_CRASHED = "KERNEL_CRASHED"
    # our own failures (Verdict.JUDGE_ERROR)
    REPLAY_FAILED = "REPLAY_FAILED"
    JUDGE_ERROR = "JUDGE_ERROR"


# Judge errors the submission itself may have caused (an export it garbled, terms that broke
# the replay): judged again once, never more.
SUBMISSION_SUSPECT_ERRORS = {ReasonCode.EXPORT_INVALID, ReasonCode.REPLAY_FAILED}


class TheoremStatus(enum.StrEnum):
    PROVED = "proved"
    MISSING = "missing"
    MISMATCH = "mismatch"
    SORRY = "sorry"
    FORBIDDEN_AXIOM = "forbidden_axiom"
    KERNEL_REJECTED = "kernel_rejected"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str  # a ReasonCode; a plain str when read back from storage (older codes stay readable)
    declaration: str | None = None
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class TheoremResult:
    name: str
    status: TheoremStatus


@dataclasses.dataclass(frozen=True)
class Message:
    severity: str
    line: int
    column: int
    end_line: int | None
    end_column: int | None
    text: str


@dataclasses.dataclass(frozen=True)
class JudgeResult:
    verdict: Verdict
    reasons: list[Reason] = dataclasses.field(default_factory=list)
    theorems: list[TheoremResult] = dataclasses.field(default_factory=list)
    messages: list[Message] = dataclasses.field(default_factory=list)
    lean_version: str = ""
    checker_version: str = ""
    time_ms: int = 0
    memory_kb: int = 0
    # WRONG_ANSWER's evidence (judge.counterexamples.Counterexample.to_json)
    counterexample: dict[str, Any] | None = None
    # an ACCEPTED file that disagrees with the problem's tests: the spec is too weak
    # (judge.counterexamples.AuditFinding.to_json, one per test)
    spec_audit: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # Where the time went, in ms: `sandbox_ms` (getting the exporter going: a pre-started or
    # kept process, a Lean slot), `exporter_ms`, `replay_ms`; `exporter_reused` is 1 when the
    # exporter had served the same owner before. Empty for a verdict reached before Lean.
    phases: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def max_attempts(self) -> int | None:
        """At most this many judgings in all for this submission (None: the site's own bound)."""
        if self.verdict is Verdict.JUDGE_ERROR and any(r.code in SUBMISSION_SUSPECT_ERRORS for r in self.reasons):
            return 2
        return None

    def to_json(self) -> dict[str, Any]:
        phases: dict[str, Any] = {"phases": dict(self.phases)} if self.phases else {}
        return {
            "verdict": str(self.verdict),
            "reasons": [{**dataclasses.asdict(r), "code": str(r.code)} for r in self.reasons],
            "theorems": [{"name": t.name, "status": str(t.status)} for t in self.theorems],
            "messages": [dataclasses.asdict(m) for m in self.messages],
            "lean_version": self.lean_version,
            "checker_version": self.checker_version,
            "time_ms": self.time_ms,
            "memory_kb": self.memory_kb,
            **({"counterexample": self.counterexample} if self.counterexample else {}),
            **({"spec_audit": self.spec_audit} if self.spec_audit else {}),
            **phases,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JudgeResult:
        return cls(
            verdict=Verdict(data["verdict"]),
            reasons=[Reason(**r) for r in data.get("reasons", [])],
            theorems=[TheoremResult(t["name"], TheoremStatus(t["status"])) for t in data.get("theorems", [])],
            messages=[Message(**m) for m in data.get("messages", [])],
            lean_version=data.get("lean_version", ""),
            checker_version=data.get("checker_version", ""),
            time_ms=int(data.get("time_ms", 0)),
            memory_kb=int(data.get("memory_kb", 0)),
            counterexample=data.get("counterexample"),
            spec_audit=list(data.get("spec_audit") or []),
            phases={str(k): int(v) for k, v in data.get("phases", {}).items()},
        )


class CheckStatus(enum.StrEnum):
    """How a check ended (never a verdict: only a submission gets one)."""

    OK = "ok"  # Lean elaborated the file: its messages, sorries and steps follow
    REFUSED = "refused"  # the syntax policy or the source checks refused it (`refusal` says why)
    LIMIT = "limit"  # Lean ran past a limit (time, memory, output)
    ERROR = "error"  # our fault, or an export that is not the exporter's


@dataclasses.dataclass(frozen=True)
class SorryGoal:
    """A `sorry` in the file and the goal it stands for, as Lean prints it (hypotheses, `⊢`,
    target). Lines are 1-based, columns 0-based in code points, as in Lean's messages."""

    line: int
    column: int
    end_line: int
    end_column: int
    goal: str


@dataclasses.dataclass(frozen=True)
class TacticStep:
    """One tactic step: its source range and the goals before and after it."""

    line: int
    column: int
    end_line: int
    end_column: int
    goals_before: list[str]
    goals_after: list[str]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The answer to a check (judge.checking): Lean's messages and proof state, no verdict."""

    status: CheckStatus
    messages: list[Message] = dataclasses.field(default_factory=list)
    sorries: list[SorryGoal] = dataclasses.field(default_factory=list)
    steps: list[TacticStep] = dataclasses.field(default_factory=list)
    # the problem's theorems that still have a `sorry` or an error (or are missing, or changed)
    open_theorems: list[str] = dataclasses.field(default_factory=list)
    truncated: bool = False  # a bound of the exporter's or the parser's was reached
    refusal: str = ""  # status "refused", "limit" or "error": what to tell the user
    lean_version: str = ""
    checker_version: str = ""
    time_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "messages": [dataclasses.asdict(m) for m in self.messages],
            "sorries": [dataclasses.asdict(s) for s in self.sorries],
            "steps": [dataclasses.asdict(s) for s in self.steps],
            "open_theorems": list(self.open_theorems),
            "truncated": self.truncated,
            "refusal": self.refusal,
            "lean_version": self.lean_version,
            "checker_version": self.checker_version,
            "time_ms": self.time_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            status=CheckStatus(data["status"]),
            messages=[Message(**m) for m in data.get("messages", [])],
            sorries=[SorryGoal(**s) for s in data.get("sorries", [])],
            steps=[
                TacticStep(**{**s, "goals_before": list(s["goals_before"]), "goals_after": list(s["goals_after"])})
                for s in data.get("steps", [])
            ],
            open_theorems=[str(t) for t in data.get("open_theorems", [])],
            truncated=bool(data.get("truncated", False)),
            refusal=str(data.get("refusal", "")),
            lean_version=str(data.get("lean_version", "")),
            checker_version=str(data.get("checker_version", "")),
            time_ms=int(data.get("time_ms", 0)),
        )
