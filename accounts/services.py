"""Accepting the site licence and choosing how one's work appears in datasets."""

from __future__ import annotations

from accounts.licence import SiteLicence, site_licence
from accounts.models import DatasetPreference, LicenceAcceptance


def licence_accept(*, user, licence: SiteLicence | None = None) -> LicenceAcceptance:
    """Record that user accepts licence (the current one by default); idempotent."""
    licence = licence or site_licence()
    acceptance, _ = LicenceAcceptance.objects.get_or_create(
        user=user, licence=licence.identifier, version=licence.version
    )
    return acceptance


def licence_has_accepted_current(*, user) -> bool:
    licence = site_licence()
    return LicenceAcceptance.objects.filter(user=user, licence=licence.identifier, version=licence.version).exists()


def dataset_preference_set(*, user, anonymous: bool) -> DatasetPreference:
    preference, _ = DatasetPreference.objects.update_or_create(user=user, defaults={"anonymous": anonymous})
    return preference


def dataset_preference_is_anonymous(*, user) -> bool:
    return DatasetPreference.objects.filter(user=user, anonymous=True).exists()
