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
