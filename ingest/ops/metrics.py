"""Prometheus metrics: ``GET /metrics``, behind ``LEADSOURCE_METRICS_TOKEN``.

Each app has its own registry (tests build many apps in one process, and two apps must not
share or clash over counters), filled by:

- ``edge.Edge``, the middleware, requests and their latency by method, route template
  (``/t/{tenant_id}/collect``, never the raw path, which would make a series per tenant and
  per form) and status;
- the writer, through ``observe_commit``: group sizes and commit durations;
- ``observe_event``: expected events such as a client gone before its body
  (``ingest/observability.py``);
- a collector read at scrape time: the writer's queue depth and job counts, the rate
  limiter's refusals by scope.

No token configured answers 404, as if there were no such page; a wrong token 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from ingest.errors import NotFound, Unauthorized

if TYPE_CHECKING:
    from ingest.edge.limits import Limiter
    from ingest.storage import Database as Writer

# Anything else is counted as "other", so a client inventing methods makes no new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # no route: 404s, and hosts refused before routing
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Metrics:
    def __init__(self) -> None:
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "leadsource_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "leadsource_http_request_duration_seconds",
            "Time from a request's start to the end of its answer, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "leadsource_writer_batch_size",
            "Jobs committed together in one transaction by the writer (group commit).",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "leadsource_writer_commit_duration_seconds",
            "Time the writer took to run and commit one group of jobs.",
            registry=self.registry,
        )
        self.events = Counter(
            "leadsource_events",
            "Expected events that are not errors, such as a client gone before its body.",
            ["event"],
            registry=self.registry,
        )
        self.writer: Writer | None = None
        self.limiter: Limiter | None = None
        self.registry.register(_LiveState(self))

    def watch(self, writer: Writer, limiter: Limiter) -> None:
        """Follow this app's writer and limiter (set in the lifespan, once they exist)."""
        self.writer = writer
        self.limiter = limiter
        writer.on_commit = self.observe_commit

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # The labelled series, found once per (method, route, status): every request is
        # counted, so the lookup is on the path of every submission.
        method = method if method in METHODS else "other"
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[(method, route, status)] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)

    def observe_commit(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.commit_seconds.observe(seconds)

    def observe_event(self, event: str) -> None:
        self.events.labels(event).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def read_sample(text: str, name: str, labels: dict[str, str] | None = None) -> float | None:
    """One sample's value from a scrape (for tests and checks), or None if absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == (labels or {}):
                return sample.value
    return None


class _LiveState(Collector):
    """Values that already live in the writer and the limiter, read when scraped."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return []  # names are only known once collected; nothing to check up front

    def collect(self) -> Iterator[Metric]:
        writer, limiter = self.metrics.writer, self.metrics.limiter
        if writer is not None:
            depth = GaugeMetricFamily(
                "leadsource_writer_queue_depth", "Jobs waiting for the writer right now."
            )
            depth.add_metric([], writer.queue_depth)
            yield depth
            jobs = CounterMetricFamily(
                "leadsource_writer_jobs",
                "Jobs the writer ran, by outcome (a failed job rolls back alone).",
                labels=["outcome"],
            )
            jobs.add_metric(["ok"], writer.stats.jobs - writer.stats.failed_jobs)
            jobs.add_metric(["failed"], writer.stats.failed_jobs)
            yield jobs
        if limiter is not None:
            refused = CounterMetricFamily(
                "leadsource_rate_limit_refusals",
                "Requests refused with 429, by scope (submit, form, collect, script).",
                labels=["scope"],
            )
            for scope, count in sorted(limiter.stats.refused.items()):
                refused.add_metric([scope], count)
            yield refused
            failures = CounterMetricFamily(
                "leadsource_rate_limit_flush_failures",
                "Times the shared rate-limit counters could not be updated.",
            )
            failures.add_metric([], limiter.stats.flush_failures)
            yield failures


async def metrics_endpoint(request: Request) -> Response:
    request.state.json_errors = True
    token = request.state.settings.metrics_token
    if not token:
        raise NotFound("Nothing here.")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise Unauthorized("Send the metrics token as 'Authorization: Bearer <token>'.")
    metrics: Metrics = request.app.state.metrics
    return Response(
        metrics.render(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )
