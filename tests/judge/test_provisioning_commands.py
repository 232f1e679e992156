"""The operators' commands: provision_lean (idempotent) and lean_info (without a Lean run;
the `lean` tests time real runs). Neither touches the database."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]


def test_provision_lean_is_idempotent():
    for _ in range(2):
        out = io.StringIO()
        call_command("provision_lean", stdout=out)
        assert "Lean ready" in out.getvalue()


def test_provisioning_runs_without_django():
    env_check = "import sys, judge.provisioning; sys.exit('django' in sys.modules)"
    subprocess.run([sys.executable, "-c", env_check], cwd=REPO, check=True)


def test_lean_info_says_which_lean_and_where():
    out = io.StringIO()
    call_command("lean_info", "--no-run", stdout=out)
    text = out.getvalue()
    assert "version:" in text and "4.28.0" in text
    assert "location:" in text and "sandbox:   bubblewrap" in text
    assert "limits:" in text and "slots:" in text
