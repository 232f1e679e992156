import ArenaAot.Export
open Lean

/-! `arena-export M…`: what `lean --run Export.lean M…` runs, compiled ahead of time. build.sh
writes the exporter's joined parts (judge/lean/export/) to `ArenaAot/Export.lean` with its `main`
named `exporterMain`. -/

/-- A compiled program has no search path and runs no imported module's initializers until told:
`lean` itself does both before `--run`. `LEAN_SYSROOT` is set by the runner (the toolchain's
bind); no `lean --print-prefix` can be asked inside the sandbox (no process may start). -/
def main (args : List String) : IO UInt32 := do
  initSearchPath ((← IO.getEnv "LEAN_SYSROOT").getD "/opt/lean")
  enableInitializersExecution
  exporterMain args
