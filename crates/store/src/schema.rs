//! The schema, one migration list written once for SQLite and PostgreSQL: `{blob}` becomes
//! `BLOB` or `BYTEA`. Times are Unix milliseconds (BIGINT).

pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "issuer service",
    r#"
CREATE TABLE achievements (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    criteria TEXT NOT NULL,
    body TEXT NOT NULL,
    image {blob} NOT NULL,
    image_type TEXT NOT NULL,
    retired BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    created BIGINT NOT NULL,
    source TEXT NOT NULL,
    rows_json TEXT,
    errors_json TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    error_count BIGINT NOT NULL,
    state TEXT NOT NULL,
    decided BIGINT,
    queued BIGINT,
    skipped BIGINT
);

CREATE TABLE results (
    id TEXT PRIMARY KEY,
    result_key TEXT NOT NULL UNIQUE,
    import_id TEXT,
    email TEXT,
    name TEXT,
    achievement TEXT NOT NULL,
    award_date TEXT NOT NULL,
    result TEXT,
    evidence TEXT,
    batch_id TEXT,
    position BIGINT,
    credential_id TEXT UNIQUE,
    status_index BIGINT UNIQUE,
    salt TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX results_unbatched ON results (batch_id, created);

CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    created BIGINT NOT NULL,
    state TEXT NOT NULL,
    total BIGINT NOT NULL,
    signed BIGINT NOT NULL,
    baked BIGINT NOT NULL,
    ledger TEXT NOT NULL,
    root TEXT,
    step TEXT,
    anchored TEXT,
    owner TEXT,
    lease_until BIGINT,
    error TEXT,
    finished BIGINT
);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    result_id TEXT NOT NULL UNIQUE,
    batch_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    status_index BIGINT NOT NULL UNIQUE,
    achievement TEXT NOT NULL,
    email TEXT,
    name TEXT,
    leaf_hash TEXT NOT NULL,
    body TEXT,
    baked {blob},
    baked_type TEXT,
    issued BIGINT NOT NULL,
    revoked BIGINT,
    suspended BIGINT,
    status_reason TEXT,
    purge_after BIGINT,
    purged BIGINT
);
CREATE INDEX credentials_batch ON credentials (batch_id, position);

CREATE TABLE status_lists (
    list BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    bits {blob} NOT NULL,
    version BIGINT NOT NULL,
    signed_version BIGINT,
    signed_body TEXT,
    PRIMARY KEY (list, purpose)
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('status_index', 0);

CREATE TABLE outbox (
    batch_id TEXT NOT NULL,
    email TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt BIGINT NOT NULL,
    last_error TEXT,
    owner TEXT,
    lease_until BIGINT,
    created BIGINT NOT NULL,
    sent BIGINT,
    PRIMARY KEY (batch_id, email)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    scope TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created BIGINT NOT NULL,
    revoked BIGINT
);

CREATE TABLE staff (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    time BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#,
)];
