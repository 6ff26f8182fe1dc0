-- Must-not-link constraints from `onefold identity split` / `unmerge`: honoured by every later build.
CREATE TABLE identity_constraints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  a_type TEXT NOT NULL,
  a_source TEXT NOT NULL,
  a_id TEXT NOT NULL,
  b_type TEXT NOT NULL,
  b_source TEXT NOT NULL,
  b_id TEXT NOT NULL,
  reason TEXT NOT NULL,          -- 'split <profile>' or 'unmerge <edge>'
  created_at TEXT NOT NULL
);
CREATE INDEX identity_constraints_a ON identity_constraints (a_type, a_source, a_id);
