import Lean
open Lean Elab

/-!
The exporter: runs in the sandbox, elaborates the submission through Lean's frontend and writes
every constant of the file as JSON lines, names, levels and terms hash-consed into numbered
tables (`N`, `L`, `E`), then one line per constant, the messages (`M`) and the imports (`I`).
Nothing it writes is trusted: the checker validates it and the kernel replays it.
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

structure St where
  out : IO.FS.Stream
  nameIds : HTree Name := .leaf
  levelIds : HTree Level := .leaf
  exprIds : HTree Expr := .leaf
  nNames : Nat := 1
  nLevels : Nat := 1
  nExprs : Nat := 0

abbrev M := StateT St IO

def emit (s : String) : M Unit := do (← get).out.putStrLn s

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

partial def emitMsgs (out : IO.FS.Stream) : List Message → IO Unit
  | [] => pure ()
  | m :: ms => do out.putStrLn ("[\"M\"," ++ (← m.toJson).compress ++ "]"); emitMsgs out ms

mutual
partial def walkNode (env : Environment) (n : PersistentHashMap.Node Name ConstantInfo) (st : St) : IO St := do
  match n with
  | .entries es => walkEntries env es 0 st
  | .collision ks vs _ => walkPairs env ks vs 0 st
partial def walkEntries (env : Environment) (es : Array (PersistentHashMap.Entry Name ConstantInfo (PersistentHashMap.Node Name ConstantInfo))) (i : Nat) (st : St) : IO St := do
  if h : i < es.size then
    let st ← match es[i] with
      | .entry _ c => do let ((), st') ← (exportConst env c).run st; pure st'
      | .ref n => walkNode env n st
      | .null => pure st
    walkEntries env es (i + 1) st
  else pure st
partial def walkPairs (env : Environment) (ks : Array Name) (vs : Array ConstantInfo) (i : Nat) (st : St) : IO St := do
  if h : i < vs.size then
    let ((), st') ← (exportConst env vs[i]).run st
    walkPairs env ks vs (i + 1) st'
  else pure st
end

partial def emitImports (imps : List Import) (st : St) : IO St := do
  match imps with
  | [] => pure st
  | imp :: rest => do
    let (i, st') ← (nameId imp.module).run st
    st'.out.putStrLn ("[\"I\"," ++ toString i ++ "]")
    emitImports rest st'

/-- Elaborates `Sol.lean` once the runner says go, then writes `export.jsonl`. Code generation
plays no part in a verdict (and fails offline for most library functions), so the user's commands
run inside a `noncomputable section` opened from a separate input: their line numbers stay theirs. -/
public def main (_args : List String) : IO UInt32 := do
  let stderr ← IO.getStderr
  stderr.putStrLn "ARENA-EXPORTER-WAITING"
  stderr.flush
  let stdin ← IO.getStdin
  let _ ← stdin.getLine
  let input ← IO.FS.readFile "Sol.lean"
  let inputCtx : Parser.InputContext := { inputString := input, fileName := "Sol.lean", fileMap := input.toFileMap }
  let opts : Options := Elab.async.set {} false
  let (header, parserState, messages) ← Parser.parseHeader inputCtx
  let (env, messages) ← processHeader header opts messages inputCtx (mainModule := `Sol)
  let prelude := "noncomputable section\n"
  let preludeCtx : Parser.InputContext := { inputString := prelude, fileName := "<arena>", fileMap := prelude.toFileMap }
  let s ← IO.processCommands preludeCtx {} (Command.mkState env messages opts)
  let s ← IO.processCommands inputCtx parserState s.commandState
  let cmdState := s.commandState
  let out ← IO.FS.Handle.mk "export.jsonl" .write
  let outS := IO.FS.Stream.ofHandle out
  emitMsgs outS cmdState.messages.toList
  let env := cmdState.env
  let st ← emitImports env.header.imports.toList { out := outS }
  let _ ← walkNode env env.constants.map₂.root st
  outS.putStrLn "[\"END\"]"
  out.flush
  return 0
