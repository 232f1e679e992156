"""The authoring form: a problem in the problem format, with text areas a browser can fill."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.conf import settings

from accounts.licence import site_licence
from problems.models import Difficulty
from problems.profiles import profiles

THEOREM_NAME = re.compile(r"^\s*theorem\s+([^\s:(\[{]+)")


def _profile_choices():
    return [(p.name, p.label + ("" if p.served else " (no worker on this site)")) for p in profiles()]


def _licence_choices() -> list[tuple[str, str]]:
    """The licences a dataset dump may carry (ARENA_DATASET_PROBLEM_LICENCES), the site's first."""
    site = site_licence()
    allowed = dict.fromkeys([site.identifier, *settings.ARENA_DATASET_PROBLEM_LICENCES])
    return [(key, site.name if key == site.identifier else key) for key in allowed] + [
        ("", "none (dataset dumps leave the problem out)")
    ]


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
    licence = forms.ChoiceField(
        choices=_licence_choices,
        required=False,
        initial=lambda: site_licence().identifier,
        help_text="What the problem's text is shared under: dataset dumps carry only these.",
    )
    source = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recorded = self.initial.get("licence")
        field = self.fields["licence"]
        assert isinstance(field, forms.ChoiceField)
        if recorded and recorded not in dict(field.choices):
            # an import's own terms stay choosable on its edit page, named for what they are
            field.choices = [*field.choices, (recorded, f"{recorded} (as imported; dumps leave it out)")]

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
        theorems, errors = [], []
        for block in re.split(r"\n\s*\n", text.strip()):
            match = THEOREM_NAME.match(block)
            if match:
                theorems.append({"name": match.group(1), "signature": block.strip()})
            else:
                errors.append(forms.ValidationError(f"each theorem must start with 'theorem NAME': {block[:80]!r}"))
        self.readable_theorems = theorems  # the preview checks these even when another block is bad
        if errors:
            raise forms.ValidationError(errors)
        return theorems

    def problem_data(self) -> dict[str, Any]:
        """The problem as the services take it; on a form with field errors, what could be read
        (a field that could not be read is left empty), so the services' checks still run."""
        data = {"tests": [], "definitions": "", "tags": ""} | dict(self.cleaned_data)
        data.setdefault("theorems", getattr(self, "readable_theorems", []))
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
