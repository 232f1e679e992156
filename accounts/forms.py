from django import forms
from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    accept_licence = forms.BooleanField(
        required=True,
        label="I license everything I contribute under the site licence (its text is on this page)",
        error_messages={"required": "You must accept the site licence to sign up."},
    )
    anonymous_in_datasets = forms.BooleanField(
        required=False, label="In published datasets, show an anonymised id instead of my username"
    )


class LicenceForm(forms.Form):
    accept_licence = forms.BooleanField(
        required=False, label="I license everything I contribute under the site licence (its text is on this page)"
    )
    anonymous_in_datasets = forms.BooleanField(
        required=False, label="In published datasets, show an anonymised id instead of my username"
    )
