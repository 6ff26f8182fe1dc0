-- Index of the event log (events/): dedup by messageId and lookups for GET /v1/events.
-- Rebuildable from the log: on start the server re-indexes any log tail past max(seq).
CREATE TABLE collect_events (
  seq INTEGER PRIMARY KEY,         -- position in the event log
  message_id TEXT NOT NULL UNIQUE, -- dedup key (SDK retries)
  type TEXT NOT NULL,
  event TEXT,                      -- track event name, or page/screen name
  user_id TEXT,
  anonymous_id TEXT,
  timestamp TEXT NOT NULL,         -- corrected event time, UTC ISO-8601 with ms
  received_at TEXT NOT NULL,
  segment INTEGER NOT NULL,        -- first seq of the segment file holding the line
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL
);
CREATE INDEX collect_events_user ON collect_events(user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX collect_events_anon ON collect_events(anonymous_id, seq) WHERE anonymous_id IS NOT NULL;
