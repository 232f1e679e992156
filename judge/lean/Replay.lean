import Lean
open Lean

/-! The trusted replay: rebuilds every name, level and term from a line-oriented text export
and adds each declaration to a kernel environment built from the problem's imports only. -/

structure Tables where
  names : Array Name := #[Name.anonymous]
  levels : Array Level := #[Level.zero]
  exprs : Array Expr := #[]

def jarr (j : Json) : Array Json := match j with | .arr a => a | _ => #[]
def jat (a : Array Json) (i : Nat) : Json := if h : i < a.size then a[i] else .null
def jnat (j : Json) : Except String Nat := match j with
  | .num n => if n.exponent == 0 && n.mantissa ≥ 0 then .ok n.mantissa.toNat else .error "bad number"
  | _ => .error "expected a number"
def jstr (j : Json) : Except String String := match j with | .str s => .ok s | _ => .error "expected a string"
def jbool (j : Json) : Except String Bool := match j with | .bool b => .ok b | _ => .error "expected a bool"

def getName (t : Tables) (j : Json) : Except String Name := do
  let i ← jnat j
  if h : i < t.names.size then pure t.names[i] else throw ("unknown name id " ++ toString i)
def getLevel (t : Tables) (j : Json) : Except String Level := do
  let i ← jnat j
  if h : i < t.levels.size then pure t.levels[i] else throw ("unknown level id " ++ toString i)
def getExpr (t : Tables) (j : Json) : Except String Expr := do
  let i ← jnat j
  if h : i < t.exprs.size then pure t.exprs[i] else throw ("unknown expr id " ++ toString i)

partial def getNames (t : Tables) : List Json → Except String (List Name)
  | [] => pure []
  | j :: js => do let n ← getName t j; let ns ← getNames t js; pure (n :: ns)
partial def getLevels (t : Tables) : List Json → Except String (List Level)
  | [] => pure []
  | j :: js => do let n ← getLevel t j; let ns ← getLevels t js; pure (n :: ns)

def binfo (j : Json) : Except String BinderInfo := do
  match (← jstr j) with
  | "default" => pure .default | "implicit" => pure .implicit
  | "strict" => pure .strictImplicit | "inst" => pure .instImplicit
  | s => throw ("bad binder info " ++ s)

def addName (t : Tables) (a : Array Json) : Except String Tables := do
  let i ← jnat (jat a 1)
  unless i == t.names.size do throw "name ids must be dense"
  let p ← getName t (jat a 2)
  let n ← match (← jstr (jat a 3)) with
    | "s" => do pure (Name.str p (← jstr (jat a 4)))
    | "n" => do pure (Name.num p (← jnat (jat a 4)))
    | _ => throw "bad name kind"
  pure { t with names := t.names.push n }

def addLevel (t : Tables) (a : Array Json) : Except String Tables := do
  let i ← jnat (jat a 1)
  unless i == t.levels.size do throw "level ids must be dense"
  let l ← match (← jstr (jat a 2)) with
    | "succ" => do pure (Level.succ (← getLevel t (jat a 3)))
    | "max" => do pure (Level.max (← getLevel t (jat a 3)) (← getLevel t (jat a 4)))
    | "imax" => do pure (Level.imax (← getLevel t (jat a 3)) (← getLevel t (jat a 4)))
    | "param" => do pure (Level.param (← getName t (jat a 3)))
    | _ => throw "bad level kind"
  pure { t with levels := t.levels.push l }

def addExpr (t : Tables) (a : Array Json) : Except String Tables := do
  let i ← jnat (jat a 1)
  unless i == t.exprs.size do throw "expr ids must be dense"
  let e ← match (← jstr (jat a 2)) with
    | "bvar" => do pure (Expr.bvar (← jnat (jat a 3)))
    | "sort" => do pure (Expr.sort (← getLevel t (jat a 3)))
    | "const" => do
      let n ← getName t (jat a 3)
      -- the kernel would run compiled code for these: the replay evaluates nothing
      if n == `Lean.reduceBool || n == `Lean.reduceNat then throw "native reduction is not replayed"
      pure (Expr.const n (← getLevels t (jarr (jat a 4)).toList))
    | "app" => do pure (Expr.app (← getExpr t (jat a 3)) (← getExpr t (jat a 4)))
    | "lam" => do pure (Expr.lam (← getName t (jat a 3)) (← getExpr t (jat a 4)) (← getExpr t (jat a 5)) (← binfo (jat a 6)))
    | "pi" => do pure (Expr.forallE (← getName t (jat a 3)) (← getExpr t (jat a 4)) (← getExpr t (jat a 5)) (← binfo (jat a 6)))
    | "let" => do pure (Expr.letE (← getName t (jat a 3)) (← getExpr t (jat a 4)) (← getExpr t (jat a 5)) (← getExpr t (jat a 6)) (← jbool (jat a 7)))
    | "nat" => do
      match (← jstr (jat a 3)).toNat? with
      | some k => pure (Expr.lit (.natVal k))
      | none => throw "bad nat literal"
    | "str" => do pure (Expr.lit (.strVal (← jstr (jat a 3))))
    | "proj" => do pure (Expr.proj (← getName t (jat a 3)) (← jnat (jat a 4)) (← getExpr t (jat a 5)))
    | k => throw ("bad expr kind " ++ k)
  pure { t with exprs := t.exprs.push e }

def safety (j : Json) : Except String DefinitionSafety := do
  match (← jstr j) with
  | "safe" => pure .safe | "unsafe" => pure .unsafe | "partial" => pure .partial
  | s => throw ("bad safety " ++ s)

def hints (j : Json) : Except String ReducibilityHints := do
  match j with
  | .str "opaque" => pure .opaque
  | .str "abbrev" => pure .abbrev
  | _ => do pure (.regular (← jnat j).toUInt32)

partial def ctorsOf (t : Tables) : List Json → Except String (List Constructor)
  | [] => pure []
  | j :: js => do
    let a := jarr j
    let c : Constructor := { name := (← getName t (jat a 0)), type := (← getExpr t (jat a 1)) }
    pure (c :: (← ctorsOf t js))

partial def indTypesOf (t : Tables) : List Json → Except String (List InductiveType)
  | [] => pure []
  | j :: js => do
    let a := jarr j
    let it : InductiveType := { name := (← getName t (jat a 0)), type := (← getExpr t (jat a 1)), ctors := (← ctorsOf t (jarr (jat a 2)).toList) }
    pure (it :: (← indTypesOf t js))

partial def defsOf (t : Tables) : List Json → Except String (List DefinitionVal)
  | [] => pure []
  | j :: js => do
    let a := jarr j
    let name ← getName t (jat a 1)
    let levelParams ← getNames t (jarr (jat a 2)).toList
    let type ← getExpr t (jat a 3)
    let value ← getExpr t (jat a 4)
    let safety ← safety (jat a 5)
    let all ← getNames t (jarr (jat a 6)).toList
    let hints ← hints (jat a 7)
    let d : DefinitionVal := { name, levelParams, type, value, safety, all, hints }
    pure (d :: (← defsOf t js))

/-- A declaration line, as `Declaration`. -/
def declOf (t : Tables) (a : Array Json) : Except String (Name × Declaration) := do
  let kind ← jstr (jat a 0)
  if kind == "inductblock" then
    let lps ← getNames t (jarr (jat a 1)).toList
    let types ← indTypesOf t (jarr (jat a 3)).toList
    let first := match types with | it :: _ => it.name | [] => Name.anonymous
    return (first, .inductDecl lps (← jnat (jat a 2)) types (← jbool (jat a 4)))
  if kind == "mutual" then
    let defs ← defsOf t (jarr (jat a 1)).toList
    let first := match defs with | d :: _ => d.name | [] => Name.anonymous
    return (first, .mutualDefnDecl defs)
  let name ← getName t (jat a 1)
  let lps ← getNames t (jarr (jat a 2)).toList
  let type ← getExpr t (jat a 3)
  match kind with
  | "axiom" => pure (name, .axiomDecl { name, levelParams := lps, type, isUnsafe := (← jbool (jat a 4)) })
  | "def" => do
    let value ← getExpr t (jat a 4)
    let safety ← safety (jat a 5)
    let all ← getNames t (jarr (jat a 6)).toList
    let hints ← hints (jat a 7)
    pure (name, .defnDecl { name, levelParams := lps, type, value, safety, all, hints })
  | "thm" => do
    let value ← getExpr t (jat a 4)
    let all ← getNames t (jarr (jat a 5)).toList
    pure (name, .thmDecl { name, levelParams := lps, type, value, all })
  | "opaque" => do
    let value ← getExpr t (jat a 4)
    let isUnsafe ← jbool (jat a 5)
    let all ← getNames t (jarr (jat a 6)).toList
    pure (name, .opaqueDecl { name, levelParams := lps, type, value, isUnsafe, all })
  | k => throw ("not a declaration kind: " ++ k)

partial def sameRules : List RecursorRule → List (Name × Nat × Expr) → Bool
  | [], [] => true
  | r :: rs, (c, n, e) :: qs => r.ctor == c && r.nfields == n && r.rhs == e && sameRules rs qs
  | _, _ => false

partial def rulesOf (t : Tables) : List Json → Except String (List (Name × Nat × Expr))
  | [] => pure []
  | j :: js => do
    let a := jarr j
    pure ((← getName t (jat a 0), ← jnat (jat a 1), ← getExpr t (jat a 2)) :: (← rulesOf t js))

/-- Constants the kernel makes itself (inductive types, constructors, recursors) must equal the submitted ones. -/
def checkGenerated (env : Kernel.Environment) (t : Tables) (a : Array Json) : Except String Name := do
  let kind ← jstr (jat a 0)
  let name ← getName t (jat a 1)
  let lps ← getNames t (jarr (jat a 2)).toList
  let type ← getExpr t (jat a 3)
  let some info := env.find? name | throw "the kernel did not generate it"
  unless info.levelParams == lps && info.type == type do throw "differs from the kernel's (type or universes)"
  match kind, info with
  | "induct", .inductInfo v =>
    unless v.numParams == (← jnat (jat a 4)) && v.numIndices == (← jnat (jat a 5))
      && v.all == (← getNames t (jarr (jat a 6)).toList) && v.ctors == (← getNames t (jarr (jat a 7)).toList)
      && v.numNested == (← jnat (jat a 8)) && v.isRec == (← jbool (jat a 9)) && v.isUnsafe == (← jbool (jat a 10))
      && v.isReflexive == (← jbool (jat a 11)) do throw "inductive differs from the kernel's"
  | "ctor", .ctorInfo v =>
    unless v.induct == (← getName t (jat a 4)) && v.cidx == (← jnat (jat a 5)) && v.numParams == (← jnat (jat a 6))
      && v.numFields == (← jnat (jat a 7)) && v.isUnsafe == (← jbool (jat a 8)) do throw "constructor differs from the kernel's"
  | "rec", .recInfo v =>
    unless v.all == (← getNames t (jarr (jat a 4)).toList) && v.numParams == (← jnat (jat a 5))
      && v.numIndices == (← jnat (jat a 6)) && v.numMotives == (← jnat (jat a 7)) && v.numMinors == (← jnat (jat a 8))
      && sameRules v.rules (← rulesOf t (jarr (jat a 9)).toList) && v.k == (← jbool (jat a 10))
      && v.isUnsafe == (← jbool (jat a 11)) do throw "recursor differs from the kernel's"
  | _, _ => throw "kind differs from the kernel's"
  pure name

structure Req where
  tables : Tables := {}
  env : Kernel.Environment
  added : List Name := []
  failure : Option (Name × String × Option Kernel.Exception) := none
  axiomsOf : List Name := []

def reply (out : IO.FS.Stream) (id : String) (j : Json) : IO Unit := do
  out.putStrLn ("ARENA-REPLY " ++ id ++ " " ++ j.compress)
  out.flush

def rev {α} : List α → List α → List α
  | [], acc => acc
  | x :: xs, acc => rev xs (x :: acc)

def nameJson (n : Name) : Json := Json.str n.toString

partial def namesJson : List Name → List Json
  | [] => []
  | n :: ns => nameJson n :: namesJson ns

partial def arrNames (a : Array Name) (i : Nat) : List Json :=
  if h : i < a.size then nameJson a[i] :: arrNames a (i + 1) else []

/-- Every axiom each name depends on, through imported bodies too (on native Lean theorem
bodies are visible; offline, imported theorems themselves look like axioms). -/
partial def axiomsJson (env : Environment) : List Name → List (String × Json)
  | [] => []
  | n :: ns =>
    let (_, st) := ((CollectAxioms.collect n).run env).run {}
    (n.toString, Json.arr (arrNames st.axioms 0).toArray) :: axiomsJson env ns

def step (r : Req) (a : Array Json) : Except String Req := do
  if r.failure.isSome then return r
  match (← jstr (jat a 0)) with
  | "N" => pure { r with tables := ← addName r.tables a }
  | "L" => pure { r with tables := ← addLevel r.tables a }
  | "E" => pure { r with tables := ← addExpr r.tables a }
  | "axioms" => do
    let names ← getNames r.tables (jarr (jat a 1)).toList
    pure { r with axiomsOf := names }
  | "induct" | "ctor" | "rec" =>
    match checkGenerated r.env r.tables a with
    | .ok _ => pure r
    | .error msg => do pure { r with failure := some (← getName r.tables (jat a 1), msg, none) }
  | _ =>
    let (name, decl) ← declOf r.tables a
    -- no heartbeat budget: whatever the exporter allowed (`set_option maxHeartbeats`) the
    -- kernel must be able to finish; the request's wall-time limit bounds it instead
    match r.env.addDecl (({} : Options).setNat `maxHeartbeats 0) decl with
    | .ok env => pure { r with env, added := name :: r.added }
    | .error ex => pure { r with failure := some (name, "", some ex) }

partial def importsOf : List Json → List Import
  | [] => []
  | .str m :: js => { module := m.toName } :: importsOf js
  | _ :: js => importsOf js

/-- The kernel environment of the problem's imports, kept while requests ask for the same ones. -/
def baseEnv (cache : Option (String × Kernel.Environment)) (imports : Json) :
    IO (Kernel.Environment × String) := do
  let key := imports.compress
  match cache with
  | some (k, env) => if k == key then return (env, key) else pure ()
  | none => pure ()
  let env ← importModules (importsOf (jarr imports).toList).toArray {}
  return (env.toKernelEnv, key)

partial def serve (stdin out : IO.FS.Stream) (cache : Option (String × Kernel.Environment)) : IO Unit := do
  let line ← stdin.getLine
  if line.isEmpty then return
  -- a blank line is how the runner waits for ARENA-READY: nothing to answer
  if line == "\n" then serve stdin out cache else
  match Json.parse line with
  | .error e => reply out "?" (Json.mkObj [("error", Json.str ("bad request: " ++ e))]); serve stdin out cache
  | .ok j =>
    let a := jarr j
    let id := match jat a 1 with | .str s => s | _ => "?"
    let (base, key) ← baseEnv cache (jat a 2)
    let rec loop (r : Req) : IO (Except String Req) := do
      let l ← stdin.getLine
      if l.isEmpty then return .error "end of input inside a request"
      match Json.parse l with
      | .error e => return .error ("bad line: " ++ e)
      | .ok lj =>
        let la := jarr lj
        if jat la 0 == Json.str "DONE" then return .ok r
        match step r la with
        | .ok r' => loop r'
        | .error e => return .error e
    match (← loop { env := base }) with
    | .error e => reply out id (Json.mkObj [("error", Json.str e)])
    | .ok r =>
      let failure ← match r.failure with
        | some (n, _, some ex) => do pure (Json.mkObj [("name", nameJson n), ("detail", Json.str (← (ex.toMessageData {}).toString))])
        | some (n, msg, none) => pure (Json.mkObj [("name", nameJson n), ("detail", Json.str msg)])
        | none => pure Json.null
      let axioms := if r.failure.isSome then [] else axiomsJson (Environment.ofKernelEnv r.env) r.axiomsOf
      reply out id (Json.mkObj [("added", Json.arr (namesJson (rev r.added [])).toArray), ("failure", failure),
        ("axioms", Json.mkObj axioms)])
    serve stdin out (some (key, base))

public def main (_args : List String) : IO UInt32 := do
  let out ← IO.getStdout
  out.putStrLn "ARENA-READY"
  out.flush
  serve (← IO.getStdin) out none
  return 0
