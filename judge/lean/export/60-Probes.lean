/-! ## Probes, run: each probe's goal elaborated and proved after the file (the request: 50-ProbeRequest.lean) -/

/-- A name of the file: as written, or private to the module (`_private.Sol.0.x`). -/
def resolveLocal (env : Environment) (n : Name) : Option Name :=
  if (env.find? n).isSome then some n
  else
    let p := mkPrivateName env n
    if (env.find? p).isSome then some p else none

def parseTerm (env : Environment) (text : String) : Option Syntax :=
  match Parser.runParserCategory env `term text with
  | .ok stx => some stx
  | .error _ => none

/-- The statement with its first binders instantiated by the arguments, elaborated against
each binder's type; none when a binder is not a `∀` or an argument does not elaborate closed. -/
partial def instantiateArgs (ty : Expr) : List String → Term.TermElabM (Option (Expr × List Expr))
  | [] => pure (some (ty, []))
  | a :: as => do
    match ty.consumeMData with
    | .forallE _ d b _ =>
      match parseTerm (← getEnv) a with
      | none => pure none
      | some stx =>
        let e ← Term.elabTermEnsuringType stx d
        Term.synthesizeSyntheticMVarsNoPostponing
        let e ← instantiateMVars e
        if e.hasMVar || e.hasFVar || e.hasSorry then pure none else
        match ← instantiateArgs (b.instantiate1 e) as with
        | some (body, es) => pure (some (body, e :: es))
        | none => pure none
    | _ => pure none

partial def replaceTerm (target new : Expr) (e : Expr) : Expr :=
  if e == target then new else
  match e with
  | .app f a => .app (replaceTerm target new f) (replaceTerm target new a)
  | .lam n t b bi => .lam n (replaceTerm target new t) (replaceTerm target new b) bi
  | .forallE n t b bi => .forallE n (replaceTerm target new t) (replaceTerm target new b) bi
  | .letE n t v b nd => .letE n (replaceTerm target new t) (replaceTerm target new v) (replaceTerm target new b) nd
  | .mdata m b => .mdata m (replaceTerm target new b)
  | .proj s i b => .proj s i (replaceTerm target new b)
  | _ => e

partial def mkAppList (f : Expr) : List Expr → Expr
  | [] => f
  | a :: as => mkAppList (.app f a) as

/-- An output for the implementation's application, elaborated against its type. -/
def elabOutput (out : String) (ty : Expr) : Term.TermElabM (Option Expr) := do
  match parseTerm (← getEnv) out with
  | none => pure none
  | some stx =>
    let o ← Term.elabTermEnsuringType stx ty
    Term.synthesizeSyntheticMVarsNoPostponing
    let o ← instantiateMVars o
    if o.hasMVar || o.hasFVar || o.hasSorry then pure none else pure (some o)

/-- The probe's goal, negated if asked: the theorem's instance, with the output put in place of
the implementation's application when there is one (a test); or, for a probe without a theorem,
the equation `f args = out` (an audit of a test). `c` is the theorem, or the implementation. -/
def probeGoal (p : Probe) (c : ConstantInfo) : Term.TermElabM (Option (Expr × List Expr)) := do
  match c.levelParams with | [] => pure () | _ => return none
  let some (body, args) ← instantiateArgs c.type p.args | return none
  let body? ← match p.out, resolveLocal (← getEnv) p.defn with
    | some out, some f =>
      let app := mkAppList (mkConst f) args
      match ← elabOutput out (← Meta.inferType app) with
      | none => pure none
      | some o => if p.thm.isAnonymous then some <$> Meta.mkEq app o else pure (some (replaceTerm app o body))
    | some _, none => pure none
    | none, _ => pure (if p.thm.isAnonymous then none else some body)
  match body? with
  | none => pure none
  | some body =>
    let goal := if p.neg then mkNot body else body
    if ← Meta.isProp goal then pure (some (goal, args)) else pure none

/-- Proves the goal with the tactic, as a theorem named `declName`. -/
def proveAs (declName : Name) (goal : Expr) (tactic : String) : Term.TermElabM Bool := do
  let some stx := parseTerm (← getEnv) ("by " ++ tactic) | return false
  let pf ← Term.elabTermEnsuringType stx goal
  Term.synthesizeSyntheticMVarsNoPostponing
  let pf ← instantiateMVars pf
  if pf.hasMVar || pf.hasFVar || pf.hasSorry then return false
  addDecl (.thmDecl { name := declName, levelParams := [], type := goal, value := pf })
  return true

/-- What the implementation returns on the arguments, as a theorem `f args = v` checked by
`rfl` (shown to the user; the trusted side reads `v` from the replayed statement). -/
def valueAs (declName : Name) (p : Probe) (args : List Expr) : Term.TermElabM Bool := do
  let some f := resolveLocal (← getEnv) p.defn | return false
  let app := mkAppList (mkConst f) args
  let v ← Meta.reduce app (skipTypes := true) (skipProofs := true)
  if v.hasMVar || v.hasFVar || v.hasSorry then return false
  let ty ← Meta.mkEq app v
  let pf ← Meta.mkEqRefl app
  addDecl (.thmDecl { name := declName, levelParams := [], type := ty, value := pf })
  return true

/-- Where a probe's steps run: the file's final environment, a fresh root scope (the file's
`namespace`, `open` and `variable` are gone) and the probes' options (their heartbeats). -/
structure ProbeCtx where
  fileMap : FileMap
  opts : Options

/-- One step of a probe, run on its own: its exceptions (an error, a heartbeat limit) end that
step only. The environment it leaves, and its value. -/
def runStep {α} (pc : ProbeCtx) (env : Environment) (step : Term.TermElabM α) : IO (Option (α × Environment)) := do
  let coreCtx : Core.Context := {
    fileName := "Sol.lean", fileMap := pc.fileMap, options := pc.opts,
    maxHeartbeats := maxHeartbeats.get pc.opts * 1000, initHeartbeats := ← IO.getNumHeartbeats }
  -- the monad stack unwound by hand: `TermElabM.toIO` cannot be compiled here
  let metaM : Meta.MetaM α := (step {}).run' {}
  let core : CoreM α := (metaM {}).run' {}
  match ← ((core coreCtx).run { env }).toBaseIO with
  | .ok (a, sCore) => pure (some (a, sCore.env))
  | .error _ => pure none

partial def tryTactics (pc : ProbeCtx) (env : Environment) (declName : Name) (goal : Expr) :
    List String → IO (Option Environment)
  | [] => pure none
  | t :: ts => do
    match ← runStep pc env (proveAs declName goal t) with
    | some (true, env') => pure (some env')
    | _ => tryTactics pc env declName goal ts

/-- The file leaves something unproved: errors, or a probed theorem missing or with `sorry`. -/
partial def unclean (env : Environment) (msgs : List Message) (ps : List Probe) : Bool :=
  hasError msgs || missingOrSorry ps
where
  hasError : List Message → Bool
    | [] => false
    | m :: ms => m.severity == .error || hasError ms
  missingOrSorry : List Probe → Bool
    | [] => false
    | p :: ps =>
      (!p.thm.isAnonymous && match resolveLocal env p.thm with
       | none => true
       | some n => match env.find? n with
         | some (.thmInfo v) => v.value.hasSorry
         | _ => true) || missingOrSorry ps

def probeRow (i : Nat) (status : String) (proved value : Option Name) : M Unit := do
  let pn ← match proved with | some n => do pure (toString (← nameId n)) | none => pure "null"
  let vn ← match value with | some n => do pure (toString (← nameId n)) | none => pure "null"
  emit ("[\"P\"," ++ toString i ++ "," ++ jstr status ++ "," ++ pn ++ "," ++ vn ++ "]")

def findLocal (env : Environment) (n : Name) : Option ConstantInfo :=
  match resolveLocal env n with
  | some m => env.find? m
  | none => none

partial def runProbes (req : ProbeRequest) (pc : ProbeCtx) (deadline : Nat) (clean : Bool) :
    Environment → Nat → List Probe → M Environment
  | env, _, [] => pure env
  | env, i, p :: ps => do
    let base := Name.mkSimple ("ArenaProbe_" ++ req.nonce)
    let declName := Name.mkNum (base.str "p") i
    let runs := (← IO.monoMsNow) < deadline && (if p.whenClean then clean else !req.onlyIfUnclean || !clean)
    if !runs then
      probeRow i "skipped" none none
      runProbes req pc deadline clean env (i + 1) ps
    else
    let goal? ← match findLocal env (if p.thm.isAnonymous then p.defn else p.thm) with
      | none => pure none
      | some c => do
        match ← runStep pc env (probeGoal p c) with
        | some (some g, _) => pure (some g)
        | _ => pure none
    match goal? with
    | none =>
      probeRow i "failed" none none
      runProbes req pc deadline clean env (i + 1) ps
    | some (goal, args) =>
      match ← tryTactics pc env declName goal req.tactics with
      | none =>
        probeRow i "failed" none none
        runProbes req pc deadline clean env (i + 1) ps
      | some env =>
        let valueName := Name.mkNum (base.str "v") i
        let (env, hasValue) ← if p.value then do
            match ← runStep pc env (valueAs valueName p args) with
            | some (true, env') => pure (env', true)
            | _ => pure (env, false)
          else pure (env, false)
        probeRow i "proved" (some declName) (if hasValue then some valueName else none)
        if req.stopAtFirst && !p.whenClean then pure env else runProbes req pc deadline clean env (i + 1) ps

mutual
partial def walkNewNode (before : Environment) (env : Environment) (n : PersistentHashMap.Node Name ConstantInfo) : M Unit := do
  match n with
  | .entries es => walkNewEntries before env es 0
  | .collision _ vs _ => walkNewPairs before env vs 0
partial def walkNewEntries (before : Environment) (env : Environment) (es : Array (PersistentHashMap.Entry Name ConstantInfo (PersistentHashMap.Node Name ConstantInfo))) (i : Nat) : M Unit := do
  if h : i < es.size then
    match es[i] with
      | .entry _ c => if (before.find? c.name).isNone then exportConst env c
      | .ref n => walkNewNode before env n
      | .null => pure ()
    walkNewEntries before env es (i + 1)
partial def walkNewPairs (before : Environment) (env : Environment) (vs : Array ConstantInfo) (i : Nat) : M Unit := do
  if h : i < vs.size then
    if (before.find? vs[i].name).isNone then exportConst env vs[i]
    walkNewPairs before env vs (i + 1)
end

/-- The probe section: `["PROBES"]`, the constants the probes added, a `P` row per probe, and
its own end line keyed by the request's `(r, s)`. -/
def probeSection (req : ProbeRequest) (fileMap : FileMap) (env : Environment) (msgs : List Message) : M Unit := do
  modify fun s => { s with mac := { r := req.r, s := req.s }, lines := 0 }
  emit "[\"PROBES\"]"
  -- a refutation is tried only on a file that leaves something unproved (an ACCEPTED one needs
  -- none), an audit only on one that does not
  let clean := !unclean env msgs req.probes
  let pc : ProbeCtx := { fileMap, opts := maxHeartbeats.set (Elab.async.set {} false) req.heartbeats }
  let deadline := (← IO.monoMsNow) + req.budgetMs
  let after ← runProbes req pc deadline clean env 0 req.probes
  walkNewNode env after after.constants.map₂.root
  let out := (← get)
  out.out.putStrLn ("[\"END\"," ++ toString out.lines ++ ",\"" ++ toString out.mac.tag ++ "\"]")
  out.out.flush
