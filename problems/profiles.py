"""Import profiles: which modules a problem may import, and which judge queue can judge it.

A profile is a named set of modules (settings.ARENA_IMPORT_PROFILES); a module covers its
submodules (`Mathlib` covers `Mathlib.Data.List.Basic`). The site serves only the profiles its
workers have (settings.ARENA_SERVED_PROFILES): a problem of another profile is stored and listed
as needing its modules, and its submissions are refused instead of waiting for a worker forever.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ImportProfile:
    name: str
    label: str
    modules: tuple[str, ...]
    queue: str

    def covers(self, imports: list[str] | tuple[str, ...]) -> bool:
        return all(any(m == p or m.startswith(p + ".") for p in self.modules) for m in imports)

    @property
    def served(self) -> bool:
        return self.name in served_profile_names()

    @property
    def missing_modules(self) -> list[str]:
        """The modules of this profile that no served profile has (what "needs …" names)."""
        here = [m for p in profiles() if p.served for m in p.modules]
        return [m for m in self.modules if m not in here]


def served_profile_names() -> list[str]:
    """The profiles this site's judge workers serve: their problems can be judged here."""
    return list(settings.ARENA_SERVED_PROFILES)


class UnknownProfile(ValueError):
    pass


def profiles() -> list[ImportProfile]:
    return [
        ImportProfile(
            name=name,
            label=str(raw.get("label", name)),
            modules=tuple(raw.get("modules", [])),
            queue=str(raw.get("queue", "judge")),
        )
        for name, raw in settings.ARENA_IMPORT_PROFILES.items()
    ]


def profile_get(name: str) -> ImportProfile:
    for profile in profiles():
        if profile.name == name:
            return profile
    raise UnknownProfile(f"unknown import profile {name!r}; known: {', '.join(p.name for p in profiles())}")


def profile_for_imports(imports: list[str] | tuple[str, ...]) -> ImportProfile:
    """The first profile (in settings order, smallest first) whose modules cover imports."""
    for profile in profiles():
        if profile.covers(imports):
            return profile
    raise UnknownProfile(f"no import profile allows {', '.join(imports)}")


def missing_modules_message(profile: ImportProfile) -> str:
    return (
        f"This problem needs {', '.join(profile.missing_modules) or profile.label}, and no judge worker of this site "
        f"has it (import profile {profile.name!r}): it cannot be judged here."
    )
