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
