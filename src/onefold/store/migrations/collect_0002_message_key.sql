-- Dedup by a 64-bit key of the messageId instead of UNIQUE(message_id) on its text (#3).
-- SDK messageIds are random UUIDs: each indexed event dirtied a random leaf of a 36-character-key
-- index, the indexer's largest cost (bench/README.md, Ingest). message_key is
-- onefold.store.event_index.message_key (8-byte BLAKE2b digest, signed), registered on every state
-- connection as onefold_message_key. The index is not unique: two messageIds may share a key, so
-- every look-up confirms a hit on message_id. SQLite cannot drop a UNIQUE constraint: rebuild.
CREATE TABLE collect_events_keyed (
  seq INTEGER PRIMARY KEY,         -- position in the event log
  message_key INTEGER NOT NULL,    -- onefold_message_key(message_id): dedup look-ups
  message_id TEXT NOT NULL,        -- dedup key (SDK retries); confirms a message_key hit
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
INSERT INTO collect_events_keyed(seq, message_key, message_id, type, event, user_id, anonymous_id, timestamp,
                                 received_at, segment, offset, length)
  SELECT seq, onefold_message_key(message_id), message_id, type, event, user_id, anonymous_id, timestamp,
         received_at, segment, offset, length
  FROM collect_events ORDER BY seq;
DROP TABLE collect_events;
ALTER TABLE collect_events_keyed RENAME TO collect_events;
CREATE INDEX collect_events_message_key ON collect_events(message_key);
CREATE INDEX collect_events_user ON collect_events(user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX collect_events_anon ON collect_events(anonymous_id, seq) WHERE anonymous_id IS NOT NULL;
