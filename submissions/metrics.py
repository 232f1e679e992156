"""Prometheus metrics, read at scrape time from the database (the truth), the broker and the
shared cache, so any number of web and worker processes on any hosts are counted once, and
nothing has to be aggregated across processes. Served by `manage.py serve_metrics` on a port
of its own, never by the public site.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from submissions.models import JudgeRun, Submission, SubmissionStatus

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
LEAN_TIME_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120)
LIMIT_VERDICTS = ("TIME_LIMIT", "MEMORY_LIMIT", "OUTPUT_LIMIT")
SWEEP_REQUEUES_KEY = "metrics:sweep-requeued"


def record_sweep_requeues(count: int) -> None:
    """Called by the sweep: a counter on the shared cache (the sweep runs on any worker)."""
    if not count:
        return
    try:
        if not cache.add(SWEEP_REQUEUES_KEY, count, timeout=None):
            cache.incr(SWEEP_REQUEUES_KEY, count)
    except Exception:  # a metric must never fail the sweep
        logger.warning("could not count the sweep's re-queues", exc_info=True)


def _histogram(name: str, documentation: str, queryset, value, buckets, as_value=float) -> HistogramMetricFamily:
    """A cumulative histogram of value over queryset, in one aggregate query."""
    aggregates = {f"le_{i}": Count("pk", filter=Q(v__lte=as_value(bound))) for i, bound in enumerate(buckets)}
    row = queryset.annotate(v=value).filter(v__isnull=False).aggregate(total=Count("pk"), sum=Sum("v"), **aggregates)
    family = HistogramMetricFamily(name, documentation)
    seconds = row["sum"].total_seconds() if hasattr(row["sum"], "total_seconds") else float(row["sum"] or 0)
    family.add_metric(
        [],
        [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(buckets)] + [("+Inf", row["total"])],
        sum_value=seconds,
    )
    return family


def _queue_depths() -> dict[str, int | None]:
    from celery import current_app as app  # the project's app (arena.celery), without importing upward

    depths: dict[str, int | None] = {}
    try:
        with app.connection_for_read(settings.CELERY_BROKER_URL) as conn:
            channel = conn.default_channel
            for queue in settings.ARENA_METRICS_QUEUES:
                try:
                    depths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except Exception:  # a queue nobody declared yet
                    depths[queue] = 0
    except Exception:
        logger.warning("broker unreachable for metrics", exc_info=True)
        return dict.fromkeys(settings.ARENA_METRICS_QUEUES)
    return depths


class ArenaCollector(Collector):
    def __init__(self, *, close_connections: bool = False):
        # serve_metrics scrapes in a new thread each time: close its connections afterwards
        self.close_connections = close_connections

    def collect(self) -> Iterator:
        try:
            yield from self._collect()
        finally:
            if self.close_connections:
                connections.close_all()

    def _collect(self) -> Iterator:
        depth = GaugeMetricFamily("arena_queue_messages", "Messages waiting in a broker queue.", labels=["queue"])
        up = GaugeMetricFamily("arena_broker_up", "1 if the broker answered this scrape.")
        depths = _queue_depths()
        for queue, count in depths.items():
            if count is not None:
                depth.add_metric([queue], count)
        up.add_metric([], 0 if any(count is None for count in depths.values()) else 1)
        yield depth
        yield up

        by_status = GaugeMetricFamily("arena_submissions", "Submissions by status.", labels=["status"])
        counts = dict(Submission.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        for status in SubmissionStatus.values:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status

        verdicts = CounterMetricFamily("arena_verdicts", "Final verdicts of submissions.", labels=["verdict"])
        finished = Submission.objects.filter(status=SubmissionStatus.FINISHED)
        for verdict, n in finished.values_list("verdict").annotate(n=Count("pk")).values_list("verdict", "n"):
            verdicts.add_metric([verdict], n)
        yield verdicts

        latency = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
        yield _histogram(
            "arena_verdict_latency_seconds",
            "From submission to final verdict.",
            finished.filter(finished_at__isnull=False),
            latency,
            LATENCY_BUCKETS,
            as_value=lambda seconds: timedelta(seconds=seconds),
        )

        runs = JudgeRun.objects.filter(finished_at__isnull=False)
        lean_seconds = Cast(KT("result__time_ms"), FloatField()) / 1000.0
        yield _histogram(
            "arena_lean_time_seconds",
            "Time the judge reported per judging (Lean).",
            runs,
            lean_seconds,
            LEAN_TIME_BUCKETS,
        )

        lean_runs = CounterMetricFamily("arena_judge_runs", "Judgings finished, by verdict.", labels=["verdict"])
        limit_hits = CounterMetricFamily("arena_lean_limit_hits", "Judgings stopped by a limit.", labels=["limit"])
        per_verdict = dict(runs.values_list("verdict").annotate(n=Count("pk")).values_list("verdict", "n"))
        for verdict, n in per_verdict.items():
            lean_runs.add_metric([verdict], n)
        for verdict in LIMIT_VERDICTS:
            limit_hits.add_metric([verdict.removesuffix("_LIMIT").lower()], per_verdict.get(verdict, 0))
        yield lean_runs
        yield limit_hits

        requeues = CounterMetricFamily("arena_sweep_requeued", "Submissions the sweep enqueued again.")
        requeues.add_metric([], cache.get(SWEEP_REQUEUES_KEY, 0))
        yield requeues
