"""Every log line written while a submission is judged names it, the judge's own included."""

import json
import logging
import threading

from judge.results import Verdict
from lib.logging import JsonFormatter, SubmissionIdFilter
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE
from tests.site.judge_doubles import RecordingJudgeDouble, accepted

judge_logger = logging.getLogger("judge.lean_runner")


class JudgeThatLogs(RecordingJudgeDouble):
    """Stands in for the judge (ARENA_JUDGE): logs from its thread and from one it starts."""

    def judge(self, problem, code, **kwargs):
        judge_logger.warning("exporter started")
        helper = threading.Thread(target=lambda: judge_logger.warning("from a thread the judge started"))
        helper.start()
        helper.join()
        return accepted(problem)


judge_that_logs = JudgeThatLogs()


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(SubmissionIdFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def test_judge_lines_carry_the_submission_id_even_from_the_judges_threads(problem, user, enqueued, settings):
    settings.ARENA_JUDGE = "tests.site.test_structured_logs.judge_that_logs"
    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
        submission_judge(submission_id=submission.pk, worker="w")
        judge_logger.warning("after the judging")
    finally:
        logging.getLogger().removeHandler(handler)

    submission.refresh_from_db()
    assert submission.verdict == Verdict.ACCEPTED
    by_message = {line["message"]: line for line in handler.lines}
    assert by_message["exporter started"]["submission_id"] == submission.pk
    assert by_message["from a thread the judge started"]["submission_id"] == submission.pk
    assert by_message["after the judging"]["submission_id"] is None
    assert {"time", "level", "logger"} <= set(by_message["exporter started"])
