"""Load the sample problems (JSONL, the problem format) as published problems; idempotent."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from judge.problem_format import InvalidProblem, load_problem_set
from problems.services import problem_upsert_from_spec


class Command(BaseCommand):
    help = "Load problems from a JSONL file (default: problems/samples/problems.jsonl)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=settings.ARENA_SAMPLE_PROBLEMS)

    def handle(self, *args, path: str, **options):
        try:
            specs = load_problem_set(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except InvalidProblem as exc:
            raise CommandError(f"{path}: {exc}") from exc
        counts = {"created": 0, "new version": 0, "unchanged": 0}
        for spec in specs:
            outcome = problem_upsert_from_spec(spec=spec)
            if outcome.created:
                state = "created"
            elif outcome.new_version:
                state = "new version"
            else:
                state = "unchanged"
            counts[state] += 1
            self.stdout.write(f"{spec.slug}: {state}")
        summary = ", ".join(f"{n} {state}" for state, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{len(specs)} problems from {path}: {summary}"))
