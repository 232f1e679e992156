/-! ## The job loop: one go line, one `Sol.lean`, one export per job -/

/-- The header environment kept for exactly these header words, if any. -/
partial def findHeader (hs : List Preloaded) (words : List String) : Option Preloaded :=
  match hs with
  | [] => none
  | h :: rest => if sameWords h.words words then some h else findHeader rest words

partial def count {α} : List α → Nat
  | [] => 0
  | _ :: xs => count xs + 1

/-- At most this many distinct headers are kept by one process (each costs what its import
costs, ~65 MB for `Init` offline, once). -/
def maxKeptHeaders : Nat := 4

/-- One job: once the runner says go, elaborates `Sol.lean` (read afresh) and writes its export
on stdout, `BEGIN` to `END`, then the probe section if asked, then `["DONE"]` (the job's last
line, for the runner). The file elaborates on the environment of its header: the preloaded one,
or one `kept` from an earlier job with exactly the same header words, else the one
`processHeader` makes (then kept for the next job: the offline Lean never frees an imported
environment, so importing the same header again only adds a copy). An environment is an
immutable value: what the file adds lives in this job's command state, dropped at its end.
None when stdin is closed (no more jobs), else the headers kept now. -/
def exportJob (preloaded : Option Preloaded) (kept : List Preloaded) (compile : Array Name → CoreM Unit)
    (opts : Options) : IO (Option (List Preloaded)) := do
  let stderr ← IO.getStderr
  stderr.putStrLn "ARENA-EXPORTER-WAITING"
  stderr.flush
  let stdin ← IO.getStdin
  let go ← stdin.getLine
  if go.isEmpty then return none
  let (r, s, allowed) ← match words go with
    | "go" :: r :: s :: mods => pure (r.toNat!, s.toNat!, "Init" :: mods)
    | _ => throw (IO.userError "bad go line")
  -- the second line: `probes …` for a verdict, or `check …` for a check (65-ProofState.lean)
  let second ← stdin.getLine
  let probes := parseProbeRequest second
  let checkReq := parseCheckRequest second
  let checkAcc ← IO.mkRef ({} : CheckAcc)
  -- before anything of the file is read: nothing submitted is ever compiled (the gate goes over
  -- the library's compiler entry, captured once by `main`, not over the last job's gate)
  compileDeclsRef.set (gate compile)
  let input ← IO.FS.readFile "Sol.lean"
  let inputCtx : Parser.InputContext := { inputString := input, fileName := "Sol.lean", fileMap := input.toFileMap }
  let (header, parserState, headerMsgs) ← Parser.parseHeader inputCtx
  let stdout ← IO.getStdout
  let st0 : St := { out := stdout, mac := { r, s } }
  let ((elaborated, fresh), st) ← (do
    emit "[\"BEGIN\"]"
    -- on its way before the file's first command: an export cut short is then seen begun
    stdout.flush
    match checkImports allowed #[header] 0 with
    | .error refusal =>
      emitMsgs headerMsgs.toList
      emit (refusalRow inputCtx.fileMap refusal)
      pure (none, none)
    | .ok () =>
      let words := headerWords header []
      let preloadedHere := match preloaded with
        | some p => if sameWords p.words words then some p else none
        | none => none
      -- for operators and tests, which fast path served the header
      let (env, headerMsgs, fresh) ← match preloadedHere, findHeader kept words, headerMsgs.toList with
        | some p, _, [] => do
          stderr.putStrLn "ARENA-PRELOADED-HEADER"
          pure (p.env, p.msgs, none)
        | none, some p, [] => do
          stderr.putStrLn "ARENA-KEPT-HEADER"
          pure (p.env, p.msgs, none)
        | _, _, _ => do
          let (env, msgs) ← processHeader header opts headerMsgs inputCtx (mainModule := `Sol)
          let keep := match headerMsgs.toList with
            | [] => !msgs.hasErrors
            | _ => false
          pure (env, msgs, if keep then some ({ words, env, msgs } : Preloaded) else none)
      let cmdState := Command.mkState env {} opts
      let cmdState := { cmdState with scopes := [{ header := "", opts := opts, isNoncomputable := true }] }
      let hook := match checkReq with
        | some req => some (checkHook req inputCtx.fileMap checkAcc)
        | none => none
      let (cmdState, msgs, refusal) ← elabLoop inputCtx parserState cmdState (rev headerMsgs.toList []) hook
      emitMsgs (rev msgs [])
      match refusal with
      | some r =>
        emit (refusalRow inputCtx.fileMap r)
        pure (none, fresh)
      | none =>
        let env := cmdState.env
        emitImports env.header.imports.toList
        walkNode env env.constants.map₂.root
        pure (some (cmdState, msgs), fresh)
    : M (Option (Command.State × List Message) × Option Preloaded)).run st0
  stdout.putStrLn ("[\"END\"," ++ toString st.lines ++ ",\"" ++ toString st.mac.tag ++ "\"]")
  stdout.flush
  -- the probes come after the export's end: a probe that runs away costs only the probes
  match probes, elaborated with
  | some req, some (cmdState, msgs) =>
    let _ ← (probeSection req inputCtx.fileMap cmdState.env msgs).run st
  | _, _ => pure ()
  -- a check's section: after the export's end, only for a file that was not refused
  match checkReq, elaborated with
  | some req, some _ =>
    let _ ← (checkSection req (← checkAcc.get)).run st
  | _, _ => pure ()
  stdout.putStrLn "[\"DONE\"]"
  stdout.flush
  -- everything the job made is dropped here; only a header it imported is kept
  match fresh with
  | some h => return some (if count kept < maxKeptHeaders then h :: kept else kept)
  | none => return some kept

/-- Jobs one after another until stdin closes: the runner may send one owner's submissions to
the same process, each with its own go line (a fresh key) and its own `Sol.lean`. -/
partial def exportJobs (preloaded : Option Preloaded) (kept : List Preloaded)
    (compile : Array Name → CoreM Unit) (opts : Options) : IO Unit := do
  match ← exportJob preloaded kept compile opts with
  | some kept => exportJobs preloaded kept compile opts
  | none => pure ()

/-- Exports each job the runner sends, then exits at once (nothing a file started may write
after its end line). -/
public def main (args : List String) : IO UInt32 := do
  let opts : Options := Elab.async.set {} false
  -- `--run Export.lean M…`: import M… now, before the first job (a pre-started exporter is
  -- ready only once they are loaded)
  let preloaded ← preloadHeader args opts
  exportJobs preloaded [] (← compileDeclsRef.get) opts
  IO.Process.exit 0
