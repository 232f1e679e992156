"""The trusted modules are listed once, in pyproject's strict mypy override; the import-linter
contract that keeps them free of processes lists the same modules but judge.replay (which drives
the replay's process). This test ties the two, so one cannot change without the other."""

import importlib.util
import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
NO_PROCESS = "What decides a verdict runs no process: no sandbox, no runner, no subprocess, no Django"


def _trusted() -> set[str]:
    strict = [o for o in PYPROJECT["tool"]["mypy"]["overrides"] if o.get("disallow_untyped_defs")]
    assert len(strict) == 1, "one strict override: the trusted modules"
    return set(strict[0]["module"])


def test_the_no_process_contract_covers_every_trusted_module_but_the_replay():
    contract = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["name"] == NO_PROCESS)
    assert set(contract["source_modules"]) == _trusted() - {"judge.replay"}


def test_every_trusted_module_exists():
    for module in _trusted():
        assert importlib.util.find_spec(module) is not None, module
