-- Real-time deterministic profiles: identifiers linked by the same event, alias, identify traits.
CREATE TABLE stitch_profiles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  traits TEXT NOT NULL DEFAULT '{}',   -- latest identify traits (JSON object)
  event_count INTEGER NOT NULL DEFAULT 0,
  first_seen TEXT,
  last_seen TEXT,
  created_seq INTEGER NOT NULL
);
CREATE TABLE stitch_identifiers (
  kind TEXT NOT NULL,                  -- user_id, anonymous_id, email, phone
  value TEXT NOT NULL,                 -- normalised (onefold.identity.normalize)
  profile_id INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX stitch_identifiers_profile ON stitch_identifiers(profile_id);
-- A merged-away profile id keeps resolving to the survivor.
CREATE TABLE stitch_merges (
  old_id INTEGER PRIMARY KEY,
  new_id INTEGER NOT NULL,
  seq INTEGER NOT NULL
);
