"""Prometheus metrics of the collection path, on a registry owned by one app instance.

A registry per app (not the process-global default) keeps several servers in one test process
from clashing and keeps /metrics free of unrelated collectors.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# fdatasync on SSDs takes ~0.1-5 ms; slow disks or contention push it to tens of ms.
_FSYNC_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class CollectMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.accepted = Counter(
            "onefold_events_accepted", "Events durably stored (new messageIds).", registry=self.registry
        )
        self.quarantined = Counter(
            "onefold_events_quarantined", "Events that parsed but failed validation.", ["type"],
            registry=self.registry,
        )
        self.deduplicated = Counter(
            "onefold_events_deduplicated", "Events dropped because their messageId was already stored.",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "onefold_collect_queue_depth", "Events waiting for the durable writer.", registry=self.registry
        )
        self.fsync_seconds = Histogram(
            "onefold_event_log_fsync_seconds", "Time to write and fdatasync one group commit to the event log.",
            buckets=_FSYNC_BUCKETS, registry=self.registry,
        )
        self.index_wait_seconds = Counter(
            "onefold_index_backpressure_seconds",
            "Time the writer waited for the indexer to come within collect.max_index_lag_seconds.",
            registry=self.registry,
        )
        self.commit_events = Histogram(
            "onefold_group_commit_events", "Events per group commit.",
            buckets=(1, 10, 100, 500, 1000, 2000, 5000, 10000), registry=self.registry,
        )

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(depth)
