import Lean
open Lean Elab

/-!
The exporter: runs in the sandbox, elaborates the submission through Lean's frontend and writes
every constant of the file as JSON lines on stdout (format: `judge/lean/WIRE.md`), names, levels
and terms hash-consed into numbered tables (`N`, `L`, `E`), then one line per constant, the
messages (`M`), the imports (`I`), a refusal (`R`) if the policy stopped the file, and an end line
carrying the line count and a one-time MAC keyed from stdin.

In the order the file meets them, its defences:
1. the header's imports are checked before `processHeader` (`checkImports`, 30-Policy.lean);
2. every command's syntax is checked before it is elaborated (`checkCommand`, 30-Policy.lean),
   stopping at the first refusal;
3. the compiler entry (`compileDeclsRef`) is replaced before the first command (`gate`,
   20-Gate.lean): nothing submitted is ever compiled, so nothing submitted can run (`#eval`,
   macros, elaborators, `native_decide`, `Lean.reduceBool`, tactic option values all need
   compiled code);
4. the submission elaborates on a noncomputable base scope that no `end` can close
   (`elabLoop`, 40-Elab.lean).
Nothing it writes is trusted anyway: the checker validates it and the kernel replays it.
Only our own recursive helpers are used: library functions that are specialised at the call
site cannot be compiled by the offline Lean (exported oleans only).

The program is this folder's parts joined in the order of their names
(`judge/exporter_program.py`): the export's output (here), the gate, the policy, the
elaboration, the probes' request and run, the job loop.
-/

/-! ## The output: hash-consed tables, the MAC, one row per constant -/

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
