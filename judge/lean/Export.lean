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
  "backward.", "warningAsError"]

def allowedAttributes : List String := [
  "simp", "reducible", "irreducible", "semireducible", "instance", "default_instance", "inline",
  "noinline", "macro_inline", "always_inline", "specialize", "nospecialize", "match_pattern",
  "ext", "refl", "symm", "trans", "congr", "induction_eliminator", "cases_eliminator",
  "elab_as_elim", "deprecated", "inherit_doc", "grind", "norm_cast", "push_cast", "expose",
  "local", "scoped", "wf_preprocess", "method_specs", "simp_arith", "class", "nolint"]

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

/-- The command itself, then every command nested in it (`… in`, `#guard_msgs in`, `mutual`). -/
partial def checkCommand (stx : Syntax) : Except Refusal Unit := do
  let kind := stx.getKind.toString
  if kind == "Lean.Parser.Command.printAxioms" then
    refuse stx "`#print axioms` works only on native Lean (the offline one refuses it in a module); remove it"
  unless inList kind allowedCommands do
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

/-- One job: once the runner says go, elaborates `Sol.lean` (read afresh, on the environment
`processHeader` makes afresh) and writes its export on stdout, `BEGIN` to `END`. False when
stdin is closed: no more jobs. -/
def exportJob (preloaded : Option Preloaded) (opts : Options) : IO Bool := do
  let stderr ← IO.getStderr
  stderr.putStrLn "ARENA-EXPORTER-WAITING"
  stderr.flush
  let go ← (← IO.getStdin).getLine
  if go.isEmpty then return false
  let (r, s, allowed) ← match words go with
    | "go" :: r :: s :: mods => pure (r.toNat!, s.toNat!, "Init" :: mods)
    | _ => throw (IO.userError "bad go line")
  -- before anything of the file is read: nothing submitted is ever compiled
  let compile ← compileDeclsRef.get
  compileDeclsRef.set (gate compile)
  let input ← IO.FS.readFile "Sol.lean"
  let inputCtx : Parser.InputContext := { inputString := input, fileName := "Sol.lean", fileMap := input.toFileMap }
  let (header, parserState, headerMsgs) ← Parser.parseHeader inputCtx
  let stdout ← IO.getStdout
  let st0 : St := { out := stdout, mac := { r, s } }
  let ((), st) ← (do
    emit "[\"BEGIN\"]"
    -- on its way before the file's first command: an export cut short is then seen begun
    stdout.flush
    match checkImports allowed #[header] 0 with
    | .error refusal =>
      emitMsgs headerMsgs.toList
      emit (refusalRow inputCtx.fileMap refusal)
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
      | some r => emit (refusalRow inputCtx.fileMap r)
      | none =>
        let env := cmdState.env
        emitImports env.header.imports.toList
        walkNode env env.constants.map₂.root
    : M Unit).run st0
  stdout.putStrLn ("[\"END\"," ++ toString st.lines ++ ",\"" ++ toString st.mac.tag ++ "\"]")
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
