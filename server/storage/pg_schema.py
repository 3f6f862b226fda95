"""The PostgreSQL schema as numbered migrations; each runs once, in its own transaction.

A migration is never changed once released: a new need is a new, higher number.
"""

from __future__ import annotations

# The records mirror the SQLite tables (sqlite_schema.py). Two tables have no SQLite twin:
# `guide_files` holds the guide PDFs themselves (content-addressed, so every replica reads
# the same bytes); `catalog_state` numbers each published change, which replicas hear of
# and catch up to. A publish records its versions, audit entries, catalog text and
# catalog_state row in one transaction (pg_journal.py).
_V1 = """
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL
);
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);
CREATE TABLE versions (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL,
    number INTEGER NOT NULL,
    lang TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    pages INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    restored_from INTEGER,
    last_checked TEXT,
    UNIQUE (slug, lang, number)
);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    guide TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    old_sha256 TEXT NOT NULL DEFAULT '',
    new_sha256 TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.action IN ('login', 'login_failed', 'logout')
       AND OLD.at < to_char(now() AT TIME ZONE 'UTC' - interval '90 days',
                            'YYYY-MM-DD"T"HH24:MI:SS') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE SEQUENCE catalog_snapshot_order;
CREATE TABLE catalog_snapshots (
    sha256 TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    -- Raised each time the text is saved again: the newest is the catalog in force.
    saved_order BIGINT NOT NULL DEFAULT nextval('catalog_snapshot_order')
);
CREATE TABLE usage_daily (
    day TEXT NOT NULL,
    metric TEXT NOT NULL,
    guide TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    count BIGINT NOT NULL,
    PRIMARY KEY (day, metric, guide, lang)
);
CREATE TABLE notices (
    id BIGSERIAL PRIMARY KEY,
    text_id TEXT NOT NULL,
    text_en TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    removed_at TEXT,
    removed_by TEXT
);
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    guide TEXT NOT NULL,
    lang TEXT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feedback_guide ON feedback(guide, day);
CREATE TABLE usage_seen (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    seq BIGSERIAL NOT NULL  -- the newest ids are kept (SeenLimits.total)
);
CREATE INDEX usage_seen_day ON usage_seen(day);

CREATE TABLE guide_files (
    sha256 TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size BIGINT NOT NULL CHECK (size = octet_length(data)),
    data BYTEA NOT NULL,
    stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Uncompressed out of line: PDFs barely compress, and a byte range is read without
-- reading the whole file.
ALTER TABLE guide_files ALTER COLUMN data SET STORAGE EXTERNAL;
-- Each published change, numbered: the catalog version every replica reports and
-- catches up to (replica_sync.py). Its catalog is the newest snapshot, its files the
-- newest version of each guide file.
CREATE TABLE catalog_state (
    version BIGSERIAL PRIMARY KEY,
    catalog_sha256 TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A change decided but not yet recorded (journal.py); finished by whichever replica
-- takes the publish lock next.
CREATE TABLE pending (
    id BIGSERIAL PRIMARY KEY,
    payload TEXT NOT NULL
);
-- The key that signs admin cookies and hashes login addresses: one for every replica,
-- so that a session made on one is good on all (made once, by whichever starts first).
CREATE TABLE site_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL CHECK (length(value) >= 32)
);
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
LATEST = len(MIGRATIONS)
