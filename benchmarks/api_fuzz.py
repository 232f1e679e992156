"""Schema-driven fuzzing of /api/v1/ (schemathesis, pinned in requirements-fuzz.txt) against
a live gunicorn on loopback, judging by the recording double. Passes when no response is a 5xx
and every status code is one the schema documents (tests/api/test_schemathesis.py runs it).

    python3.11 -m venv .venv-fuzz && .venv-fuzz/bin/pip install -r requirements-fuzz.txt
    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... \\
        .venv/bin/python benchmarks/api_fuzz.py [--port 8102] [--max-examples 50]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_stack import ROOT, Stack, environment, prepare  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--max-examples", type=int, default=50)
    # no 5xx, and no status code the schema does not document (issue 32)
    parser.add_argument("--checks", default="not_a_server_error,status_code_conformance")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    args = parser.parse_args()
    env = environment()
    started = time.monotonic()
    tokens = prepare(env)
    print(f"prepared (migrate, sample problems, tokens) in {time.monotonic() - started:.0f} s", flush=True)
    schemathesis = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
    gunicorn = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "60"]
    with Stack(env, args.port, gunicorn) as stack:
        command = [
            str(schemathesis),
            "run",
            f"{stack.url}/api/v1/schema/",
            "--checks",
            args.checks,
            "--phases",
            args.phases,
            "--max-examples",
            str(args.max_examples),
            "--header",
            f"Authorization: Token {tokens['token']}",
            "--workers",
            "2",
            "--suppress-health-check",
            "all",
            # revoking tokens would revoke the fuzzer's own (tests/api/test_tokens.py covers it)
            "--exclude-method",
            "DELETE",
            # ?wait=N holds a poll up to ARENA_API_MAX_WAIT_SECONDS (20): not a hang
            "--request-timeout",
            "30",
        ]
        print("$", " ".join(c if "Token" not in c else "Authorization: Token <bench token>" for c in command))
        started = time.monotonic()
        returncode = subprocess.run(command, cwd=ROOT).returncode
        print(f"schemathesis ran in {time.monotonic() - started:.0f} s", flush=True)
        return returncode


if __name__ == "__main__":
    sys.exit(main())
