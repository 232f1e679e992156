import Lean
open Lean Elab

/-!
The exporter: runs in the sandbox, elaborates the submission through Lean's frontend and writes
every constant of the file as JSON lines on stdout (format: `judge/lean/WIRE.md`), names, levels
and terms hash-consed into numbered tables (`N`, `L`, `E`), then one line per constant, the
messages (`M`), the imports (`I`), a refusal (`R`) if the policy stopped the file, and an end line
carrying the line count and a one-time MAC keyed from stdin.

In the order the file meets them, its defences:
1. the header's imports are checked before `processHeader` (`checkHeader`);
2. every command's syntax is checked before it is elaborated (`Policy`), stopping at the first
   refusal;
3. the compiler entry (`compileDeclsRef`) is replaced before the first command (`gate`): nothing
   submitted is ever compiled, so nothing submitted can run (`#eval`, macros, elaborators,
   `native_decide`, `Lean.reduceBool`, tactic option values all need compiled code);
4. the submission elaborates on a noncomputable base scope that no `end` can close.
Nothing it writes is trusted anyway: the checker validates it and the kernel replays it.
Only our own recursive helpers are used: library functions that are specialised at the call
site cannot be compiled by the offline Lean (exported oleans only).
-/

/-- A binary tree keyed by hash, buckets compared by structural equality. -/
inductive HTree (α : Type) where
  | leaf
  | node (k : UInt64) (v : List (α × Nat)) (l r : HTree α)

def HTree.find {α} : HTree α → UInt64 → List (α × Nat)
  | .leaf, _ => []
  | .node k v l r, h => if h < k then l.find h else if k < h then r.find h else v

def HTree.insert {α} : HTree α → UInt64 → List (α × Nat) → HTree α
  | .leaf, h, v => .node h v .leaf .leaf
  | .node k w l r, h, v => if h < k then .node k w (l.insert h v) r else if k < h then .node k w l (r.insert h v) else .node k v l r

/-- The one-time MAC (a polynomial evaluation hash over the prime 2^61 - 1, keyed `r`, masked
by `s`): every exported byte goes through it, 7 bytes per step with a length marker. -/
def macPrime : Nat := 2305843009213693951

structure Mac where
  r : Nat
  s : Nat
  acc : Nat := 0

partial def macChunk (b : ByteArray) (i stop k : Nat) (v : Nat) : Nat :=
  if i < stop then macChunk b (i + 1) stop (k * 256) (v + (b.get! i).toNat * k) else v + k

partial def macBytes (m : Mac) (b : ByteArray) (i : Nat) : Mac :=
  if i < b.size then
    let stop := if i + 7 < b.size then i + 7 else b.size
    let c := macChunk b i stop 1 0
    macBytes { m with acc := (m.acc + c) * m.r % macPrime } b stop
  else m

def Mac.tag (m : Mac) : Nat := (m.acc + m.s) % macPrime

structure St where
  out : IO.FS.Stream
  mac : Mac
  lines : Nat := 0
  nameIds : HTree Name := .leaf
  levelIds : HTree Level := .leaf
  exprIds : HTree Expr := .leaf
  nNames : Nat := 1
  nLevels : Nat := 1
  nExprs : Nat := 0

abbrev M := StateT St IO

def emit (s : String) : M Unit := do
  let line := s ++ "\n"
  (← get).out.putStr line
  modify fun st => { st with mac := macBytes st.mac line.toUTF8 0, lines := st.lines + 1 }

def jstr (s : String) : String := (Json.str s).compress

def findIn {α} [BEq α] : List (α × Nat) → α → Option Nat
  | [], _ => none
  | (b, i) :: rest, a => if b == a then some i else findIn rest a

partial def nameId (n : Name) : M Nat := do
  match n with
  | .anonymous => return 0
  | _ =>
  let h := n.hash
  let bucket := (← get).nameIds.find h
  match findIn bucket n with
  | some i => return i
  | none =>
    let line ← match n with
      | .str p s => do let pi ← nameId p; pure ("[\"N\"," ++ toString ((← get).nNames) ++ "," ++ toString pi ++ ",\"s\"," ++ jstr s ++ "]")
      | .num p k => do let pi ← nameId p; pure ("[\"N\"," ++ toString ((← get).nNames) ++ "," ++ toString pi ++ ",\"n\"," ++ toString k ++ "]")
      | .anonymous => pure ""
    emit line
    let i := (← get).nNames
    modify fun st => { st with nNames := i + 1, nameIds := st.nameIds.insert h ((n, i) :: bucket) }
    return i

partial def levelId (l : Level) : M Nat := do
  match l with
  | .zero => return 0
  | _ =>
  let h := l.hash
  let bucket := (← get).levelIds.find h
  match findIn bucket l with
  | some i => return i
  | none =>
    let body ← match l with
      | .succ a => do pure ("\"succ\"," ++ toString (← levelId a))
      | .max a b => do let x ← levelId a; let y ← levelId b; pure ("\"max\"," ++ toString x ++ "," ++ toString y)
      | .imax a b => do let x ← levelId a; let y ← levelId b; pure ("\"imax\"," ++ toString x ++ "," ++ toString y)
      | .param n => do pure ("\"param\"," ++ toString (← nameId n))
      | .mvar _ => pure "\"mvar\""
      | .zero => pure ""
    let i := (← get).nLevels
    emit ("[\"L\"," ++ toString i ++ "," ++ body ++ "]")
    modify fun st => { st with nLevels := i + 1, levelIds := st.levelIds.insert h ((l, i) :: bucket) }
    return i

def binfoStr : BinderInfo → String
  | .default => "\"default\""
  | .implicit => "\"implicit\""
  | .strictImplicit => "\"strict\""
  | .instImplicit => "\"inst\""

partial def levelIds : List Level → M String
  | [] => pure ""
  | [l] => do pure (toString (← levelId l))
  | l :: ls => do let a ← levelId l; let b ← levelIds ls; pure (toString a ++ "," ++ b)

partial def exprId (e : Expr) : M Nat := do
  let h := e.hash
  let bucket := (← get).exprIds.find h
  match findIn bucket e with
  | some i => return i
  | none =>
    let body ← match e with
      | .bvar k => pure ("\"bvar\"," ++ toString k)
      | .sort l => do pure ("\"sort\"," ++ toString (← levelId l))
      | .const n ls => do let ni ← nameId n; let li ← levelIds ls; pure ("\"const\"," ++ toString ni ++ ",[" ++ li ++ "]")
      | .app f a => do let x ← exprId f; let y ← exprId a; pure ("\"app\"," ++ toString x ++ "," ++ toString y)
      | .lam n t b bi => do let ni ← nameId n; let x ← exprId t; let y ← exprId b; pure ("\"lam\"," ++ toString ni ++ "," ++ toString x ++ "," ++ toString y ++ "," ++ binfoStr bi)
      | .forallE n t b bi => do let ni ← nameId n; let x ← exprId t; let y ← exprId b; pure ("\"pi\"," ++ toString ni ++ "," ++ toString x ++ "," ++ toString y ++ "," ++ binfoStr bi)
      | .letE n t v b nd => do let ni ← nameId n; let x ← exprId t; let y ← exprId v; let z ← exprId b; pure ("\"let\"," ++ toString ni ++ "," ++ toString x ++ "," ++ toString y ++ "," ++ toString z ++ "," ++ (if nd then "true" else "false"))
      | .lit (.natVal k) => pure ("\"nat\",\"" ++ toString k ++ "\"")
      | .lit (.strVal s) => pure ("\"str\"," ++ jstr s)
      | .mdata _ b => do pure ("\"mdata\"," ++ toString (← exprId b))
      | .proj n k b => do let ni ← nameId n; let x ← exprId b; pure ("\"proj\"," ++ toString ni ++ "," ++ toString k ++ "," ++ toString x)
      | .fvar _ => pure "\"fvar\""
      | .mvar _ => pure "\"mvar\""
    let i := (← get).nExprs
    emit ("[\"E\"," ++ toString i ++ "," ++ body ++ "]")
    modify fun st => { st with nExprs := i + 1, exprIds := st.exprIds.insert h ((e, i) :: bucket) }
    return i

partial def nameIds : List Name → M String
  | [] => pure ""
  | [n] => do pure (toString (← nameId n))
  | n :: ns => do let a ← nameId n; let b ← nameIds ns; pure (toString a ++ "," ++ b)

def safetyStr : DefinitionSafety → String
  | .safe => "\"safe\"" | .unsafe => "\"unsafe\"" | .partial => "\"partial\""

def hintsStr : ReducibilityHints → String
  | .opaque => "\"opaque\"" | .abbrev => "\"abbrev\"" | .regular h => toString h

def boolStr (b : Bool) : String := if b then "true" else "false"

partial def ruleStrs : List RecursorRule → M String
  | [] => pure ""
  | r :: rs => do
    let cn ← nameId r.ctor
    let rhs ← exprId r.rhs
    let rest ← ruleStrs rs
    pure ("[" ++ toString cn ++ "," ++ toString r.nfields ++ "," ++ toString rhs ++ "]" ++ (if rest.isEmpty then "" else "," ++ rest))

def exportConst (env : Environment) (c : ConstantInfo) : M Unit := do
  let n ← nameId c.name
  let lps ← nameIds c.levelParams
  let ty ← exprId c.type
  let head := toString n ++ ",[" ++ lps ++ "]," ++ toString ty
  let attrs := "{\"implemented_by\":" ++ boolStr (Compiler.getImplementedBy? env c.name).isSome ++ ",\"extern\":" ++ boolStr (isExtern env c.name) ++ ",\"export\":" ++ boolStr (getExportNameFor? env c.name).isSome ++ "}"
  match c with
  | .axiomInfo v => emit ("[\"axiom\"," ++ head ++ "," ++ boolStr v.isUnsafe ++ "," ++ attrs ++ "]")
  | .defnInfo v => do
    let x ← exprId v.value
    let all ← nameIds v.all
    emit ("[\"def\"," ++ head ++ "," ++ toString x ++ "," ++ safetyStr v.safety ++ ",[" ++ all ++ "]," ++ hintsStr v.hints ++ "," ++ attrs ++ "]")
  | .thmInfo v => do let x ← exprId v.value; let all ← nameIds v.all; emit ("[\"thm\"," ++ head ++ "," ++ toString x ++ ",[" ++ all ++ "]," ++ attrs ++ "]")
  | .opaqueInfo v => do let x ← exprId v.value; let all ← nameIds v.all; emit ("[\"opaque\"," ++ head ++ "," ++ toString x ++ "," ++ boolStr v.isUnsafe ++ ",[" ++ all ++ "]," ++ attrs ++ "]")
  | .quotInfo _ => emit ("[\"quot\"," ++ head ++ "]")
  | .inductInfo v => do let all ← nameIds v.all; let cs ← nameIds v.ctors; emit ("[\"induct\"," ++ head ++ "," ++ toString v.numParams ++ "," ++ toString v.numIndices ++ ",[" ++ all ++ "],[" ++ cs ++ "]," ++ toString v.numNested ++ "," ++ boolStr v.isRec ++ "," ++ boolStr v.isUnsafe ++ "," ++ boolStr v.isReflexive ++ "]")
  | .ctorInfo v => do let ind ← nameId v.induct; emit ("[\"ctor\"," ++ head ++ "," ++ toString ind ++ "," ++ toString v.cidx ++ "," ++ toString v.numParams ++ "," ++ toString v.numFields ++ "," ++ boolStr v.isUnsafe ++ "]")
  | .recInfo v => do
    let all ← nameIds v.all
    let rules ← ruleStrs v.rules
    emit ("[\"rec\"," ++ head ++ ",[" ++ all ++ "]," ++ toString v.numParams ++ "," ++ toString v.numIndices ++ "," ++ toString v.numMotives ++ "," ++ toString v.numMinors ++ ",[" ++ rules ++ "]," ++ boolStr v.k ++ "," ++ boolStr v.isUnsafe ++ "]")

partial def emitMsgs : List Message → M Unit
  | [] => pure ()
  | m :: ms => do emit ("[\"M\"," ++ (← m.toJson).compress ++ "]"); emitMsgs ms

mutual
partial def walkNode (env : Environment) (n : PersistentHashMap.Node Name ConstantInfo) : M Unit := do
  match n with
  | .entries es => walkEntries env es 0
  | .collision _ vs _ => walkPairs env vs 0
partial def walkEntries (env : Environment) (es : Array (PersistentHashMap.Entry Name ConstantInfo (PersistentHashMap.Node Name ConstantInfo))) (i : Nat) : M Unit := do
  if h : i < es.size then
    match es[i] with
      | .entry _ c => exportConst env c
      | .ref n => walkNode env n
      | .null => pure ()
    walkEntries env es (i + 1)
partial def walkPairs (env : Environment) (vs : Array ConstantInfo) (i : Nat) : M Unit := do
  if h : i < vs.size then
    exportConst env vs[i]
    walkPairs env vs (i + 1)
end

partial def emitImports : List Import → M Unit
  | [] => pure ()
  | imp :: rest => do
    let i ← nameId imp.module
    emit ("[\"I\"," ++ toString i ++ "]")
    emitImports rest

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

/-! ## The syntax policy

Each command is checked before it is elaborated; the first refusal stops the file. Allowed
commands, options and attributes are listed; term and tactic kinds that evaluate code are
denied wherever they appear; tactic option values must be literals. -/

def allowedCommands : List String := [
  "Lean.Parser.Command.declaration", "Lean.Parser.Command.mutual", "Lean.Parser.Command.namespace",
  "Lean.Parser.Command.section", "Lean.Parser.Command.end", "Lean.Parser.Command.open",
  "Lean.Parser.Command.variable", "Lean.Parser.Command.universe", "Lean.Parser.Command.set_option",
  "Lean.Parser.Command.attribute", "Lean.Parser.Command.check", "Lean.Parser.Command.check_failure",
  "Lean.Parser.Command.print", "Lean.Parser.Command.reduce", "Lean.Parser.Command.synth",
  "Lean.Parser.Command.in", "Lean.Parser.Command.noncomputableSection",
  "Lean.Parser.Command.deriving", "Lean.Parser.Command.export", "Lean.Parser.Command.omit",
  "Lean.Parser.Command.include", "Lean.Parser.Command.moduleDoc", "Lean.guardMsgsCmd"]

/-- Term and tactic kinds that run code or leave the kernel's judgement (last component). -/
def deniedKinds : List String := [
  "eval", "evalBang", "nativeDecide", "unsafe", "runTac", "byElab", "runElab", "runMeta",
  "runCmd", "evalTactic", "exit", "elabRules", "macroRules", "syntax", "macro", "elab",
  "notation", "mixfix", "initialize", "declare_syntax_cat", "syntaxAbbrev", "syntaxCat"]

def allowedOptionPrefixes : List String := [
  "maxHeartbeats", "maxRecDepth", "synthInstance.maxHeartbeats", "synthInstance.maxSize",
  "maxSynthPendingDepth", "linter.", "pp.", "trace.", "autoImplicit", "relaxedAutoImplicit",
  "simprocs", "diagnostics", "exponentiation.threshold", "grind.warning", "tactic.simp.trace",
  "backward.", "warningAsError", "tactic.hygienic"]

def allowedAttributes : List String := [
  "simp", "reducible", "irreducible", "semireducible", "instance", "default_instance", "inline",
  "noinline", "macro_inline", "always_inline", "specialize", "nospecialize", "match_pattern",
  "ext", "refl", "symm", "trans", "congr", "induction_eliminator", "cases_eliminator",
  "elab_as_elim", "deprecated", "inherit_doc", "grind", "norm_cast", "push_cast", "expose",
  "local", "scoped", "wf_preprocess", "method_specs", "simp_arith", "class", "nolint",
  -- a compiler rewrite and a coercion's display: they act on compiled code and printing only
  "csimp", "coe"]

/-- Identifiers that name native evaluation or unsafe escapes (last component). -/
def deniedIdents : List String := [
  "reduceBool", "reduceNat", "ofReduceBool", "ofReduceNat", "trustCompiler", "unsafeIO",
  "unsafeBaseIO", "unsafeEIO", "unsafeCast", "unsafePerformIO", "implemented_by", "extern"]

partial def inList (s : String) : List String → Bool
  | [] => false
  | x :: xs => s == x || inList s xs

partial def hasPrefixIn (s : String) : List String → Bool
  | [] => false
  | p :: ps => s.startsWith p || hasPrefixIn s ps

partial def nameDepth : Name → Nat
  | .anonymous => 0
  | .str p _ => nameDepth p + 1
  | .num p _ => nameDepth p + 1

/-- A refusal: the syntax it is about and what to tell the user. -/
structure Refusal where
  ref : Syntax
  what : String
  why : String

mutual
partial def firstAtom (stx : Syntax) : Option String :=
  match stx with
  | .atom _ v => some v
  | .node _ _ args => firstAtomIn args 0
  | .ident _ _ v _ => some v.toString
  | .missing => none
partial def firstAtomIn (args : Array Syntax) (i : Nat) : Option String :=
  if h : i < args.size then
    match firstAtom args[i] with
    | some v => some v
    | none => firstAtomIn args (i + 1)
  else none
end

mutual
partial def hasAtom (a : String) (stx : Syntax) : Bool :=
  match stx with
  | .atom _ v => v == a
  | .node _ _ args => hasAtomIn a args 0
  | _ => false
partial def hasAtomIn (a : String) (args : Array Syntax) (i : Nat) : Bool :=
  if h : i < args.size then hasAtom a args[i] || hasAtomIn a args (i + 1) else false
end

def describe (stx : Syntax) : String := "`" ++ (firstAtom stx).getD stx.getKind.toString ++ "`"

def refuse (stx : Syntax) (why : String) : Except Refusal Unit :=
  .error { ref := stx, what := describe stx, why }

/-- A tactic option value must be a literal: a number, a string, `true`/`false`, a `.ctor`, a
name, or a structure instance whose fields are literals. -/
partial def isLiteral (stx : Syntax) : Bool :=
  match stx with
  | .atom _ _ => true
  | .ident _ _ _ _ => true
  | .missing => true
  | .node _ k args =>
    let kind := lastComponent k
    if inList kind ["num", "str", "scientific", "char", "dotIdent", "structInst", "structInstFields",
        "structInstField", "structInstLVal", "structInstFieldDef", "optEllipsis", "null", "paren",
        "hygienicLParen", "hygieneInfo", "typeAscription", "negNum"] then
      allLiteral args 0
    else false
where allLiteral (args : Array Syntax) (i : Nat) : Bool :=
  if h : i < args.size then isLiteral args[i] && allLiteral args (i + 1) else true

mutual
partial def checkNode (stx : Syntax) : Except Refusal Unit := do
  match stx with
  | .ident _ _ v _ =>
    if inList (lastComponent v) deniedIdents then
      refuse stx "it evaluates compiled code or escapes the kernel; prove it instead"
    if nameDepth v > 64 then refuse stx "the name has too many components"
  | .node _ k args =>
    let kind := lastComponent k
    if inList kind deniedKinds then
      refuse stx "it runs code while the file is checked; remove it"
    if kind == "set_option" then
      let opt := (args.getD 1 .missing).getId.toString
      unless hasPrefixIn opt allowedOptionPrefixes do
        refuse stx ("the option `" ++ opt ++ "` is not allowed; remove it")
    if kind == "attrInstance" then
      checkAttribute (args.getD 1 .missing)
    if kind == "valConfigItem" then
      unless isLiteral (args.getD 3 .missing) do
        refuse stx "tactic option values must be literals (numbers, `true`/`false`, names)"
    if kind == "posConfigItem" || kind == "negConfigItem" then
      if (args.getD 1 .missing).getId.toString == "native" then
        refuse stx "`+native` runs compiled code; prove it instead"
    checkArgs args 0
  | _ => pure ()
partial def checkArgs (args : Array Syntax) (i : Nat) : Except Refusal Unit := do
  if h : i < args.size then
    checkNode args[i]
    checkArgs args (i + 1)
partial def checkAttribute (attr : Syntax) : Except Refusal Unit := do
  let kind := lastComponent attr.getKind
  let name := if kind == "simple" then (attr.getArg 0).getId.toString else kind
  unless inList name allowedAttributes do
    refuse attr ("the attribute `" ++ name ++ "` is not allowed; remove it")
end

/-- `seal f` / `unseal f` (also as `unseal f in`): Init's `syntax` (its kind is generated, so it
is known by its keyword) for `attribute [local irreducible/semireducible] f`; nothing runs. -/
def isSealCommand (stx : Syntax) : Bool :=
  stx.getKind.toString.startsWith "Lean.Parser." &&
    inList ((firstAtom stx).getD "") ["seal", "unseal", "seal ", "unseal "]

/-- The command itself, then every command nested in it (`… in`, `#guard_msgs in`, `mutual`). -/
partial def checkCommand (stx : Syntax) : Except Refusal Unit := do
  let kind := stx.getKind.toString
  if kind == "Lean.Parser.Command.printAxioms" then
    refuse stx "`#print axioms` works only on native Lean (the offline one refuses it in a module); remove it"
  unless inList kind allowedCommands || isSealCommand stx do
    refuse stx "this command is not allowed in a submission; remove it"
  if kind == "Lean.Parser.Command.declaration" && hasAtom "unsafe" (stx.getArg 0) then
    refuse stx "`unsafe` code is not allowed"
  if kind == "Lean.Parser.Command.in" then
    checkCommand (stx.getArg 0)
    checkCommand (stx.getArg 2)
  if kind == "Lean.guardMsgsCmd" then
    checkCommand (stx.getArg (stx.getNumArgs - 1))
  if kind == "Lean.Parser.Command.mutual" then
    checkEach (stx.getArg 1).getArgs 0
  checkNode stx
where checkEach (cmds : Array Syntax) (i : Nat) : Except Refusal Unit := do
  if h : i < cmds.size then
    checkCommand cmds[i]
    checkEach cmds (i + 1)

/-- The header: no `prelude`, no `import all`/`meta import`, only the problem's modules. -/
partial def checkImports (allowed : List String) (args : Array Syntax) (i : Nat) : Except Refusal Unit := do
  if h : i < args.size then
    let imp := args[i]
    match imp with
    | .node _ k parts =>
      if lastComponent k == "import" then
        let atoms := atomsOf parts 0 []
        if inList "all" atoms then refuse imp "`import all` is not allowed"
        if inList "meta" atoms then refuse imp "`meta import` is not allowed"
        let m := (identOf parts 0).toString
        unless inList m allowed do
          refuse imp ("the module `" ++ m ++ "` is not among the problem's imports")
      else checkImports allowed parts 0
    | .atom _ "prelude" => refuse imp "`prelude` is not allowed: the file must import Init"
    | _ => pure ()
    checkImports allowed args (i + 1)
where
  atomsOf (parts : Array Syntax) (j : Nat) (acc : List String) : List String :=
    if h : j < parts.size then
      match parts[j] with
      | .atom _ v => atomsOf parts (j + 1) (v :: acc)
      | .node _ _ sub => atomsOf parts (j + 1) (atomsOf sub 0 acc)
      | _ => atomsOf parts (j + 1) acc
    else acc
  identOf (parts : Array Syntax) (j : Nat) : Name :=
    if h : j < parts.size then
      match parts[j] with
      | .ident _ _ v _ => v
      | _ => identOf parts (j + 1)
    else .anonymous


/-! ## The run -/

def positionOf (fileMap : FileMap) (stx : Syntax) : Position :=
  fileMap.toPosition ((stx.getPos?).getD 0)

def refusalRow (fileMap : FileMap) (r : Refusal) : String :=
  let pos := positionOf fileMap r.ref
  "[\"R\"," ++ jstr r.what ++ "," ++ toString pos.line ++ "," ++ toString pos.column ++ "," ++ jstr r.why ++ "]"

partial def scopeDepth : List Command.Scope → Nat
  | [] => 0
  | _ :: ss => scopeDepth ss + 1

partial def appendMsgs (acc : List Message) : List Message → List Message
  | [] => acc
  | m :: ms => appendMsgs (m :: acc) ms

/-- Parse, check, elaborate, one command at a time. Messages are collected newest first. -/
partial def elabLoop (inputCtx : Parser.InputContext) (ps : Parser.ModuleParserState)
    (st : Command.State) (msgs : List Message) : IO (Command.State × List Message × Option Refusal) := do
  let scope := match st.scopes with | s :: _ => s | [] => { header := "" }
  let pmctx : Parser.ParserModuleContext :=
    { env := st.env, options := scope.opts, currNamespace := scope.currNamespace, openDecls := scope.openDecls }
  let (cmd, ps', parseMsgs) := Parser.parseCommand inputCtx pmctx ps {}
  let msgs := appendMsgs msgs parseMsgs.toList
  -- `#exit` counts as the end of input to the parser: refused, not obeyed
  if cmd.getKind == `Lean.Parser.Command.exit then
    return (st, msgs, some { ref := cmd, what := "`#exit`", why := "it would skip the rest of the file; remove it" })
  if Parser.isTerminalCommand cmd then return (st, msgs, none)
  match checkCommand cmd with
  | .error r => return (st, msgs, some r)
  | .ok () =>
  -- the base scope is the submission's: an `end` may close only what the file opened
  if cmd.getKind == `Lean.Parser.Command.end && scopeDepth st.scopes ≤ 1 then
    return (st, msgs, some { ref := cmd, what := "`end`", why := "it closes no `section` or `namespace` of the file; remove it" })
  let ctx : Command.Context := { fileName := inputCtx.fileName, fileMap := inputCtx.fileMap, snap? := none, cancelTk? := none }
  match ← ((Command.elabCommandTopLevel cmd).run ctx |>.run { st with messages := {} }).toBaseIO with
  | .ok ((), st') => elabLoop inputCtx ps' st' (appendMsgs msgs st'.messages.toList)
  | .error _ => elabLoop inputCtx ps' st msgs

partial def rev {α} : List α → List α → List α
  | [], acc => acc
  | x :: xs, acc => rev xs (x :: acc)

/-- `go <r> <s> <module>…` on stdin: the MAC key and the problem's imports. -/
partial def wordsGo (b : ByteArray) (i start : Nat) (acc : List String) : List String :=
  let cut := fun (acc : List String) =>
    if start < i then (String.fromUTF8! (b.extract start i)) :: acc else acc
  if i ≥ b.size then rev (cut acc) []
  else if b.get! i == 32 || b.get! i == 10 then wordsGo b (i + 1) (i + 1) (cut acc)
  else wordsGo b (i + 1) start acc

def words (s : String) : List String := wordsGo s.toUTF8 0 0 []

/-- A header's atoms and names in order (reversed): two headers with the same words import the
same modules the same way, whatever their spacing and comments. -/
partial def headerWords (stx : Syntax) (acc : List String) : List String :=
  match stx with
  | .atom _ v => v :: acc
  | .ident _ _ n _ => n.toString :: acc
  | .node _ _ args => go args 0 acc
  | .missing => acc
where go (args : Array Syntax) (j : Nat) (acc : List String) : List String :=
  if h : j < args.size then go args (j + 1) (headerWords args[j] acc) else acc

partial def sameWords : List String → List String → Bool
  | [], [] => true
  | x :: xs, y :: ys => x == y && sameWords xs ys
  | _, _ => false

partial def importLines : List String → String → String
  | [], acc => acc
  | m :: ms, acc => importLines ms (acc ++ "import " ++ m ++ "\n")

/-- The environment of the header `import M…` for the modules this exporter was started with,
loaded before its job (importing Mathlib costs seconds): used only for a file whose header has
exactly those words, which `processHeader` would turn into the same environment. Nothing of the
submission exists yet. -/
structure Preloaded where
  words : List String
  env : Environment
  msgs : MessageLog

def preloadHeader (mods : List String) (opts : Options) : IO (Option Preloaded) := do
  match mods with
  | [] => pure none
  | _ =>
    let text := importLines mods ""
    let ctx : Parser.InputContext := { inputString := text, fileName := "Sol.lean", fileMap := text.toFileMap }
    let (header, _, msgs) ← Parser.parseHeader ctx
    let (env, msgs) ← processHeader header opts msgs ctx (mainModule := `Sol)
    pure (some { words := headerWords header [], env, msgs })

/-! ## Probes: counterexamples and test checks

After the file, in a fresh root scope (no `namespace`, `open` or `variable` of the file), each
probe instantiates a spec theorem of the file with concrete inputs (Lean terms the runner
sends), optionally puts an output in place of the implementation's application to those inputs
(a problem's test), negates it when asked, and tries to prove the result by evaluation
(`decide`, or the tactics the request lists: nothing is compiled). A proved probe becomes a theorem named
under the job's nonce, exported in a section of its own with its own MAC; the trusted side
checks its statement against the reference's and replays it. Nothing here is trusted. -/

structure Probe where
  thm : Name
  defn : Name
  args : List String
  out : Option String
  neg : Bool
  value : Bool
  whenClean : Bool  -- run only on a file that leaves nothing unproved (a spec audit)

structure ProbeRequest where
  r : Nat
  s : Nat
  nonce : String
  onlyIfUnclean : Bool
  stopAtFirst : Bool
  budgetMs : Nat
  heartbeats : Nat
  tactics : List String
  probes : List Probe

def jsonField (j : Json) (k : String) : Json := (j.getObjVal? k).toOption.getD Json.null

def jsonStr (j : Json) : String := (j.getStr?).toOption.getD ""

def jsonNatStr (j : Json) : Nat := (jsonStr j).toNat!

def jsonNat (j : Json) : Nat := (j.getNat?).toOption.getD 0

def jsonBool (j : Json) : Bool := (j.getBool?).toOption.getD false

partial def jsonStrs : List Json → List String
  | [] => []
  | j :: js => jsonStr j :: jsonStrs js

def jsonList (j : Json) : List Json := ((j.getArr?).toOption.getD #[]).toList

def parseProbe (j : Json) : Probe :=
  let out := jsonField j "out"
  { thm := (jsonStr (jsonField j "thm")).toName, defn := (jsonStr (jsonField j "defn")).toName,
    args := jsonStrs (jsonList (jsonField j "args")),
    out := if out.isNull then none else some (jsonStr out),
    neg := jsonBool (jsonField j "neg"), value := jsonBool (jsonField j "value"),
    whenClean := jsonBool (jsonField j "when_clean") }

partial def parseProbes : List Json → List Probe
  | [] => []
  | j :: js => parseProbe j :: parseProbes js

/-- The second stdin line: `probes <json>` (`probes {}`: none). -/
def parseProbeRequest (line : String) : Option ProbeRequest :=
  match words line with
  | "probes" :: _ =>
    match Json.parse (line.drop 7).toString with
    | .ok j =>
      if jsonStr (jsonField j "nonce") == "" then none else
      some { r := jsonNatStr (jsonField j "r"), s := jsonNatStr (jsonField j "s"),
             nonce := jsonStr (jsonField j "nonce"),
             onlyIfUnclean := jsonBool (jsonField j "only_if_unclean"),
             stopAtFirst := jsonBool (jsonField j "stop_at_first"),
             budgetMs := jsonNat (jsonField j "budget_ms"),
             heartbeats := jsonNat (jsonField j "heartbeats"),
             tactics := jsonStrs (jsonList (jsonField j "tactics")),
             probes := parseProbes (jsonList (jsonField j "probes")) }
    | .error _ => none
  | _ => none

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
