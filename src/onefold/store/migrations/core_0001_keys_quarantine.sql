-- API keys: only a keyed hash (HMAC-SHA256 with the workspace secret) is stored.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('writer', 'reader', 'admin')),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

-- Quarantine: input that parsed but failed validation, kept with its reason; never dropped.
CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,          -- 'api' or the imported file name
  entity TEXT NOT NULL,          -- event type or back-office entity
  row_number INTEGER,            -- 1-based data row in the source file, or index within a batch
  field TEXT,
  reason TEXT NOT NULL,
  record_key TEXT,               -- natural key when known (e.g. order_id), to release on re-import
  payload TEXT NOT NULL,         -- the record as received (JSON)
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'released')),
  created_at TEXT NOT NULL,
  released_at TEXT
);
CREATE INDEX quarantine_open ON quarantine(status, entity, id);
CREATE INDEX quarantine_key ON quarantine(entity, record_key);
