"""The soundness issue's attacks, on the real Lean: each payload is first shown to work through
a test-only exporter with the defences off (its file appears, or its forged export comes out),
then judged for real: the file is absent and the verdict is FORBIDDEN_CONSTRUCT. Honest
solutions using the same families of constructs stay ACCEPTED."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from judge import lean_runner
from judge.export_auth import ExportKey, ExportMissing, ExportTampered, authenticate
from judge.export_format import Interner, parse_export
from judge.pipeline import exporter_job, exporter_stdin, judge_for, judge_submission
from judge.problem_format import ProblemSpec, TheoremSpec, load_problem_set
from judge.results import Verdict
from judge.source_checks import normalise_line_endings
from tests.judge.exporters import exporter_source, many_files_exporter_source

pytestmark = pytest.mark.lean

SAMPLES = Path(__file__).resolve().parents[2] / "problems" / "samples" / "problems.jsonl"
PROBLEMS = {p.slug: p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))}
SOLVE_ADD = PROBLEMS["solve-add"]
SOLUTION = (
    "def solveAdd (a b : Int) : Int := b - a\n\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  simp [solveAdd]\n  omega\n"
)


def write(name: str) -> str:
    return f'IO.FS.writeFile "{name}" "pwned"'


# A forged export: rows that claim an honest solution, then the process ends before ours.
FORGE = (
    'IO.println "[\\"BEGIN\\"]" *> IO.println "[\\"END\\",1,\\"0\\"]" *> '
    + write("forged.txt")
    + " *> IO.Process.exit 0"
)

ATTACKS = {
    "eval-forged-export": f"#eval ({FORGE} : IO Unit)\n",
    # the option value runs the file's own unsafe code (offline Lean cannot compile the
    # library's `unsafeBaseIO`, so the payload runs the IO action itself)
    "simp-option-unsafeIO": "unsafe def pwnValue : Nat :=\n"
    f"  match ({write('simp.txt')} : IO Unit) (unsafeCast ()) with\n  | .ok _ _ => 100000\n  | .error _ _ => 1\n"
    "theorem x (n : Nat) : n + 0 = n := by\n  simp (maxSteps := pwnValue)\n",
    "macro-to-eval": f'macro "pwn" : command => `(#eval ({write("macro.txt")} : IO Unit))\npwn\n',
    "guard-msgs-in-eval": f"#guard_msgs in\n#eval ({write('guard.txt')} : IO Unit)\n",
    "set-option-in-eval": f"set_option maxRecDepth 600 in\n#eval ({write('setopt.txt')} : IO Unit)\n",
    "unsafe-definition": f"unsafe def w : IO Unit := {write('unsafe.txt')}\n#eval w\n",
    "end-then-eval": f"end\n#eval ({write('end.txt')} : IO Unit)\n",
}
PAYLOAD_FILES = {
    "eval-forged-export": "forged.txt",
    "simp-option-unsafeIO": "simp.txt",
    "macro-to-eval": "macro.txt",
    "guard-msgs-in-eval": "guard.txt",
    "set-option-in-eval": "setopt.txt",
    "unsafe-definition": "unsafe.txt",
    "end-then-eval": "end.txt",
    "task": "task.txt",
}


@dataclasses.dataclass
class CollectingRunner:
    """Test double around the real runner: asks every job to bring back the attack files too,
    so a test sees what a submission wrote in its sandbox."""

    real: lean_runner.LeanRunner
    names: tuple[str, ...]
    runs: list = dataclasses.field(default_factory=list)

    def run(self, job):
        result = self.real.run(dataclasses.replace(job, collect=job.collect + self.names))
        self.runs.append(result)
        return result

    def __getattr__(self, name):
        return getattr(self.real, name)


def control_run(runner, code: str, *, policy: bool = False, gate: bool = False):
    """One run of a test-only exporter with the defences off (see tests/judge/exporters.py)."""
    key = ExportKey.new()
    job = exporter_job(
        code.encode(),
        None,
        key=key,
        source=exporter_source(policy=policy, gate=gate),
        collect=tuple(PAYLOAD_FILES.values()),
    )
    return key, runner.run(job)


# An `IO.asTask` that outlives its `#eval` and keeps writing a file and printing rows into the
# exporter's stdout (a recursive helper: the offline Lean cannot compile a `for` loop
# over a range).
TASK = (
    "partial def spam (n : Nat) : IO Unit := do\n"
    '  if n == 0 then return\n  IO.FS.writeFile "task.txt" "pwned"\n  IO.println "[\\"I\\",0]"\n'
    "  IO.sleep 1\n  spam (n - 1)\n"
    "#eval (do let _ ← IO.asTask (spam 100000); pure () : IO Unit)\n"
    # the offline Lean runs tasks only while the main thread waits: give it a wait
    "#eval (IO.sleep 2000 : IO Unit)\n"
)


def test_control_every_payload_works_with_the_defences_off(runner):
    """One file with every payload that keeps the file going (`end` last: it closes the scope).
    The task payload is left out here: the offline exporter never scheduled the file's tasks
    (tried: even with the main thread waiting), so its rows could not be shown reaching the
    export; the MAC's refusal of rows slipped in or after the end is tested in
    test_export_auth.py, and the policy and the gate stop the task below."""
    code = "".join(ATTACKS[name] for name in ATTACKS if name != "eval-forged-export")
    key, run = control_run(runner, code)
    written = {name for name, data in run.files.items() if data == b"pwned"}
    assert written == set(PAYLOAD_FILES.values()) - {"forged.txt", "task.txt"}, (written, run.stdout[-3000:])
    # with the defences off the export itself is still authentic: the attacks ran beside it
    parse_export(authenticate(run.stdout, key), Interner())


def test_control_forged_export_is_refused_by_the_mac(runner):
    key, run = control_run(runner, ATTACKS["eval-forged-export"] + SOLUTION)
    assert run.files.get("forged.txt") == b"pwned"
    # the process ended inside the file: an export begun and never ended (EXPORT_TAMPERED)
    assert '["BEGIN"]' in run.stdout
    with pytest.raises((ExportMissing, ExportTampered)):
        authenticate(run.stdout, key)


def test_the_compiler_gate_alone_stops_every_payload(runner):
    """Syntax policy off, gate on (and `public import Lean`, which only the policy refuses):
    nothing submitted runs, whatever syntax reached the elaborator."""
    code = (
        "public import Lean\n"
        + ATTACKS["eval-forged-export"]
        + TASK
        + "".join(ATTACKS[name] for name in ATTACKS if name not in ("eval-forged-export", "end-then-eval"))
        + SOLUTION
        + ATTACKS["end-then-eval"]
    )
    key, run = control_run(runner, code, policy=False, gate=True)
    assert not any(data == b"pwned" for data in run.files.values()), run.files
    export = parse_export(authenticate(run.stdout, key), Interner())
    assert ("Lean",) in export.imports
    assert export.refusal is None and any(m["severity"] == "error" for m in export.messages)


@pytest.mark.parametrize("attack", ["eval-forged-export", "end-then-eval"])
def test_guarded_judge_refuses_the_attack(runner, attack):
    collecting = CollectingRunner(runner, tuple(PAYLOAD_FILES.values()))
    try:
        result = judge_submission(SOLVE_ADD, ATTACKS[attack] + SOLUTION, runner=collecting)
    finally:
        judge_for(collecting).close()  # its own replay session (~3.6 GB)
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT, result.to_json()
    assert result.reasons[0].code == "FORBIDDEN_COMMAND"
    assert "line 1" in result.reasons[0].detail and "remove it" in result.reasons[0].detail
    assert not any(run.files for run in collecting.runs)


# The policy, many cases in one Lean start (a test-only multi-file exporter, defences on): each
# case the construct its refusal must name.
POLICY_CASES = {
    "simp-option-unsafeIO": (ATTACKS["simp-option-unsafeIO"], "unsafe"),
    "option-value-not-literal": (
        "theorem x (n : Nat) : n + 0 = n := by\n  simp (maxSteps := (fun k => k) 5)\n",
        "literals",
    ),
    "macro-to-eval": (ATTACKS["macro-to-eval"], "macro"),
    "guard-msgs-in-eval": (ATTACKS["guard-msgs-in-eval"], "#eval"),
    "set-option-in-eval": (ATTACKS["set-option-in-eval"], "#eval"),
    "unsafe-definition": (ATTACKS["unsafe-definition"], "unsafe"),
    "task": (TASK, "#eval"),
    "native-decide": ("theorem four : (2 : Nat) + 2 = 4 := by native_decide\n", "native_decide"),
    "decide-native": ("theorem four : (2 : Nat) + 2 = 4 := by decide +native\n", "native"),
    "exit": ("#exit\n", "#exit"),
    "public-import-Lean": ("public import Lean\n", "Lean"),
    "import-all": ("import all Init\n", "import all"),
    "import-next-line": ("import\n  Std\n", "Std"),
    "skipKernelTC": (
        "set_option debug.skipKernelTC true in\ntheorem bad : (1 : Nat) = 2 := by decide +kernel\n",
        "debug.skipKernelTC",
    ),
    "print-axioms": ("#print axioms Nat.add_comm\n", "#print axioms"),
    "notation": ('notation "⟪" x "⟫" => x + 1\n', "notation"),
    "run-cmd": ("run_cmd pure ()\n", "run_cmd"),
    "reduceBool": ("theorem t : Lean.reduceBool true = true := rfl\n", "reduceBool"),
    "extern-attribute": ('attribute [extern "f"] Nat.add\n', "extern"),
}


def test_policy_refuses_each_construct_and_names_it(runner):
    names = sorted(POLICY_CASES)
    files = {f"A{i}.lean": (POLICY_CASES[name][0] + SOLUTION).encode() for i, name in enumerate(names)}
    keys = [ExportKey.new() for _ in names]
    job = lean_runner.LeanJob(
        args=("--run", "Export.lean", *files),
        static_files={"Export.lean": many_files_exporter_source()},
        files=files,
        stdin=b"".join(exporter_stdin(k, []) for k in keys),
        collect=tuple(PAYLOAD_FILES.values()),
    )
    run = runner.run(job)
    assert not run.files, run.files
    sections = run.stdout.split('["BEGIN"]\n')[1:]
    assert len(sections) == len(names), run.stdout[-3000:]
    problems = {}
    for name, key, section in zip(names, keys, sections, strict=True):
        export = parse_export(authenticate('["BEGIN"]\n' + section, key), Interner())
        refusal = export.refusal
        wanted = POLICY_CASES[name][1]
        if refusal is None or wanted not in refusal.construct + " " + refusal.why or refusal.line < 1:
            problems[name] = (refusal, [m["text"][:200] for m in export.messages])
    assert not problems, problems


# Honest files use every construct the policy allows; in two halves, each well inside the
# offline wall limit on a loaded machine (one file took ~90 s idle, 533 s under CI load).
HONEST_SOLUTION = """@[simp] private theorem helper (a b : Int) : a + (b - a) = b := by omega

def solveAdd (a b : Int) : Int := b - a

set_option maxHeartbeats 400000 in
theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by
  simp [solveAdd]
"""

HONEST_DEFINITIONS = (
    """structure Point where
  x : Int
  y : Int
deriving Repr, DecidableEq, BEq

instance : Inhabited Point := ⟨⟨0, 0⟩⟩

def fib : Nat → Nat
  | 0 => 0
  | 1 => 1
  | n + 2 => fib n + fib (n + 1)

def countdown (n : Nat) : Nat := if h : n = 0 then 0 else countdown (n - 1)
termination_by n
decreasing_by omega

def total (xs : List Nat) : Nat := go xs 0
where
  go : List Nat → Nat → Nat
    | [], acc => acc
    | x :: xs, acc => go xs (acc + x)

def viaLetRec (n : Nat) : Nat :=
  let rec loop : Nat → Nat
    | 0 => 0
    | k + 1 => loop k
  loop n

mutual
def isEven' : Nat → Bool
  | 0 => true
  | n + 1 => isOdd' n
def isOdd' : Nat → Bool
  | 0 => false
  | n + 1 => isEven' n
end
"""
    + HONEST_SOLUTION
)

HONEST_COMMANDS = (
    """def fib : Nat → Nat
  | 0 => 0
  | 1 => 1
  | n + 2 => fib n + fib (n + 1)

#check fib
example : fib 5 = 5 := by decide
theorem small : (3 : Nat) < 5 := by decide +kernel
theorem arith (n : Nat) : n + 1 + 1 = n + 2 := by simp +arith
theorem configured (n : Nat) : n + 0 = n := by simp (config := { maxSteps := 1000 })

open Nat in
theorem opened : succ 0 = 1 := rfl

namespace Inner
theorem inside : (1 : Nat) + 1 = 2 := rfl
end Inner
"""
    + HONEST_SOLUTION
)


@pytest.mark.parametrize("honest", [HONEST_DEFINITIONS, HONEST_COMMANDS], ids=["definitions", "commands"])
def test_honest_constructs_stay_accepted(runner, honest):
    result = judge_submission(SOLVE_ADD, honest, runner=runner, owner="user:tests")
    assert result.verdict is Verdict.ACCEPTED, result.to_json()


def test_exporter_panic_is_the_submissions_verdict_and_the_next_one_is_judged(runner):
    code = "theorem big : (1 <<< (2 ^ 40) : Nat) > 0 := by decide\n" + SOLUTION
    result = judge_submission(SOLVE_ADD, code, runner=runner, owner="user:tests")
    assert result.verdict is Verdict.COMPILE_ERROR, result.to_json()
    assert result.verdict is not Verdict.JUDGE_ERROR
    after = judge_submission(SOLVE_ADD, SOLUTION, runner=runner, owner="user:tests")
    assert after.verdict is Verdict.ACCEPTED, after.to_json()


def test_replay_panic_is_the_submissions_verdict_and_the_replay_restarts(runner):
    """A lemma the (unguarded) exporter skipped with debug.skipKernelTC, whose kernel check needs
    `1 <<< 2^40`: the replay process dies on it; the verdict is the submission's."""
    from judge import pipeline

    code = (
        "set_option debug.skipKernelTC true in\n"
        "theorem big : (1 <<< (2 ^ 40) : Nat) = 0 := by decide +kernel\n" + SOLUTION
    )
    key, run = control_run(runner, code, gate=True)
    interner = Interner()
    reference = parse_export(pipeline.judge_for(runner).reference_export(SOLVE_ADD), interner)
    submission = parse_export(authenticate(run.stdout, key), interner)
    result = pipeline.judge_for(runner).decide(SOLVE_ADD, interner, reference, submission)
    assert result.verdict in (Verdict.KERNEL_REJECTED, Verdict.TIME_LIMIT, Verdict.MEMORY_LIMIT), result.to_json()
    after = judge_submission(SOLVE_ADD, SOLUTION, runner=runner)
    assert after.verdict is Verdict.ACCEPTED, after.to_json()


def test_skipping_the_kernel_is_caught_by_the_replay(runner):
    """With the policy off (it refuses `debug.*` options), a theorem the exporter never showed
    the kernel still meets it in the replay."""
    from judge import pipeline

    code = (
        "set_option debug.skipKernelTC true in\ntheorem bad : (1 : Nat) = 2 := by decide +kernel\n"
        "def solveAdd (a b : Int) : Int := a\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := absurd bad (by decide)\n"
    )
    key, run = control_run(runner, code, gate=True)
    interner = Interner()
    reference = parse_export(pipeline.judge_for(runner).reference_export(SOLVE_ADD), interner)
    submission = parse_export(authenticate(run.stdout, key), interner)
    result = pipeline.judge_for(runner).decide(SOLVE_ADD, interner, reference, submission)
    assert result.verdict is Verdict.KERNEL_REJECTED, result.to_json()
    assert result.reasons[0].declaration.split(".")[0] == "bad"


# --- issue 26: what the problem owns is decided from the problem -----------------------------

MAXLEN_PROBLEM = ProblemSpec(
    slug="double-maxlen",
    title="Double, with an unused helper",
    preamble=(
        "def maxLen : Nat := 100\n\ntheorem maxLen_eq : maxLen = 100 := rfl\n\n"
        "theorem maxLen_pos : 0 < maxLen := by rw [maxLen_eq]; decide\n"
    ),
    definitions=("def double (n : Nat) : Nat",),
    theorems=(TheoremSpec("double_spec", "theorem double_spec (n : Nat) : double n = 2 * n"),),
)
# maxLen redefined, maxLen_eq made an axiom, maxLen_pos copied verbatim: identical on its own,
# it rests on the submission's axiom and proves False
MAXLEN_ATTACK = (
    "def maxLen : Nat := 0\n\naxiom maxLen_eq : maxLen = 100\n\n"
    "theorem maxLen_pos : 0 < maxLen := by rw [maxLen_eq]; decide\n\n"
    "def double (n : Nat) : Nat := 0\n\n"
    "theorem double_spec (n : Nat) : double n = 2 * n := absurd maxLen_pos (Nat.lt_irrefl 0)\n"
)
MAXLEN_HONEST = (
    MAXLEN_PROBLEM.preamble + "\ndef double (n : Nat) : Nat := n + n\n\n"
    "theorem double_spec (n : Nat) : double n = 2 * n := by unfold double; omega\n"
)


def test_a_copy_resting_on_a_redefinition_is_not_the_problems(runner):
    """Issue 26, hole 1: the copy of `maxLen_pos` is identical, but what it references is not the
    problem's: the walk goes through it, meets the submitted axiom, and the redefinitions are
    the problem changed. The honest solution with the same preamble stays ACCEPTED."""
    attack = judge_submission(MAXLEN_PROBLEM, MAXLEN_ATTACK, runner=runner, owner="user:tests")
    assert attack.verdict is Verdict.STATEMENT_MISMATCH, attack.to_json()
    codes = {(r.code, r.declaration) for r in attack.reasons}
    assert {("REDEFINED", "maxLen"), ("REDEFINED", "maxLen_eq"), ("FORBIDDEN_AXIOM", "maxLen_eq")} <= codes, codes
    honest = judge_submission(MAXLEN_PROBLEM, MAXLEN_HONEST, runner=runner, owner="user:tests")
    assert honest.verdict is Verdict.ACCEPTED, honest.to_json()


# --- issue 26: honest idioms, and a submission's big numbers are its own verdict ---------------

BIG = "1" + "0" * 10_050  # 10,051 digits: past the old cap on numerals and int()'s 4,300 digits
HONEST_IDIOMS = (
    "\ufeff"  # saved with a byte order mark
    + f"def unusedBig : Nat := {BIG}\n\n"
    + """structure Wrap where
  val : Int
@[coe] def Wrap.toInt (w : Wrap) : Int := w.val
instance : Coe Wrap Int := ⟨Wrap.toInt⟩

@[irreducible] def secret : Nat := 3
unseal secret in
theorem secret_eq : secret = 3 := rfl

set_option tactic.hygienic false in
theorem hygienic_off : ∀ n : Nat, n + 0 = n := by
  intro n
  simp

"""
    + SOLUTION
)


def test_honest_idioms_and_a_byte_order_mark_are_accepted(runner):
    """`@[coe]`, `unseal … in`, `set_option tactic.hygienic false in` (nothing is compiled:
    harmless), an unused 10,051-digit numeral, a file saved with a BOM (dropped where line
    endings are normalised, as the site stores it)."""
    code = normalise_line_endings(HONEST_IDIOMS)
    assert not code.startswith("\ufeff")
    result = judge_submission(SOLVE_ADD, code, runner=runner, owner="user:tests")
    assert result.verdict is Verdict.ACCEPTED, ([r.detail for r in result.reasons], result.messages)


CSIMP = """def double (n : Nat) : Nat := n + n
def doubleTwice (n : Nat) : Nat := 2 * n
@[csimp] theorem double_eq : @double = @doubleTwice := by
  funext n
  unfold double doubleTwice
  omega

"""


@pytest.mark.xfail(
    reason="issue 26 item 6, open: the policy allows `@[csimp]`, but the offline Lean reports "
    "'Cannot add attribute [csimp]' on line 3 (the gate compiles nothing)",
    strict=False,
)
def test_a_csimp_lemma_is_accepted(runner):
    result = judge_submission(SOLVE_ADD, CSIMP + SOLUTION, runner=runner, owner="user:tests")
    assert result.verdict is Verdict.ACCEPTED, ([r.detail for r in result.reasons], result.messages)


@pytest.mark.parametrize(
    ("big", "sign", "shown"),
    [
        (BIG, "+", "(10051 digits)"),
        # 4,352 digits, past int()'s 4,300, and negative: `Int.negSucc` of a long numeral
        ("4" + "0" * 4_351, "-", "(4352 digits)"),
    ],
    ids=["10051-digits", "4352-digits-negative"],
)
def test_a_huge_value_of_a_wrong_implementation_is_a_true_counterexample(runner, big, sign, shown):
    """Its value has 10,051 (or 4,352) digits: the probe section holds it; before, reading it
    (or int() on it) was a JUDGE_ERROR. Now the counterexample shows it by its ends and its
    length."""
    code = (
        f"def solveAdd (a b : Int) : Int := b - a {sign} {big}\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  sorry\n"
    )
    result = judge_submission(SOLVE_ADD, code, runner=runner, owner="user:tests")
    assert result.verdict is Verdict.WRONG_ANSWER, result.to_json()
    assert shown in result.reasons[0].detail, result.reasons[0]
    assert result.counterexample["returned"].startswith("-") == (sign == "-"), result.counterexample


# --- issue 26: probes that cannot be lied to ---------------------------------------------------

# after the theorem: every later `1 : Int` elaborated in the file's environment means 2
SHIFTED_ONE = "\ninstance shifted (n : Nat) : OfNat Int n := ⟨Int.ofNat (n + 1)⟩\n"
SOLVE_ADD_TESTED = dataclasses.replace(
    SOLVE_ADD, tests=({"input": "1 3", "output": "2"}, {"input": {"a": 0, "b": 5}, "output": "5"})
)


def test_a_files_own_numerals_make_no_counterexample_and_plant_no_audit_flag(runner):
    """The probes' inputs and outputs are elaborated in the file's environment; terms that use
    the file's own instance are not shown and their probes are not used: no false claim about a
    wrong implementation, no spec-audit flag on an honest one."""
    wrong = (
        "def solveAdd (a b : Int) : Int := 0\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  sorry\n" + SHIFTED_ONE
    )
    result = judge_submission(SOLVE_ADD_TESTED, wrong, runner=runner, owner="user:tests")
    if result.verdict is Verdict.WRONG_ANSWER:  # only from a probe whose terms are the problem's
        shown = {i["name"]: int(i["value"]) for i in result.counterexample["inputs"]}
        assert shown["a"] != shown["b"] and result.counterexample["returned"] in (None, "0"), result.to_json()
    else:
        assert result.verdict is Verdict.INCOMPLETE_PROOF, result.to_json()
    honest = judge_submission(SOLVE_ADD_TESTED, SOLUTION + SHIFTED_ONE, runner=runner, owner="user:tests")
    assert honest.verdict is Verdict.ACCEPTED, honest.to_json()
    assert honest.spec_audit == [], honest.spec_audit


# --- issue 26: definitions that are code -------------------------------------------------------

DOUBLE_PROBLEM = dataclasses.replace(MAXLEN_PROBLEM, slug="double", preamble="")
CHOSEN_DOUBLE = (
    "def double (n : Nat) : Nat := Classical.choose (⟨2 * n, rfl⟩ : ∃ m, m = 2 * n)\n\n"
    "theorem double_spec (n : Nat) : double n = 2 * n :=\n"
    "  Classical.choose_spec (⟨2 * n, rfl⟩ : ∃ m, m = 2 * n)\n"
)
# well-founded recursion whose termination proof reasons classically: code all the same
WF_DOUBLE = """def double (n : Nat) : Nat := if h : n = 0 then 0 else double (n - 1) + 2
termination_by n
decreasing_by
  apply Classical.byContradiction
  intro hc
  omega

theorem double_spec (n : Nat) : double n = 2 * n := by
  induction n with
  | zero => unfold double; simp
  | succ k ih =>
    unfold double
    have sub : k + 1 - 1 = k := by omega
    rw [dif_neg (by omega), sub, ih]
    omega
"""


def test_a_chosen_value_is_not_an_implementation_and_classical_proofs_stay_allowed(runner):
    chosen = judge_submission(DOUBLE_PROBLEM, CHOSEN_DOUBLE, runner=runner, owner="user:tests")
    assert chosen.verdict is Verdict.FORBIDDEN_CONSTRUCT, chosen.to_json()
    assert chosen.reasons[0].code == "NONCOMPUTABLE", chosen.to_json()
    honest = judge_submission(DOUBLE_PROBLEM, WF_DOUBLE, runner=runner, owner="user:tests")
    assert honest.verdict is Verdict.ACCEPTED, honest.to_json()
