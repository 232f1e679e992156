/-! ## Check mode: the proof state at each `sorry` and each tactic step (issue 27)

A check is a job whose second stdin line is `check <json>` instead of `probes …` (WIRE.md). The
file is elaborated exactly as for a verdict (same policy, same gate, same base scope) with Lean's
info trees switched on; after each command its trees are walked (then dropped) and, after the
export's end line, a section `["CHECK"]` … `["END", count, tag]` keyed by the request's own
`(r, s)` carries one `S` row per `sorry` (its goal) and one `T` row per tactic step (its goals
before and after, its source range). Everything here is bounded by the request: goal text,
goals per step, steps, sorries, info tree depth and nodes walked, the section's characters; a
bound reached is said once in an `X` row, and what lies past it is left out (never an error).
Nothing here is trusted: the judge parses these rows as untrusted text. -/

structure CheckRequest where
  r : Nat
  s : Nat
  goalChars : Nat  -- one goal's text is cut past this many characters
  goals : Nat      -- goals shown before and after one step
  steps : Nat
  sorries : Nat
  depth : Nat      -- info tree levels walked below a command
  nodes : Nat      -- info tree nodes visited in the whole file
  chars : Nat      -- characters of the section's rows in all

/-- The second stdin line `check <json>`: none for anything else. -/
def parseCheckRequest (line : String) : Option CheckRequest :=
  match words line with
  | "check" :: _ =>
    match Json.parse (line.drop 6).toString with
    | .ok j =>
      let n := fun (k : String) => jsonNat (jsonField j k)
      some { r := jsonNatStr (jsonField j "r"), s := jsonNatStr (jsonField j "s"),
             goalChars := n "goal_chars", goals := n "goals", steps := n "steps",
             sorries := n "sorries", depth := n "depth", nodes := n "nodes", chars := n "chars" }
    | .error _ => none
  | _ => none

/-- What the walk has found so far: rows newest first, counts, the bounds reached. -/
structure CheckAcc where
  rows : List String := []
  steps : Nat := 0
  sorries : Nat := 0
  nodes : Nat := 0
  chars : Nat := 0
  cut : List String := []

def CheckAcc.note (acc : CheckAcc) (what : String) : CheckAcc :=
  if inList what acc.cut then acc else { acc with cut := what :: acc.cut }

/-- Adds a row unless the section's character budget is spent. -/
def CheckAcc.push (req : CheckRequest) (acc : CheckAcc) (row : String) : CheckAcc :=
  if acc.chars + row.length > req.chars then acc.note "chars"
  else { acc with rows := row :: acc.rows, chars := acc.chars + row.length }

/-- `line,column,end_line,end_column` of what the user wrote (none for syntax a macro made). -/
def rangeText (fm : FileMap) (stx : Syntax) : Option String :=
  match stx.getPos? (canonicalOnly := true), stx.getTailPos? (canonicalOnly := true) with
  | some a, some b =>
    let p := fm.toPosition a
    let q := fm.toPosition b
    some (toString p.line ++ "," ++ toString p.column ++ "," ++ toString q.line ++ "," ++ toString q.column)
  | _, _ => none

/-- `x` in the info tree's context (`ContextInfo.runMetaM` unwound by hand: it cannot be
compiled here), with Lean's default heartbeats; none when it throws. -/
def runMetaIn (ctx : ContextInfo) (lctx : LocalContext) (x : MetaM Format) : IO (Option Format) := do
  let coreCtx : Core.Context := {
    fileName := "Sol.lean", fileMap := default, options := ctx.options,
    currNamespace := ctx.currNamespace, openDecls := ctx.openDecls,
    maxHeartbeats := 200000 * 1000, initHeartbeats := ← IO.getNumHeartbeats }
  let core : CoreM Format := (x { lctx }).run' { mctx := ctx.mctx }
  match ← ((core coreCtx).run { env := ctx.env, ngen := ctx.ngen }).toBaseIO with
  | .ok (f, _) => pure (some f)
  | .error _ => pure none

/-- `Meta.ppGoal` fully applied in code of our own: passed as a closure, the library function
needs a boxed variant the offline build does not have. -/
def ppGoalOf (g : MVarId) : MetaM Format := do
  let f ← Meta.ppGoal g
  pure f

/-- A goal's text as Lean prints it (hypotheses, `⊢`, target), cut to the bound. -/
def goalText (req : CheckRequest) (ctx : ContextInfo) (lctx : LocalContext) (x : MetaM Format) :
    IO (String × Bool) := do
  let text := match ← runMetaIn ctx lctx x with
    | some f => toString f
    | none => "(the goal could not be printed)"
  if text.length ≤ req.goalChars then pure (text, false)
  else pure ((text.take req.goalChars).toString ++ "…", true)

/-- Each goal's text, as a JSON array, at most `req.goals` of them. -/
partial def goalsJson (req : CheckRequest) (ctx : ContextInfo) (gs : List MVarId) (n : Nat)
    (acc : String) (cut : Bool) : IO (String × Bool) := do
  match gs with
  | [] => pure (acc ++ "]", cut)
  | g :: rest =>
    if n ≥ req.goals then pure (acc ++ "]", true) else
    let (t, c) ← goalText req ctx {} (ppGoalOf g)
    goalsJson req ctx rest (n + 1) (acc ++ (if n == 0 then "" else ",") ++ jstr t) (cut || c)

def tacticSorryKind : Name := `Lean.Parser.Tactic.tacticSorry
def termSorryKind : Name := `Lean.Parser.Term.sorry

/-- Tactic nodes that are not steps of their own: a sequence repeats its first step's goals. -/
def notAStep (k : Name) : Bool :=
  k == `Lean.Parser.Tactic.tacticSeq || k == `Lean.Parser.Tactic.tacticSeq1Indented ||
    k == `Lean.Parser.Tactic.tacticSeqBracketed || k == `null

def sorryRow (req : CheckRequest) (acc : CheckAcc) (range goal : String) (cut : Bool) : CheckAcc :=
  if acc.sorries ≥ req.sorries then acc.note "sorries" else
  let acc := if cut then acc.note "goal_chars" else acc
  { acc.push req ("[\"S\"," ++ range ++ "," ++ jstr goal ++ "]") with sorries := acc.sorries + 1 }

def visitInfo (req : CheckRequest) (fm : FileMap) (ctx : ContextInfo) (i : Info) (acc : CheckAcc) :
    IO CheckAcc := do
  match i with
  | .ofTacticInfo ti =>
    let some range := rangeText fm ti.stx | return acc
    let kind := ti.stx.getKind
    let acc ← if kind == tacticSorryKind then
        match ti.goalsBefore with
        | g :: _ => do
          let (t, c) ← goalText req { ctx with mctx := ti.mctxBefore } {} (ppGoalOf g)
          pure (sorryRow req acc range t c)
        | [] => pure acc
      else pure acc
    if notAStep kind then return acc
    if acc.steps ≥ req.steps then return acc.note "steps"
    let (before, c1) ← goalsJson req { ctx with mctx := ti.mctxBefore } ti.goalsBefore 0 "[" false
    let (after, c2) ← goalsJson req { ctx with mctx := ti.mctxAfter } ti.goalsAfter 0 "[" false
    let acc := if c1 || c2 then acc.note "goals" else acc
    pure { acc.push req ("[\"T\"," ++ range ++ "," ++ before ++ "," ++ after ++ "]") with steps := acc.steps + 1 }
  | .ofTermInfo ti =>
    if ti.stx.getKind != termSorryKind then return acc
    let some range := rangeText fm ti.stx | return acc
    let some ty := ti.expectedType? | return acc
    -- the goal a term `sorry` stands for: its expected type in its local context
    let (t, c) ← goalText req ctx ti.lctx (do
      let m ← Meta.mkFreshExprMVar (some ty)
      ppGoalOf m.mvarId!)
    pure (sorryRow req acc range t c)
  | _ => pure acc

mutual
partial def walkTree (req : CheckRequest) (fm : FileMap) (ctx? : Option ContextInfo) (depth : Nat)
    (t : InfoTree) (acc : CheckAcc) : IO CheckAcc := do
  if acc.nodes ≥ req.nodes then return acc.note "nodes"
  if depth ≥ req.depth then return acc.note "depth"
  let acc := { acc with nodes := acc.nodes + 1 }
  match t with
  | .context pci t => walkTree req fm (pci.mergeIntoOuter? ctx?) (depth + 1) t acc
  | .node i cs =>
    let acc ← match ctx? with
      | some ctx => visitInfo req fm ctx i acc
      | none => pure acc
    walkArr req fm ctx? (depth + 1) cs.tail 0 (← walkPNode req fm ctx? (depth + 1) cs.root acc)
  | .hole _ => pure acc
partial def walkPNode (req : CheckRequest) (fm : FileMap) (ctx? : Option ContextInfo) (depth : Nat)
    (n : PersistentArrayNode InfoTree) (acc : CheckAcc) : IO CheckAcc := do
  match n with
  | .node cs => walkPNodes req fm ctx? depth cs 0 acc
  | .leaf vs => walkArr req fm ctx? depth vs 0 acc
partial def walkPNodes (req : CheckRequest) (fm : FileMap) (ctx? : Option ContextInfo) (depth : Nat)
    (cs : Array (PersistentArrayNode InfoTree)) (i : Nat) (acc : CheckAcc) : IO CheckAcc := do
  if h : i < cs.size then walkPNodes req fm ctx? depth cs (i + 1) (← walkPNode req fm ctx? depth cs[i] acc)
  else pure acc
partial def walkArr (req : CheckRequest) (fm : FileMap) (ctx? : Option ContextInfo) (depth : Nat)
    (ts : Array InfoTree) (i : Nat) (acc : CheckAcc) : IO CheckAcc := do
  if h : i < ts.size then walkArr req fm ctx? depth ts (i + 1) (← walkTree req fm ctx? depth ts[i] acc)
  else pure acc
end

/-- Called by the elaboration loop after each command: walks that command's info trees. -/
def checkHook (req : CheckRequest) (fm : FileMap) (ref : IO.Ref CheckAcc) (st : Command.State) : IO Unit := do
  let trees := st.infoState.trees
  let acc ← walkArr req fm none 0 trees.tail 0 (← walkPNode req fm none 0 trees.root (← ref.get))
  ref.set acc

partial def emitRows : List String → M Unit
  | [] => pure ()
  | r :: rs => do emit r; emitRows rs

partial def emitCuts : List String → M Unit
  | [] => pure ()
  | w :: ws => do emit ("[\"X\"," ++ jstr w ++ "]"); emitCuts ws

/-- The check section, after the export's end line: its own MAC key and line count. -/
def checkSection (req : CheckRequest) (acc : CheckAcc) : M Unit := do
  modify fun s => { s with mac := { r := req.r, s := req.s }, lines := 0 }
  emit "[\"CHECK\"]"
  emitRows (rev acc.rows [])
  emitCuts (rev acc.cut [])
  let out := (← get)
  out.out.putStrLn ("[\"END\"," ++ toString out.lines ++ ",\"" ++ toString out.mac.tag ++ "\"]")
  out.out.flush
