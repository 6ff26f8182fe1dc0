-- One profile id space (written by each `onefold build`, read by the real-time profile API).
-- Real-time profiles are minted as rt_<n>; the build adopts those ids and mints prof_<hash> only for
-- profiles no event has touched. These tables say where the last build put real-time profiles, so the
-- API answers with the id the warehouse uses.
CREATE TABLE identity_rt_profiles (
  rt_id INTEGER PRIMARY KEY,          -- stitch_profiles.id at build time
  profile_id TEXT NOT NULL            -- warehouse profile id
);
CREATE INDEX identity_rt_profiles_profile ON identity_rt_profiles (profile_id);
-- Event identifiers the build placed on another profile than their real-time profile's (a split,
-- an unmerge or a limit the build applied): the build's answer wins for that identifier.
CREATE TABLE identity_identifier_profiles (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
-- Ids retired by merges (warehouse or real-time) → the profile that absorbed them.
CREATE TABLE identity_profile_aliases (
  retired_id TEXT PRIMARY KEY,
  profile_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX identity_profile_aliases_profile ON identity_profile_aliases (profile_id);
