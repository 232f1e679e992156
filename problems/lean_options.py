"""The Lean options a problem may set: an allow-list, with the values each may take.

A problem carries its options as `set_option` commands at the top of its preamble, so its
template, every check of it (validation, the tests, the counterexample probes) and every
submission written from its template elaborate under them. A proposal is as adversarial as a
submission: an importer carries only these options, and a preamble that sets any other (or a
value out of range) is refused. Never an option the judge's policy refuses (`debug.*`,
`maxHeartbeats 0`, which lifts the limit).
"""

from __future__ import annotations

from judge.lean_text import LeanTextError, tokens

BOOLEAN = {"true", "false"}
# name -> the allowed range of a number option; None: true or false
ALLOWED: dict[str, tuple[int, int] | None] = {
    "autoImplicit": None,
    "relaxedAutoImplicit": None,
    "maxRecDepth": (1, 10_000),
    "maxHeartbeats": (1, 400_000),  # 0 would lift the limit: never
    "synthInstance.maxHeartbeats": (1, 400_000),
}


class OptionRefused(ValueError):
    """The option is not on the allow-list, or its value is out of range."""


def option_checked(name: str, value: str) -> tuple[str, str]:
    """(name, value as Lean writes it), or OptionRefused saying why."""
    if name not in ALLOWED:
        raise OptionRefused(f"the option {name} is not one a problem may set ({', '.join(ALLOWED)})")
    value = value.strip()
    allowed = ALLOWED[name]
    if allowed is None:
        if value not in BOOLEAN:
            raise OptionRefused(f"{name} takes true or false, not {value!r}")
        return name, value
    low, high = allowed
    if not value.isdigit() or not low <= int(value) <= high:
        raise OptionRefused(f"{name} takes a number from {low:,} to {high:,}, not {value!r}")
    return name, str(int(value))


def option_command(name: str, value: str) -> str:
    return f"set_option {name} {value}"


def preamble_option_problems(preamble: str) -> list[str]:
    """Why each `set_option` of a preamble (read as Lean's tokens) is refused; empty if none is."""
    problems = []
    try:
        found = list(tokens(preamble))
    except LeanTextError as exc:
        return [str(exc)]
    for index, token in enumerate(found):
        if token.kind != "ident" or token.text != "set_option":
            continue
        name = found[index + 1] if index + 1 < len(found) else None
        value = found[index + 2] if index + 2 < len(found) else None
        if name is None or value is None or name.kind != "ident":
            problems.append("a `set_option` without a name and a value")
            continue
        try:
            option_checked(name.text, value.text)
        except OptionRefused as exc:
            problems.append(str(exc))
    return problems
