"""Load the Arena's curriculum (problems/curriculum/level-N.jsonl) as published problems with
their levels; idempotent. Maintainers' fields (uniqueness theorems, wrong implementations,
notes) stay in the files: they are for the regression corpus, not the site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from judge.problem_format import InvalidProblem
from problems.curriculum import DIRECTORY, load_curriculum
from problems.services import problem_upsert_from_spec


class Command(BaseCommand):
    help = "Load the curriculum (problems/curriculum/level-N.jsonl) as published problems."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(DIRECTORY))

    def handle(self, *args, directory: str, **options):
        try:
            problems = load_curriculum(Path(directory))
        except OSError as exc:
            raise CommandError(f"cannot read {directory}: {exc}") from exc
        except InvalidProblem as exc:
            raise CommandError(f"{directory}: {exc}") from exc
        counts = {"created": 0, "new version": 0, "unchanged": 0}
        for problem in problems:
            outcome = problem_upsert_from_spec(spec=problem.spec, level=problem.level)
            state = "created" if outcome.created else "new version" if outcome.new_version else "unchanged"
            counts[state] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"level {problem.level} {problem.spec.slug}: {state}")
        summary = ", ".join(f"{n} {state}" for state, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{len(problems)} curriculum problems from {directory}: {summary}"))
