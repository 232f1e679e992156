"""The site licence: what every contribution is licensed under, read from settings.

The default is CC BY-SA 4.0 plus the host's open-weights condition. With that condition it is no
longer plain CC BY-SA, so dataset cards name it `license: other` with its own identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CC_BY_SA_URL = "https://creativecommons.org/licenses/by-sa/4.0/legalcode"

DEFAULT_OPEN_WEIGHTS_CLAUSE = """\
Open-weights condition. If you train, fine-tune or evaluate-and-select a machine-learning model
on this material or on anything adapted from it, and you make that model or its outputs available
to anyone else (as a download, a service or a product), you must also release the model's
weights to the public under a licence that allows anyone to use, study, modify and share them,
and say that the model was trained on data from the Arena. This condition is part of the licence
of every contribution: it applies in addition to CC BY-SA 4.0, and where the two conflict the
stricter one governs."""


@dataclass(frozen=True)
class SiteLicence:
    identifier: str
    version: str
    name: str
    url: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.identifier} v{self.version}"


def site_licence() -> SiteLicence:
    """The licence in force now (settings are read at each call, so tests may change them)."""
    return SiteLicence(
        identifier=settings.ARENA_LICENCE_ID,
        version=str(settings.ARENA_LICENCE_VERSION),
        name=settings.ARENA_LICENCE_NAME,
        url=settings.ARENA_LICENCE_URL,
        text=_licence_text(),
    )


def _licence_text() -> str:
    if settings.ARENA_LICENCE_TEXT_FILE:
        return Path(settings.ARENA_LICENCE_TEXT_FILE).read_text(encoding="utf-8")
    clause = settings.ARENA_LICENCE_CLAUSE or DEFAULT_OPEN_WEIGHTS_CLAUSE
    return (
        f"{settings.ARENA_LICENCE_NAME} (identifier {settings.ARENA_LICENCE_ID}, "
        f"version {settings.ARENA_LICENCE_VERSION})\n\n"
        "Every problem, solution and submission contributed to the Arena is licensed under the\n"
        "Creative Commons Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0),\n"
        f"whose full legal code is at {CC_BY_SA_URL}, with the following condition added.\n\n"
        f"{clause}\n"
    )
