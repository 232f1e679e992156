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
