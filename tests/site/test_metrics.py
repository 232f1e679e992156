"""Prometheus metrics: read from the database, the broker and the cache; not on the public site."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest

from submissions.metrics import ArenaCollector, record_sweep_requeues
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def scrape():
    def scrape() -> str:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ArenaCollector())
        return generate_latest(registry).decode()

    return scrape


def test_metrics_count_submissions_verdicts_latency_and_lean_time(problem, user, enqueued, judge_double, scrape):
    cache.clear()
    finished = submission_create(user=user, problem=problem, code=GOOD_CODE)
    submission_judge(submission_id=finished.pk, worker="w")
    Submission.objects.filter(pk=finished.pk).update(created_at=timezone.now() - timedelta(seconds=4))
    submission_create(user=user, problem=problem, code=GOOD_CODE)
    record_sweep_requeues(2)

    text = scrape()
    assert 'arena_submissions{status="queued"} 1.0' in text
    assert 'arena_submissions{status="finished"} 1.0' in text
    assert 'arena_verdicts_total{verdict="ACCEPTED"} 1.0' in text
    assert 'arena_verdict_latency_seconds_bucket{le="2"} 0.0' in text
    assert 'arena_verdict_latency_seconds_bucket{le="5"} 1.0' in text
    assert "arena_verdict_latency_seconds_count 1.0" in text
    assert 'arena_lean_time_seconds_bucket{le="0.5"} 1.0' in text  # the double reports 5 ms
    assert 'arena_judge_runs_total{verdict="ACCEPTED"} 1.0' in text
    assert 'arena_lean_limit_hits_total{limit="time"} 0.0' in text
    assert "arena_sweep_requeued_total 2.0" in text
    assert JudgeRun.objects.count() == 1 and Submission.objects.filter(status=SubmissionStatus.QUEUED).count() == 1


def test_queue_depth_is_read_from_the_broker(db, settings, scrape):
    import redis

    from tests.site.celery_workers import TEST_REDIS_URL

    settings.CELERY_BROKER_URL = TEST_REDIS_URL
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    try:
        client.lpush("judge", b"{}", b"{}")
        text = scrape()
        assert 'arena_queue_messages{queue="judge"} 2.0' in text
        assert 'arena_queue_messages{queue="judge-mathlib"} 0.0' in text
        assert "arena_broker_up 1.0" in text
    finally:
        client.flushdb()


def test_the_public_site_has_no_metrics(client, db):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics/").status_code == 404
