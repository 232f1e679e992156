"""The trusted half of the counterexample search, without Lean: the inputs it chooses, the
structural comparison of a refutation with the reference statement, what a verdict becomes,
and the probe section's framing. The real search runs in test_counterexamples_lean.py."""

from __future__ import annotations

import itertools
import json

import pytest

from judge import probe_inputs
from judge.counterexamples import (
    GENERATED_PER_THEOREM,
    Probe,
    ProbeRequest,
    closure,
    match_instance,
    prop_definitions,
    render,
    tactics_for,
)
from judge.export_auth import ExportKey, ExportTampered, authenticate_sections, sign, tag
from judge.export_format import MAX_NAT_DIGITS, Constant, Export, ExportLimit, Interner, parse_export
from judge.pipeline import _wrong_answer
from judge.results import JudgeResult, Verdict


class Terms:
    """Builds interned terms by hand."""

    def __init__(self) -> None:
        self.i = Interner()

    def const(self, name: str) -> int:
        return self.i.expr(("const", tuple(name.split(".")), ()))

    def app(self, f: int, *args: int) -> int:
        for a in args:
            f = self.i.expr(("app", f, a))
        return f

    def pi(self, name: str, ty: int, body: int) -> int:
        return self.i.expr(("pi", (name,), ty, body, "default"))

    def bvar(self, k: int) -> int:
        return self.i.expr(("bvar", k))

    def num(self, n: int, ty: str = "Int") -> int:
        return self.app(self.const("OfNat.ofNat"), self.const(ty), self.i.expr(("nat", str(n))), self.const("inst"))

    def not_(self, x: int) -> int:
        return self.app(self.const("Not"), x)


@pytest.fixture
def t():
    return Terms()


def spec(t: Terms, f: str = "solveAdd") -> int:
    """∀ a b : Int, P a (f a b) b"""
    body = t.app(t.const("P"), t.bvar(1), t.app(t.const(f), t.bvar(1), t.bvar(0)), t.bvar(0))
    return t.pi("a", t.const("Int"), t.pi("b", t.const("Int"), body))


def test_an_instance_of_the_reference_statement_gives_its_inputs(t):
    one, three = t.num(1), t.num(3)
    instance = t.app(t.const("P"), one, t.app(t.const("solveAdd"), one, three), three)
    assert match_instance(t.i, spec(t), instance, 2) == [one, three]


def test_a_decoy_of_the_same_short_name_is_no_instance(t):
    one, three = t.num(1), t.num(3)
    instance = t.app(t.const("P"), one, t.app(t.const("Foo.solveAdd"), one, three), three)
    assert match_instance(t.i, spec(t), instance, 2) is None


def test_an_input_must_be_the_same_term_everywhere(t):
    instance = t.app(t.const("P"), t.num(1), t.app(t.const("solveAdd"), t.num(2), t.num(3)), t.num(3))
    assert match_instance(t.i, spec(t), instance, 2) is None


def test_an_input_must_be_closed(t):
    loose = t.bvar(7)
    instance = t.app(t.const("P"), loose, t.app(t.const("solveAdd"), loose, t.num(3)), t.num(3))
    assert match_instance(t.i, spec(t), instance, 2) is None


def test_binders_inside_the_statement_stay_bound(t):
    # ∀ a : Int, ∀ n : Nat, Q a n   instantiated at a = 5 only: ∀ n, Q 5 n
    statement = t.pi("a", t.const("Int"), t.pi("n", t.const("Nat"), t.app(t.const("Q"), t.bvar(1), t.bvar(0))))
    five = t.num(5)
    instance = t.pi("m", t.const("Nat"), t.app(t.const("Q"), five, t.bvar(0)))
    assert match_instance(t.i, statement, instance, 1) == [five]
    wrong = t.pi("m", t.const("Nat"), t.app(t.const("Q"), five, five))
    assert match_instance(t.i, statement, wrong, 1) is None


def test_an_unused_binder_matches_anything(t):
    statement = t.pi("a", t.const("Int"), t.const("True"))
    assert match_instance(t.i, statement, t.const("True"), 1) == [-1]
    assert match_instance(t.i, statement, t.const("False"), 1) is None


def test_values_are_shown_as_lean_writes_them(t):
    negative = t.app(t.const("Int.negSucc"), t.i.expr(("nat", "1")))
    assert render(t.i, negative) == "-2"
    assert render(t.i, t.num(7)) == "7"
    nil = t.app(t.const("List.nil"), t.const("Int"))
    items = t.app(
        t.const("List.cons"), t.const("Int"), t.num(1), t.app(t.const("List.cons"), t.const("Int"), negative, nil)
    )
    assert render(t.i, items) == "[1, -2]"
    assert render(t.i, t.const("Bool.true")) == "true"
    assert render(t.i, t.app(t.const("mystery"), t.num(1))) is None


def test_a_refutation_reaching_sorry_or_an_axiom_counts_for_nothing(t):
    ty = t.const("Prop")
    probe = Constant("thm", ("p",), (), ty, t.const("helper"))
    helper = Constant("thm", ("helper",), (), ty, t.const("sorryAx"))
    assert closure([("p",)], {("p",): probe, ("helper",): helper}, t.i) is None
    own_axiom = Constant("axiom", ("helper",), (), ty)
    assert closure([("p",)], {("p",): probe, ("helper",): own_axiom}, t.i) is None
    honest = Constant("thm", ("helper",), (), ty, t.const("Eq.refl"))
    assert set(closure([("p",)], {("p",): probe, ("helper",): honest}, t.i)) == {("p",), ("helper",)}


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({Verdict.INCOMPLETE_PROOF}, Verdict.WRONG_ANSWER),
        ({Verdict.COMPILE_ERROR, Verdict.INCOMPLETE_PROOF}, Verdict.WRONG_ANSWER),
        ({Verdict.KERNEL_REJECTED}, Verdict.WRONG_ANSWER),
        ({Verdict.COMPILE_ERROR, Verdict.STATEMENT_MISMATCH}, Verdict.STATEMENT_MISMATCH),
        ({Verdict.COMPILE_ERROR, Verdict.FORBIDDEN_AXIOM}, Verdict.FORBIDDEN_AXIOM),
        ({Verdict.TIME_LIMIT}, Verdict.TIME_LIMIT),
    ],
)
def test_wrong_answer_replaces_only_the_verdicts_of_a_failed_proof(found, expected):
    from judge.counterexamples import Counterexample

    cx = Counterexample("spec", [("a", "1")], "¬ spec (1)", "-2", "f")
    result = _wrong_answer(JudgeResult(verdict=min(found, key=list(Verdict).index)), found, cx)
    assert result.verdict is expected
    assert result.counterexample["inputs"] == [{"name": "a", "value": "1"}]
    assert result.reasons[0].code == "COUNTEREXAMPLE"


def test_generated_inputs_are_small_first_bounded_and_seeded():
    shapes = [("Int",), ("List", ("Nat",))]
    first = probe_inputs.generated_inputs(shapes, "seed-a", 16)
    assert first[0] == ["0", "[]"] and len(first) == 16
    assert first == probe_inputs.generated_inputs(shapes, "seed-a", 16)
    assert len({tuple(a) for a in first}) == 16
    tail_a = probe_inputs.generated_inputs(shapes, "seed-a", 40)[20:]
    tail_b = probe_inputs.generated_inputs(shapes, "seed-b", 40)[20:]
    assert tail_a != tail_b
    assert "[1, 1]" in probe_inputs.values(("List", ("Nat",)))  # duplicates
    assert probe_inputs.values(("Fin", 3)) == ["0", "2", "1"]


def test_generated_inputs_reach_small_structured_cases_early():
    # a value in a list but not first (`isIn 1 [0, 1]`), both orders of a pair, every order of
    # three distinct values: within the per-theorem budget
    membership = probe_inputs.generated_inputs([("Int",), ("List", ("Int",))], "s", GENERATED_PER_THEOREM)
    assert ["1", "[0, 1]"] in membership[:8] and ["1", "[0, -1, 1]"] in membership
    pairs = probe_inputs.generated_inputs([("Nat",), ("Nat",), ("Nat",)], "s", GENERATED_PER_THEOREM)
    assert ["1", "2", "0"] in pairs and ["2", "1", "0"] in pairs
    orders = probe_inputs.generated_inputs([("List", ("Nat",))], "s", GENERATED_PER_THEOREM)
    assert {tuple(a) for a in orders} >= {(f"[{a}, {b}, {c}]",) for a, b, c in itertools.permutations("012")}
    assert probe_inputs.generated_inputs([("Int",), ("Array", ("Int",))], "s", 24)[6] == ["1", "#[0, 1]"]


def _prop_reference() -> tuple[Interner, Export]:
    t = Terms()
    nat, prop = t.const("Nat"), t.i.expr(("sort", 0))
    constants = {}
    for name, kind, ty in [
        (("isEven",), "def", t.pi("n", nat, prop)),  # a Prop-valued definition: unfolded
        (("Point",), "induct", t.i.expr(("sort", t.i.level(("succ", 0))))),
        (("Point", "ok"), "def", t.pi("p", t.const("Point"), prop)),  # a field: not unfolded
        (("f", "_unary"), "def", t.pi("n", nat, prop)),  # an auxiliary: not unfolded
        (("double",), "def", t.pi("n", nat, nat)),  # not Prop-valued
        (("weird name»",), "def", prop),  # no «» writes it
    ]:
        constants[name] = Constant(kind, name, (), ty)
    return t.i, Export(imports=[], constants=constants, duplicates=set(), messages=[])


def test_the_problems_prop_definitions_are_unfolded_before_decide():
    interner, reference = _prop_reference()
    assert prop_definitions(reference, interner) == ["«isEven»"]
    tactics = tactics_for(reference, interner)
    assert tactics == ("decide", "delta «isEven»; decide", "simp only [«isEven»] <;> decide")
    assert json.loads(ProbeRequest(probes=(), tactics=tactics).line()[7:])["tactics"] == list(tactics)
    without = Export(imports=[], constants={}, duplicates=set(), messages=[])
    assert tactics_for(without, interner) == ("decide",)


@pytest.mark.parametrize(
    ("test_input", "expected"),
    [
        ("3 5", ["3", "5"]),
        ("-1 -4", ["-1", "-4"]),
        ({"a": 1, "b": -2}, ["1", "-2"]),
        ([7, 8], ["7", "8"]),
        ("[1, 2] 3", None),  # a list where an Int goes: elaborates to nothing, but the shape is not checked here
    ],
)
def test_test_inputs_become_one_lean_term_per_input(test_input, expected):
    got = probe_inputs.test_arguments(test_input, ["a", "b"], [("Int",), ("Int",)])
    if expected is None:
        assert got == ["[1, 2]", "3"]
    else:
        assert got == expected


def test_test_values_follow_the_binder_type():
    assert probe_inputs.test_arguments({"s": 'say "hi"'}, ["s"], [("String",)]) == ['"say \\"hi\\""']
    assert probe_inputs.test_arguments({"c": "x"}, ["c"], [("Char",)]) == ["'x'"]
    assert probe_inputs.test_arguments({"xs": [1, 2]}, ["xs"], [("Array", ("Int",))]) == ["#[1, 2]"]
    assert probe_inputs.test_arguments({"wrong": 1}, ["n"], [("Nat",)]) is None


def _probe_section(key: ExportKey, rows: list[str]) -> str:
    lines = ['["PROBES"]', *rows]
    return "\n".join(lines) + "\n" + json.dumps(["END", len(lines), str(tag(key, lines))]) + "\n"


def test_the_probe_section_is_authenticated_with_its_own_key():
    key, probe_key = ExportKey.new(), ExportKey.new()
    export = sign(key, '["M",{"severity":"error","data":"x"}]')
    probes = _probe_section(probe_key, ['["P",0,"failed",null,null]'])
    main, section = authenticate_sections(export + probes, key, probe_key)
    assert section is not None and '"P",0' in section
    parsed = parse_export(main, Interner(), probes=section)
    assert parsed.probes is not None and parsed.probes.outcomes[0].status == "failed"
    with pytest.raises(ExportTampered):
        authenticate_sections(export + probes, key, ExportKey.new())
    # cut short by a crash or a limit: no section, the export stands
    assert authenticate_sections(export + '["PROBES"]\n["P",0,\n', key, probe_key) == (main, None)
    with pytest.raises(ExportTampered):
        authenticate_sections(export + "forged\n", key, probe_key)


def test_a_probe_section_cannot_redeclare_a_constant_of_the_file():
    """Nor can a bad probe section cost the export: it is dropped, the file's rows stand."""
    key, probe_key = ExportKey.new(), ExportKey.new()
    rows = ['["N",1,0,"s","x"]', '["E",0,"sort",0]', '["axiom",1,[],0,false,{}]']
    export = sign(key, "\n".join(rows))
    for bad in (['["thm",1,[],0,0,[1],{}]'], ['["E",1,"nat","' + "9" * (MAX_NAT_DIGITS + 1) + '"]'], ["[1"]):
        main, section = authenticate_sections(export + _probe_section(probe_key, bad), key, probe_key)
        parsed = parse_export(main, Interner(), probes=section)
        assert parsed.probes is None and ("x",) in parsed.constants


def test_a_numeral_past_the_bound_is_the_files_limit_and_renders_by_its_ends():
    key = ExportKey.new()
    rows = ['["E",0,"nat","' + "7" * (MAX_NAT_DIGITS + 1) + '"]']
    main, _ = authenticate_sections(sign(key, "\n".join(rows)), key, None)
    with pytest.raises(ExportLimit):
        parse_export(main, Interner())
    interner = Interner()
    big = interner.expr(("nat", "1" * 4352))  # past int()'s 4,300 digits
    assert render(interner, big) == "111111111111…111111111111 (4352 digits)"
    assert probe_inputs.nat_literal(interner, big) is None
    # a negative one: Int.negSucc n is -(n + 1), added on the text
    negative = interner.expr(
        ("app", interner.expr(("const", ("Int", "negSucc"), ())), interner.expr(("nat", "3" + "9" * 4351)))
    )
    assert render(interner, negative) == "-400000000000…000000000000 (4352 digits)"


def test_the_request_line_carries_the_probes_and_a_fresh_key():
    request = ProbeRequest(probes=(Probe("spec", "f", ("1", "2"), "generated", value=True),))
    line = request.line()
    assert line.startswith(b"probes ") and line.endswith(b"\n")
    body = json.loads(line[len(b"probes ") :])
    assert body["probes"] == [
        {"thm": "spec", "defn": "f", "args": ["1", "2"], "out": None, "neg": True, "value": True, "when_clean": False}
    ]
    assert body["r"] == str(request.key.r) and body["nonce"] == request.nonce
    assert ProbeRequest(probes=()).nonce != request.nonce


@pytest.mark.parametrize(
    "text",
    ["decide +kernel", "(by decide : Nat)", "solveAdd 1 2", "1 /- c -/", "0x10", "1.5", "Nat.succ 1", "x"],
)
def test_a_test_value_written_as_a_term_is_refused(text):
    """Issue 26: tests were sent to the probes verbatim; only values are now."""
    assert probe_inputs.test_arguments({"a": text}, ["a"], [("Int",)]) is None


def test_test_values_in_lean_text_and_lone_surrogates():
    ok = {"a": "[(1, -2), (3, 4)]", "b": "some #[true, false]"}
    assert probe_inputs.test_arguments(ok, ["a", "b"], [None, None]) == ["[(1, -2), (3, 4)]", "some #[true, false]"]
    assert probe_inputs.test_arguments({"s": "a\ud800"}, ["s"], [("String",)]) is None
    assert probe_inputs.test_arguments({"s": ["\udfff"]}, ["s"], [("List", ("String",))]) is None
