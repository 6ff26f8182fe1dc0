"""Event collection: decode Segment-compatible requests, write them durably, read them back."""

from onefold.collect.events.decode import DecodedRequest, decode_batch, decode_single, read_body
from onefold.collect.events.indexer import IndexFollower, LogIndexer, wait_until_indexed
from onefold.collect.events.metrics import CollectMetrics
from onefold.collect.events.read import list_events, profile_view
from onefold.collect.events.writer import EventWriter, IngestResult, Job, WriterUnavailable

__all__ = [
    "CollectMetrics",
    "DecodedRequest",
    "EventWriter",
    "IndexFollower",
    "IngestResult",
    "LogIndexer",
    "Job",
    "WriterUnavailable",
    "decode_batch",
    "decode_single",
    "list_events",
    "profile_view",
    "read_body",
    "wait_until_indexed",
]
