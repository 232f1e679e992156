"""Test-only variants of the exporter, for control runs: they show an attack's payload really
does what it claims when a defence is off, so the guarded run's refusal means something.
Never used by the judge: `judge.pipeline` always runs `judge/lean/Export.lean` as it is."""

from __future__ import annotations

from judge.pipeline import EXPORTER_SOURCE

_POLICY_OFF = [
    ("match checkCommand cmd with", "match (Except.ok () : Except Refusal Unit) with"),
    ("if cmd.getKind == `Lean.Parser.Command.end && scopeDepth st.scopes ≤ 1 then", "if false then"),
    ("match checkImports allowed #[header] 0 with", "match (Except.ok () : Except Refusal Unit) with"),
]
_GATE_OFF = [("compileDeclsRef.set (gate compile)", "compileDeclsRef.set compile")]


def exporter_source(*, policy: bool, gate: bool) -> bytes:
    """Export.lean with the syntax policy and/or the compiler gate switched off."""
    text = EXPORTER_SOURCE.read_text(encoding="utf-8")
    for enabled, edits in ((policy, _POLICY_OFF), (gate, _GATE_OFF)):
        if enabled:
            continue
        for old, new in edits:
            assert text.count(old) == 1, f"Export.lean changed: {old!r} not found once"
            text = text.replace(old, new)
    return text.encode()


_MANY_FILES = [
    ("public def main (args : List String) : IO UInt32 := do", "def exportOne (path : String) : IO Unit := do"),
    ("  let preloaded ← preloadHeader args opts", "  let preloaded ← preloadHeader [] opts"),
    ('  let input ← IO.FS.readFile "Sol.lean"', "  let input ← IO.FS.readFile path"),
    ("  IO.Process.exit 0", "  pure ()"),
]
_MANY_MAIN = """

partial def exportAll : List String → IO Unit
  | [] => pure ()
  | f :: fs => do exportOne f; exportAll fs

public def main (args : List String) : IO UInt32 := do
  exportAll args
  return 0
"""


def many_files_exporter_source() -> bytes:
    """Export.lean, defences on, exporting each file named on its command line in turn (one go
    line each): many policy cases for the price of one Lean start. Test-only: the judge runs
    one file per process."""
    text = EXPORTER_SOURCE.read_text(encoding="utf-8")
    for old, new in _MANY_FILES:
        assert text.count(old) == 1, f"Export.lean changed: {old!r} not found once"
        text = text.replace(old, new)
    return (text + _MANY_MAIN).encode()
