"""What a user agreed to (the site licence, by version) and how their work appears in datasets."""

from django.conf import settings
from django.db import models


class LicenceAcceptance(models.Model):
    """One user's acceptance of one version of the site licence; the history is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="licence_acceptances")
    licence = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "licence", "version"], name="licence_acceptance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.licence} v{self.version}"


class DatasetPreference(models.Model):
    """A user's choice for dataset dumps: by public handle (default) or an anonymised id."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataset_preference")
    anonymous = models.BooleanField(default=False, help_text="Shown in datasets as an anonymised id.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {'anonymous' if self.anonymous else 'by handle'}"
