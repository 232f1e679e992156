"""The Arena's own curriculum: original problems in eight levels, one JSONL file per level.

Each line is a problem in the judge's format (judge.problem_format) plus what only maintainers
and the regression corpus use:

- `level`: 1-8 (LEVELS), the same in every line of `level-N.jsonl`;
- `uniqueness`: theorems `{name, signature, proof}` saying that any function meeting the spec
  equals the reference (the reference solution proves them; the judge checks them as extra
  theorems of the problem, `uniqueness_problem`); empty where the output is not determined;
- `wrong_implementations`: `{code, expect, why}`, plausible mistakes the judge must reject:
  `expect` is WRONG_ANSWER (a counterexample: the inputs are within the probes' reach) or
  REJECTED (any verdict but ACCEPTED: the proof cannot be completed, no counterexample expected);
- `notes`: for maintainers (is the output determined, why no counterexample, ...).

Pure Python (no Django): the benchmark and the loader share it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from judge.problem_format import InvalidProblem, ProblemSpec, TheoremSpec

DIRECTORY = Path(__file__).resolve().parent
LEVELS: dict[int, str] = {
    1: "Basic functions and arithmetic",
    2: "Conditionals, Option, structures",
    3: "Recursion on Nat",
    4: "Lists",
    5: "Arrays and strings",
    6: "Searching and sorting",
    7: "Trees and other inductive types",
    8: "Dynamic programming and divide-and-conquer",
}
EXPECTATIONS = ("WRONG_ANSWER", "REJECTED")
_OWN_FIELDS = ("level", "uniqueness", "wrong_implementations", "notes")


@dataclasses.dataclass(frozen=True)
class UniquenessTheorem:
    name: str
    signature: str
    proof: str  # the text after `:=`


@dataclasses.dataclass(frozen=True)
class WrongImplementation:
    code: str  # the definitions (and any helpers), without the problem's preamble or theorems
    expect: str  # one of EXPECTATIONS
    why: str


@dataclasses.dataclass(frozen=True)
class CurriculumProblem:
    spec: ProblemSpec
    level: int
    uniqueness: tuple[UniquenessTheorem, ...]
    wrong_implementations: tuple[WrongImplementation, ...]
    notes: str

    def uniqueness_problem(self) -> ProblemSpec:
        """The problem with its uniqueness theorems added: the reference must prove them too."""
        extra = tuple(TheoremSpec(u.name, u.signature) for u in self.uniqueness)
        return dataclasses.replace(self.spec, theorems=self.spec.theorems + extra)

    def uniqueness_solution(self) -> str:
        proofs = "\n\n".join(f"{u.signature} := {u.proof}" for u in self.uniqueness)
        return f"{(self.spec.reference_solution or '').rstrip()}\n\n{proofs}\n"

    def wrong_solution(self, wrong: WrongImplementation) -> str:
        """The wrong implementation as a submission: the preamble, its code, every theorem `sorry`."""
        preamble = f"{self.spec.preamble.rstrip()}\n\n" if self.spec.preamble.strip() else ""
        proofs = "\n\n".join(f"{t.signature} := by\n  sorry" for t in self.spec.theorems)
        return f"{preamble}{wrong.code.rstrip()}\n\n{proofs}\n"


def parse_problem(data: Any, *, level: int | None = None) -> CurriculumProblem:
    """One line's object; raises InvalidProblem naming what is wrong."""
    if not isinstance(data, dict):
        raise InvalidProblem("a curriculum problem must be a JSON object")
    own = {key: data.get(key) for key in _OWN_FIELDS}
    spec = ProblemSpec.from_dict({k: v for k, v in data.items() if k not in _OWN_FIELDS})
    if own["level"] not in LEVELS or (level is not None and own["level"] != level):
        raise InvalidProblem(f"{spec.slug}: level must be {level or 'one of ' + str(list(LEVELS))}")
    if not spec.reference_solution:
        raise InvalidProblem(f"{spec.slug}: a curriculum problem needs a reference solution")
    uniqueness = tuple(UniquenessTheorem(**_object(u, ("name", "signature", "proof"))) for u in own["uniqueness"] or [])
    wrong = tuple(
        WrongImplementation(**_object(w, ("code", "expect", "why"))) for w in own["wrong_implementations"] or []
    )
    if not wrong:
        raise InvalidProblem(f"{spec.slug}: at least one wrong implementation is needed")
    if any(w.expect not in EXPECTATIONS for w in wrong):
        raise InvalidProblem(f"{spec.slug}: expect must be one of {', '.join(EXPECTATIONS)}")
    names = {t.name for t in spec.theorems} | set(spec.definition_names)
    clash = sorted(u.name for u in uniqueness if u.name in names)
    if clash:
        raise InvalidProblem(f"{spec.slug}: uniqueness theorem names taken by the problem: {', '.join(clash)}")
    return CurriculumProblem(spec, own["level"], uniqueness, wrong, own["notes"] or "")


def _object(value: Any, keys: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(keys) or not all(isinstance(value[k], str) for k in keys):
        raise InvalidProblem(f"expected an object with the string fields {', '.join(keys)}")
    return value


def level_file(level: int, directory: Path = DIRECTORY) -> Path:
    return directory / f"level-{level}.jsonl"


def load_curriculum(directory: Path = DIRECTORY) -> list[CurriculumProblem]:
    """Every level's problems, level by level in file order; errors name the file and line."""
    problems: list[CurriculumProblem] = []
    for level in LEVELS:
        path = level_file(level, directory)
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                problems.append(parse_problem(json.loads(line), level=level))
            except (json.JSONDecodeError, InvalidProblem, TypeError) as exc:
                raise InvalidProblem(f"{path.name} line {number}: {exc}") from exc
    slugs = [p.spec.slug for p in problems]
    repeated = sorted({s for s in slugs if slugs.count(s) > 1})
    if repeated:
        raise InvalidProblem(f"slugs used more than once: {', '.join(repeated)}")
    return problems
