import ArenaAot.Replay
open Lean

/-! `arena-replay`: what `lean --run Replay.lean` runs, compiled ahead of time. build.sh copies
judge/lean/Replay.lean to `ArenaAot/Replay.lean` with its `main` named `replayMain`. -/

/-- As `arena-export`: the search path from `LEAN_SYSROOT`, imported initializers enabled. -/
def main (args : List String) : IO UInt32 := do
  initSearchPath ((← IO.getEnv "LEAN_SYSROOT").getD "/opt/lean")
  enableInitializersExecution
  replayMain args
