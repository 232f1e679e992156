"""What validation needs to know of a problem's template, read from its export (the template
exported by `SiteJudge.reference_export`): which constants it declares and of what kind, which are
declared twice, and what the preamble leaves unproved. The export's structures stay inside the
judge: the site gets this summary through `judge.seam`."""

from __future__ import annotations

import dataclasses

from judge.export_format import ExportError, Interner, name_to_str, parse_export
from judge.problem_format import ProblemSpec

SORRY_AXIOM = ("sorryAx",)


class TemplateExportError(ValueError):
    """The template's export cannot be read: the message says why."""


@dataclasses.dataclass(frozen=True)
class TemplateFacts:
    kinds: dict[str, str]  # each declared constant (dotted name) -> its kind (def, thm, axiom, …)
    duplicated: frozenset[str]
    # the preamble's constants that are not checked code: "x (axiom)", "y (partial)", "z (uses sorry)"
    preamble_faults: tuple[str, ...]


def template_facts(spec: ProblemSpec, export_text: str) -> TemplateFacts:
    """The facts of the template's export. Every constant but the targets is the preamble's, whatever
    its name (`solveAdd.cheat` too); only the targets' own auxiliaries (`solveAdd.match_1`, made
    from a header and a `sorry` body) may use `sorry`."""
    interner = Interner()
    try:
        export = parse_export(export_text, interner)
    except ExportError as exc:
        raise TemplateExportError(str(exc)) from exc
    targets = [tuple(n.split(".")) for n in spec.definition_names + spec.theorem_names]
    faults = []
    for name, const in export.constants.items():
        if name in targets:
            continue  # the targets' bodies are `sorry` on purpose
        shown = name_to_str(name)
        if const.kind in ("axiom", "opaque") or const.safety != "safe":
            faults.append(f"{shown} ({const.kind if const.safety == 'safe' else const.safety})")
        elif any(name[: len(t)] == t for t in targets):
            continue  # a target's auxiliary
        elif any(c == SORRY_AXIOM for c in interner.constants_in(const.term_roots(), set())):
            faults.append(f"{shown} (uses sorry)")
    return TemplateFacts(
        kinds={name_to_str(name): const.kind for name, const in export.constants.items()},
        duplicated=frozenset(name_to_str(name) for name in export.duplicates),
        preamble_faults=tuple(sorted(faults)),
    )
