from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

EMAIL_HELP = "Only to send you a link when you forget your password; never shown to anyone."


def _email_unused(email: str, *, user=None) -> str:
    """One account per address: a reset link for an address goes to one account only."""
    email = get_user_model().objects.normalize_email(email.strip())
    others = get_user_model().objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if email and others.exists():
        raise forms.ValidationError("Another account uses this address.")
    return email


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=False,
        label="E-mail (optional)",
        help_text=EMAIL_HELP + " Without one, a forgotten password cannot be recovered.",
    )
    accept_licence = forms.BooleanField(
        required=True,
        label="I license everything I contribute under the site licence (its text is on this page)",
        error_messages={"required": "You must accept the site licence to sign up."},
    )
    anonymous_in_datasets = forms.BooleanField(
        required=False, label="In published datasets, show an anonymised id instead of my username"
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_email(self) -> str:
        return _email_unused(self.cleaned_data["email"])


class EmailForm(forms.Form):
    """Setting the account's address asks for the password: a stolen session must not be able to
    point the password reset at its thief's mailbox."""

    email = forms.EmailField(required=False, label="E-mail", help_text=EMAIL_HELP + " Empty removes it.")
    current_password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return _email_unused(self.cleaned_data["email"], user=self.user)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


class LicenceForm(forms.Form):
    accept_licence = forms.BooleanField(
        required=False, label="I license everything I contribute under the site licence (its text is on this page)"
    )
    anonymous_in_datasets = forms.BooleanField(
        required=False, label="In published datasets, show an anonymised id instead of my username"
    )
