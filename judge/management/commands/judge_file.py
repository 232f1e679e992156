"""`manage.py judge_file --problem PROBLEM.json SOLUTION.lean`: one JSON verdict on stdout.

Exit 0 when a verdict was reached, 1 on JUDGE_ERROR, 2 on bad arguments or an invalid problem.
Needs no database: the judge is a library.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from judge.problem_format import InvalidProblem, ProblemSpec
from judge.results import Verdict
from judge.source_checks import normalise_line_endings


class Command(BaseCommand):
    help = "Judge one Lean file against one problem and print the verdict as JSON."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problem", required=True, help="the problem, as JSON")
        parser.add_argument("solution", help="the Lean file to judge")

    def handle(self, *args, **options) -> None:
        try:
            problem = ProblemSpec.from_json(Path(options["problem"]).read_text(encoding="utf-8"))
            code = normalise_line_endings(Path(options["solution"]).read_bytes())
        except (OSError, InvalidProblem) as exc:
            self.stderr.write(f"judge_file: {exc}")
            sys.exit(2)
        # imported late: argument errors need no Lean
        from judge.config import get_config
        from judge.lean_runner import make_runner
        from judge.pipeline import judge_submission

        # one verdict and exit: a pre-started process for a next job would only take CPU
        runner = make_runner(dataclasses.replace(get_config(), pool_size=0))
        try:
            result = judge_submission(problem, code, runner=runner)
        finally:
            runner.close()
        # Lean's own chatter goes to stderr; stdout carries exactly one JSON object
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        sys.exit(1 if result.verdict is Verdict.JUDGE_ERROR else 0)
