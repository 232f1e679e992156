from django import forms


class SubmissionForm(forms.Form):
    # The byte limit is the service's to check (it counts UTF-8 bytes, not characters).
    code = forms.CharField(
        label="Your solution (Lean 4)",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "cols": 80, "spellcheck": "false"}),
    )
