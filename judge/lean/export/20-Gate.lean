/-! ## The compiler gate

Lean runs code only through compiled declarations (the IR interpreter or native code), and every
compilation goes through `compileDeclsRef`. The gate compiles a batch only when each declaration
is a tactic option value: a definition whose type is an imported configuration structure
(`Lean.Meta.Simp.Config`, `DecideConfig`, …) and whose value mentions only imported, safe
constants. Anything else is left uncompiled, silently: on the noncomputable base scope an
uncompiled definition is simply noncomputable, and whatever later tries to run it (`#eval`, a
macro, an elaborator, `native_decide`, `Lean.reduceBool`) finds no code and fails. -/

def lastComponent : Name → String
  | .str _ s => s
  | _ => ""

partial def containsSub (s sub : String) (i : Nat) : Bool :=
  if i + sub.length > s.length then false
  else if (s.drop i).startsWith sub then true else containsSub s sub (i + 1)

def isConfigStructure (env : Environment) (ty : Expr) : Bool :=
  match ty with
  | .const c [] =>
    (env.getModuleIdxFor? c).isSome && isStructure env c && containsSub (lastComponent c) "Config" 0
  | _ => false

/-- Every constant of `e` imported and safe; at most `budget` nodes visited (configurations
are small: a big value is refused, not walked). -/
partial def onlyImportedSafe (env : Environment) (e : Expr) (budget : Nat) : Option Nat :=
  if budget == 0 then none else
  match e with
  | .const c _ =>
    match env.getModuleIdxFor? c, env.find? c with
    | some _, some info => if info.isUnsafe then none else some (budget - 1)
    | _, _ => none
  | .app f a => do let b ← onlyImportedSafe env f (budget - 1); onlyImportedSafe env a b
  | .lam _ t b _ => do let x ← onlyImportedSafe env t (budget - 1); onlyImportedSafe env b x
  | .forallE _ t b _ => do let x ← onlyImportedSafe env t (budget - 1); onlyImportedSafe env b x
  | .letE _ t v b _ => do
    let x ← onlyImportedSafe env t (budget - 1)
    let y ← onlyImportedSafe env v x
    onlyImportedSafe env b y
  | .mdata _ b => onlyImportedSafe env b (budget - 1)
  | .proj _ _ b => onlyImportedSafe env b (budget - 1)
  | .fvar _ | .mvar _ => none
  | _ => some (budget - 1)

def safeToRun (env : Environment) (n : Name) : Bool :=
  match env.find? n with
  | some (.defnInfo v) =>
    -- Lean declares these values `unsafe` (evalExpr allows unsafe code): what counts is that
    -- the value itself mentions only imported safe constants
    isConfigStructure env v.type && (onlyImportedSafe env v.value 10000).isSome
  | _ => false

partial def allSafeToRun (env : Environment) : List Name → Bool
  | [] => true
  | n :: ns => safeToRun env n && allSafeToRun env ns

def gate (compile : Array Name → CoreM Unit) (names : Array Name) : CoreM Unit := do
  if allSafeToRun (← getEnv) names.toList then compile names
