"""Rejudge ACCEPTED submissions judged by an older checker version; report every changed verdict.

Judges in this process, one at a time, so the report is complete when the command ends.
"""

import socket

from django.core.management.base import BaseCommand

from judge.seam import site_judge
from submissions.models import Submission, SubmissionStatus
from submissions.selectors import submission_list_outdated_accepted
from submissions.services import submission_judge, submission_rejudge


class Command(BaseCommand):
    help = "Rejudge ACCEPTED submissions of older checker versions and report changed verdicts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list them, judge nothing")
        parser.add_argument("--limit", type=int, default=None, help="at most this many")

    def handle(self, *args, dry_run: bool, limit: int | None, **options):
        version = site_judge().checker_version
        outdated = list(submission_list_outdated_accepted(checker_version=version)[:limit])
        self.stdout.write(f"{len(outdated)} ACCEPTED submission(s) judged before checker {version}")
        worker = f"rejudge_outdated@{socket.gethostname()}"
        changed = skipped = 0
        for submission in outdated:
            label = (
                f"submission {submission.pk} ({submission.problem_version}, "
                f"{submission.user.username}, checker {submission.checker_version or '?'})"
            )
            if dry_run:
                self.stdout.write(f"would rejudge {label}")
                continue
            if not submission_rejudge(submission=submission, enqueue=False):
                skipped += 1
                self.stdout.write(f"skipped {label}: its judging is under way")
                continue
            submission_judge(submission_id=submission.pk, worker=worker)
            after = Submission.objects.get(pk=submission.pk)
            run = after.runs.order_by("-id").first()
            verdict = run.verdict if run and run.verdict else "no result"
            if after.status != SubmissionStatus.FINISHED:
                verdict += " (will be retried)"
            if verdict != "ACCEPTED":
                changed += 1
                self.stdout.write(self.style.WARNING(f"CHANGED {label}: ACCEPTED -> {verdict}"))
        if not dry_run:
            self.stdout.write(f"rejudged {len(outdated) - skipped}, changed {changed}, skipped {skipped}")
