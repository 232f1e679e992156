"""The authoring form: a problem in the problem format, with text areas a browser can fill."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from problems.models import Difficulty
from problems.profiles import profiles

THEOREM_NAME = re.compile(r"^\s*theorem\s+([^\s:(\[{]+)")


def _profile_choices():
    return [(p.name, p.label + ("" if p.served else " (no worker on this site)")) for p in profiles()]


class ProblemForm(forms.Form):
    slug = forms.CharField(max_length=100, help_text="Lowercase letters, digits and dashes, e.g. solve-add.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown."
    )
    import_profile = forms.ChoiceField(choices=_profile_choices, initial="core", label="Imports")
    preamble = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="Lean the problem gives (definitions the statement uses). No axiom, opaque or sorry.",
    )
    definitions = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Definitions to implement: one header per line, without a body, e.g. def f (n : Nat) : Nat",
    )
    theorems = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="Spec theorems, without proofs, separated by a blank line: theorem name (x : Nat) : f x = x",
    )
    tests = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text='JSON: a list of {"input": ..., "output": ...}.',
    )
    reference_solution = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Optional; judged by validation, never shown publicly.",
    )
    # The model's fixed choices (one home: problems.models.Difficulty), so the form never
    # takes a value the model would refuse.
    difficulty = forms.ChoiceField(choices=[("", "—"), *Difficulty.choices], required=False)
    tags = forms.CharField(required=False, help_text="Comma-separated.")
    licence = forms.CharField(max_length=200, required=False)
    source = forms.CharField(max_length=500, required=False)

    def clean_tests(self) -> list[Any]:
        text = self.cleaned_data["tests"].strip()
        if not text:
            return []
        try:
            tests = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"not valid JSON: {exc}") from exc
        if not isinstance(tests, list):
            raise forms.ValidationError("tests must be a JSON list")
        return tests

    def clean_theorems(self) -> list[dict[str, str]]:
        text = self.cleaned_data["theorems"].replace("\r\n", "\n").replace("\r", "\n")
        theorems = []
        for block in re.split(r"\n\s*\n", text.strip()):
            match = THEOREM_NAME.match(block)
            if not match:
                raise forms.ValidationError(f"each theorem must start with 'theorem NAME': {block[:80]!r}")
            theorems.append({"name": match.group(1), "signature": block.strip()})
        return theorems

    def problem_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        lines = data["definitions"].replace("\r\n", "\n").replace("\r", "\n").splitlines()
        data["definitions"] = [line.rstrip() for line in lines if line.strip()]
        data["tags"] = [t.strip() for t in data["tags"].split(",") if t.strip()]
        data["imports"] = None  # the profile's modules
        return data

    @classmethod
    def initial_from(cls, problem) -> dict[str, Any]:
        return {
            "slug": problem.slug,
            "title": problem.title,
            "description": problem.description,
            "import_profile": problem.import_profile,
            "preamble": problem.preamble,
            "definitions": "\n".join(problem.definitions),
            "theorems": "\n\n".join(t["signature"] for t in problem.theorems),
            "tests": json.dumps(problem.tests, ensure_ascii=False) if problem.tests else "",
            "reference_solution": problem.reference_solution,
            "difficulty": problem.difficulty,
            "tags": ", ".join(problem.tags),
            "licence": problem.licence,
            "source": problem.source,
        }
