"""The dashboard's numbers: applications by status today and this week, how long an email takes to
become decision-ready (median and p95), per-stage consumer lag and the latest events.

Counts and times are read from the projection (blocking: call in a worker thread); lag comes from
the metrics snapshot the API refreshes in the background, so the dashboard never waits on Kafka.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.lag import KafkaProgress
from schemas.db.projection import Application, ApplicationEvent

RECENT_EVENTS = 12


@dataclass(frozen=True)
class StageLag:
    """One stage's backlog: messages not yet processed, over the topics it reads."""

    stage: str
    lag: int
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    today: dict[str, int]
    week: dict[str, int]
    decision_median_seconds: float | None
    decision_p95_seconds: float | None
    decisions_measured: int
    recent: list[dict[str, Any]] = field(default_factory=list)
    lag: list[StageLag] = field(default_factory=list)
    lag_read_at: datetime | None = None
    generated_at: datetime | None = None


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """Midnight UTC today and midnight UTC of this week's Monday (pure)."""
    today = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    return today, today - timedelta(days=today.weekday())


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stage_lag(progress: KafkaProgress) -> list[StageLag]:
    """Lag summed per stage, stages in name order (pure)."""
    totals: dict[str, tuple[int, set[str]]] = {}
    for item in progress.groups:
        lag, topics = totals.get(item.stage, (0, set()))
        totals[item.stage] = (lag + item.lag, topics | {item.topic})
    return [StageLag(stage, lag, tuple(sorted(topics))) for stage, (lag, topics) in sorted(totals.items())]


def _counts(session: Session, since: datetime) -> dict[str, int]:
    query = (
        select(Application.status, func.count())
        .where(Application.received_at >= since)
        .group_by(Application.status)
    )
    return {str(status): int(count) for status, count in session.execute(query)}


def decision_seconds(session: Session, since: datetime) -> list[float]:
    """Seconds from receipt to the first decision (the first event with a status) of applications
    received since `since`."""
    decided = func.min(ApplicationEvent.occurred_at)
    query = (
        select(Application.received_at, decided.label("decided_at"))
        .join(ApplicationEvent, ApplicationEvent.application_id == Application.application_id)
        .where(Application.received_at >= since, ApplicationEvent.status.is_not(None))
        .group_by(Application.application_id, Application.received_at)
    )
    seconds = []
    for received_at, decided_at in session.execute(query):
        if decided_at is None:
            continue
        decided_utc = decided_at if decided_at.tzinfo else decided_at.replace(tzinfo=UTC)
        seconds.append(max((decided_utc - received_at).total_seconds(), 0.0))
    return seconds


def recent_events(session: Session, limit: int = RECENT_EVENTS) -> list[dict[str, Any]]:
    """The latest application events (no PII: events carry none)."""
    events = ApplicationEvent.__table__
    query = (
        select(
            events.c.application_id,
            events.c.type,
            events.c.status,
            events.c.occurred_at,
            events.c.merchant_name,
            events.c.iso_broker,
            events.c.actor,
        )
        .order_by(events.c.occurred_at.desc(), events.c.event_id.desc())
        .limit(limit)
    )
    return [dict(row) for row in session.execute(query).mappings()]


def read_dashboard(
    session: Session, *, now: datetime, progress: KafkaProgress, lag_read_at: float
) -> Dashboard:
    """The dashboard as of `now` (blocking)."""
    today, week = period_starts(now)
    seconds = decision_seconds(session, week)
    return Dashboard(
        today=_counts(session, today),
        week=_counts(session, week),
        decision_median_seconds=percentile(seconds, 50),
        decision_p95_seconds=percentile(seconds, 95),
        decisions_measured=len(seconds),
        recent=recent_events(session),
        lag=stage_lag(progress),
        lag_read_at=datetime.fromtimestamp(lag_read_at, UTC) if lag_read_at else None,
        generated_at=now,
    )
