"""Test-only variants of the exporter, for control runs: they show an attack's payload really
does what it claims when a defence is off, so the guarded run's refusal means something.
Never used by the judge: `judge.pipeline` always runs `judge.exporter_program.exporter_source()` as it is."""

from __future__ import annotations

from judge.exporter_program import exporter_source as judges_exporter_source

_POLICY_OFF = [
    ("match checkCommand cmd with", "match (Except.ok () : Except Refusal Unit) with"),
    ("if cmd.getKind == `Lean.Parser.Command.end && scopeDepth st.scopes ≤ 1 then", "if false then"),
    ("match checkImports allowed #[header] 0 with", "match (Except.ok () : Except Refusal Unit) with"),
]
_GATE_OFF = [("compileDeclsRef.set (gate compile)", "compileDeclsRef.set compile")]


def exporter_source(*, policy: bool, gate: bool) -> bytes:
    """The exporter with the syntax policy and/or the compiler gate switched off."""
    text = judges_exporter_source().decode()
    for enabled, edits in ((policy, _POLICY_OFF), (gate, _GATE_OFF)):
        if enabled:
            continue
        for old, new in edits:
            assert text.count(old) == 1, f"the exporter changed: {old!r} not found once"
            text = text.replace(old, new)
    return text.encode()


_MANY_FILES = [
    (
        "def exportJob (preloaded : Option Preloaded) (kept : List Preloaded) (compile : Array Name → CoreM Unit)\n",
        "def exportJob (path : String) (preloaded : Option Preloaded) (kept : List Preloaded)\n"
        "    (compile : Array Name → CoreM Unit)\n",
    ),
    ('  let input ← IO.FS.readFile "Sol.lean"', "  let input ← IO.FS.readFile path"),
    (
        "partial def exportJobs (preloaded : Option Preloaded) (kept : List Preloaded)\n"
        "    (compile : Array Name → CoreM Unit) (opts : Options) : IO Unit := do\n"
        "  match ← exportJob preloaded kept compile opts with\n"
        "  | some kept => exportJobs preloaded kept compile opts\n"
        "  | none => pure ()\n",
        "partial def exportJobs (preloaded : Option Preloaded) (kept : List Preloaded)\n"
        "    (compile : Array Name → CoreM Unit) (opts : Options) : List String → IO Unit\n"
        "  | [] => pure ()\n"
        "  | f :: fs => do\n"
        "    match ← exportJob f preloaded kept compile opts with\n"
        "    | some kept => exportJobs preloaded kept compile opts fs\n"
        "    | none => pure ()\n",
    ),
    ("  let preloaded ← preloadHeader args opts", "  let preloaded ← preloadHeader [] opts"),
    (
        "  exportJobs preloaded [] (← compileDeclsRef.get) opts\n",
        "  exportJobs preloaded [] (← compileDeclsRef.get) opts args\n",
    ),
]


def many_files_exporter_source() -> bytes:
    """The exporter, defences on, exporting each file named on its command line in turn (one go
    line each): many policy cases for the price of one Lean start. Test-only: the judge's
    exporter reads `Sol.lean` for each job."""
    text = judges_exporter_source().decode()
    for old, new in _MANY_FILES:
        assert text.count(old) == 1, f"the exporter changed: {old!r} not found once"
        text = text.replace(old, new)
    return text.encode()
