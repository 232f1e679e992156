"""The axiom policy, one for the checker (what the export shows) and the replay (what the
kernel reports): which axioms a proof may rest on."""

from __future__ import annotations

from judge.export_format import Name
from judge.results import Verdict

SORRY: Name = ("sorryAx",)
# Toolchain axioms that would let compiled code, not the kernel, decide a proof.
TRUSTS_COMPILED_CODE: frozenset[Name] = frozenset(
    {("Lean", "ofReduceBool"), ("Lean", "ofReduceNat"), ("Lean", "trustCompiler")}
)
STANDARD: frozenset[Name] = frozenset({("propext",), ("Classical", "choice"), ("Quot", "sound")})


def axiom_verdict(name: Name, *, closure_complete: bool) -> Verdict | None:
    """The verdict an axiom a target depends on calls for (None: allowed).

    `closure_complete`: the list is every axiom the target rests on (native Lean's replay), so
    anything but the three standard axioms is forbidden. Otherwise (the export's view, or the
    offline replay, where imported theorems look like axioms) only the named ones count.
    """
    if name == SORRY:
        return Verdict.INCOMPLETE_PROOF
    if name in TRUSTS_COMPILED_CODE:
        return Verdict.FORBIDDEN_AXIOM
    if closure_complete and name not in STANDARD:
        return Verdict.FORBIDDEN_AXIOM
    return None
