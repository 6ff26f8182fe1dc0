-- Rules for real-time stitching (#5): why profiles merged, which merges were refused, hot identifiers.
-- Every real-time merge: which identifier (kind, value) in which event linked the two profiles.
CREATE TABLE stitch_merge_ledger (
  id INTEGER PRIMARY KEY,
  survivor_id INTEGER NOT NULL,        -- the older profile id, kept
  retired_id INTEGER NOT NULL,         -- merged away; still resolves through stitch_merges
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  merged_at TEXT NOT NULL
);
CREATE INDEX stitch_merge_ledger_survivor ON stitch_merge_ledger(survivor_id);
CREATE INDEX stitch_merge_ledger_retired ON stitch_merge_ledger(retired_id);
CREATE INDEX stitch_merges_new ON stitch_merges(new_id);
-- A merge (or attaching a new identifier) that would break a per-type limit or use a hot identifier.
-- One row per (profiles, identifier, rule); repeats bump `times` and the last_* columns.
CREATE TABLE stitch_refused_merges (
  id INTEGER PRIMARY KEY,
  profile_id INTEGER NOT NULL,         -- where the event landed
  other_profile_id INTEGER NOT NULL,   -- the profile the identifier belongs to; 0 when it was new
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  rule TEXT NOT NULL,
  message_id TEXT NOT NULL,            -- first event refused
  first_seq INTEGER NOT NULL,
  refused_at TEXT NOT NULL,
  last_message_id TEXT NOT NULL,
  last_refused_at TEXT NOT NULL,
  times INTEGER NOT NULL DEFAULT 1,
  UNIQUE (profile_id, other_profile_id, kind, value, rule)
);
CREATE INDEX stitch_refused_merges_key ON stitch_refused_merges(kind, value);
CREATE INDEX stitch_refused_merges_other ON stitch_refused_merges(other_profile_id);
-- Distinct profiles an identifier tried to link (bounded: a key turns hot past the threshold).
CREATE TABLE stitch_key_claims (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  PRIMARY KEY (kind, value, profile_id)
) WITHOUT ROWID;
-- Identifiers shared by implausibly many profiles: no longer merge evidence.
CREATE TABLE stitch_hot_keys (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  profiles INTEGER NOT NULL,           -- distinct profiles seen claiming it when it turned hot
  message_id TEXT NOT NULL,            -- the event that tipped it
  seq INTEGER NOT NULL,
  detected_at TEXT NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
