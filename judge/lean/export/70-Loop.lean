/-! ## The job loop: one go line, one `Sol.lean`, one export per job -/

/-- One job: once the runner says go, elaborates `Sol.lean` (read afresh, on the environment
`processHeader` makes afresh) and writes its export on stdout, `BEGIN` to `END`, then the probe
section if asked, then `["DONE"]` (the job's last line, for the runner). False when stdin is
closed: no more jobs. -/
def exportJob (preloaded : Option Preloaded) (opts : Options) : IO Bool := do
  let stderr ← IO.getStderr
  stderr.putStrLn "ARENA-EXPORTER-WAITING"
  stderr.flush
  let stdin ← IO.getStdin
  let go ← stdin.getLine
  if go.isEmpty then return false
  let (r, s, allowed) ← match words go with
    | "go" :: r :: s :: mods => pure (r.toNat!, s.toNat!, "Init" :: mods)
    | _ => throw (IO.userError "bad go line")
  let probes := parseProbeRequest (← stdin.getLine)
  -- before anything of the file is read: nothing submitted is ever compiled
  let compile ← compileDeclsRef.get
  compileDeclsRef.set (gate compile)
  let input ← IO.FS.readFile "Sol.lean"
  let inputCtx : Parser.InputContext := { inputString := input, fileName := "Sol.lean", fileMap := input.toFileMap }
  let (header, parserState, headerMsgs) ← Parser.parseHeader inputCtx
  let stdout ← IO.getStdout
  let st0 : St := { out := stdout, mac := { r, s } }
  let (elaborated, st) ← (do
    emit "[\"BEGIN\"]"
    -- on its way before the file's first command: an export cut short is then seen begun
    stdout.flush
    match checkImports allowed #[header] 0 with
    | .error refusal =>
      emitMsgs headerMsgs.toList
      emit (refusalRow inputCtx.fileMap refusal)
      pure none
    | .ok () =>
      let (env, headerMsgs) ← match preloaded, headerMsgs.toList with
        | some p, [] =>
          if sameWords p.words (headerWords header []) then do
            stderr.putStrLn "ARENA-PRELOADED-HEADER"  -- for operators and tests: the fast path
            pure (p.env, p.msgs)
          else processHeader header opts headerMsgs inputCtx (mainModule := `Sol)
        | _, _ => processHeader header opts headerMsgs inputCtx (mainModule := `Sol)
      let cmdState := Command.mkState env {} opts
      let cmdState := { cmdState with scopes := [{ header := "", opts := opts, isNoncomputable := true }] }
      let (cmdState, msgs, refusal) ← elabLoop inputCtx parserState cmdState (rev headerMsgs.toList [])
      emitMsgs (rev msgs [])
      match refusal with
      | some r =>
        emit (refusalRow inputCtx.fileMap r)
        pure none
      | none =>
        let env := cmdState.env
        emitImports env.header.imports.toList
        walkNode env env.constants.map₂.root
        pure (some (cmdState, msgs))
    : M (Option (Command.State × List Message))).run st0
  stdout.putStrLn ("[\"END\"," ++ toString st.lines ++ ",\"" ++ toString st.mac.tag ++ "\"]")
  stdout.flush
  -- the probes come after the export's end: a probe that runs away costs only the probes
  match probes, elaborated with
  | some req, some (cmdState, msgs) =>
    let _ ← (probeSection req inputCtx.fileMap cmdState.env msgs).run st
  | _, _ => pure ()
  stdout.putStrLn "[\"DONE\"]"
  stdout.flush
  return true

/-- Jobs one after another until stdin closes: the runner may send one owner's submissions to
the same process, each with its own go line (a fresh key) and its own `Sol.lean`. -/
partial def exportJobs (preloaded : Option Preloaded) (opts : Options) : IO Unit := do
  if (← exportJob preloaded opts) then exportJobs preloaded opts

/-- Exports each job the runner sends, then exits at once (nothing a file started may write
after its end line). -/
public def main (args : List String) : IO UInt32 := do
  let opts : Options := Elab.async.set {} false
  -- `--run Export.lean M…`: import M… now, before the first job (a pre-started exporter is
  -- ready only once they are loaded)
  let preloaded ← preloadHeader args opts
  exportJobs preloaded opts
  IO.Process.exit 0
