//! The issuer service's database: SQLite (the embedded default, one file) or PostgreSQL (shared
//! by several instances), through one `sqlx::Any` code path and one schema.
//!
//! Work that several instances could pick up at once (forming a batch, working on a batch,
//! sending a message) is claimed with a compare-and-set on an owner and a lease time, so exactly
//! one instance holds it; a crashed instance's lease runs out and another one carries on from
//! the last committed step.

mod schema;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row as _};
use std::borrow::Cow;
use std::time::Duration;

/// Database errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    Url(String),
}

type Result<T> = std::result::Result<T, Error>;

/// The batch id recorded for credentials issued one by one through the VC-API.
pub const VC_API_BATCH: &str = "vc-api";

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    kind: Kind,
}

/// An achievement in the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Achievement {
    pub key: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    /// The rest of the OB `Achievement` (alignments, result descriptions, tags…), JSON.
    pub body: String,
    pub image: Vec<u8>,
    /// `image/png` or `image/svg+xml`.
    pub image_type: String,
    pub retired: Option<i64>,
    pub created: i64,
    pub updated: i64,
}

/// A result to be issued, as a batch sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: String,
    pub credential_id: String,
    pub status_index: i64,
    pub salt: String,
    pub position: i64,
    pub email: String,
    pub name: String,
    pub achievement: String,
    pub award_date: String,
    pub result: Option<String>,
    pub evidence: Option<String>,
}

/// A new result row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResult {
    pub key: String,
    pub email: String,
    pub name: String,
    pub achievement: String,
    pub award_date: String,
    pub result: Option<String>,
    pub evidence: Option<String>,
}

/// A batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: String,
    pub created: i64,
    /// `open` (to sign), `signed` (to anchor), `anchored` (to bake), `done`.
    pub state: String,
    pub total: i64,
    pub signed: i64,
    pub baked: i64,
    pub ledger: String,
    pub root: Option<String>,
    pub step: Option<String>,
    pub anchored: Option<String>,
    pub error: Option<String>,
    pub finished: Option<i64>,
}

/// A signed credential, before anchoring.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub id: String,
    pub result_id: String,
    pub position: i64,
    pub status_index: i64,
    pub achievement: String,
    pub email: String,
    pub name: String,
    pub leaf_hash: String,
    pub body: String,
}

/// A credential to bake or mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: String,
    pub position: i64,
    pub achievement: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub baked: Option<Vec<u8>>,
    pub baked_type: Option<String>,
}

/// A claimed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub batch_id: String,
    pub email: String,
    pub attempts: i64,
}

/// A row of the outbox, for staff.
#[derive(Debug, Clone, PartialEq)]
pub struct MailStatus {
    pub batch_id: String,
    pub email: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt: i64,
    pub last_error: Option<String>,
    pub sent: Option<i64>,
}

/// A credential's status, for staff.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialInfo {
    pub id: String,
    pub batch_id: String,
    pub achievement: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub status_index: i64,
    pub issued: i64,
    pub revoked: Option<i64>,
    pub suspended: Option<i64>,
    pub status_reason: Option<String>,
    pub purge_after: Option<i64>,
    pub purged: Option<i64>,
}

/// A status list row.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusList {
    pub bits: Vec<u8>,
    pub version: i64,
    pub signed_version: Option<i64>,
    pub signed_body: Option<String>,
}

/// An import waiting for a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub id: String,
    pub created: i64,
    pub source: String,
    pub rows_json: Option<String>,
    pub errors_json: String,
    pub row_count: i64,
    pub error_count: i64,
    /// `checked`, `confirmed` or `discarded`.
    pub state: String,
    pub queued: Option<i64>,
    pub skipped: Option<i64>,
}

/// An API token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub id: String,
    pub app: String,
    pub scope: String,
    pub created: i64,
    pub revoked: Option<i64>,
}

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    pub credentials: u64,
    pub messages: u64,
    pub results: u64,
    pub imports: u64,
    pub sessions: u64,
}

/// What is stored about people, for `privacy-report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privacy {
    pub imports_waiting: i64,
    pub results_waiting: i64,
    pub results_kept_for_dedup: i64,
    pub credentials_with_personal_data: i64,
    pub credentials_awaiting_delivery: i64,
    pub credentials_purged: i64,
    pub next_purge: Option<i64>,
    pub messages_queued: i64,
    pub messages_failed: i64,
    pub messages_sent_kept: i64,
    pub staff_accounts: i64,
    pub tokens: i64,
    pub status_reasons: i64,
}

fn s(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}
fn os(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}
fn i(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}
fn oi(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}
fn ob(row: &AnyRow, col: &str) -> Result<Option<Vec<u8>>> {
    Ok(row.try_get::<Option<Vec<u8>>, _>(col)?)
}

/// A random id (128 bits, hex).
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    // The OS random source does not fail on Linux once booted; fall back to time and
    // address entropy rather than panic.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = t.to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Store {
    /// Opens (creating an SQLite file if needed) and migrates.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            Kind::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Kind::Postgres
        } else {
            return Err(Error::Url(url.into()));
        };
        let opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match kind {
            // One connection: SQLite has one writer, and a single connection never meets
            // SQLITE_BUSY inside a transaction.
            Kind::Sqlite => {
                opts.max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            use sqlx::Executor as _;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Kind::Postgres => opts.max_connections(16).connect(url).await?,
        };
        let store = Store { pool, kind };
        store.migrate().await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    async fn migrate(&self) -> Result<()> {
        let blob = match self.kind {
            Kind::Sqlite => "BLOB",
            Kind::Postgres => "BYTEA",
        };
        let migrations = schema::MIGRATIONS
            .iter()
            .map(|(version, what, sql)| {
                sqlx::migrate::Migration::new(
                    *version,
                    Cow::Borrowed(*what),
                    sqlx::migrate::MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(
                        sql.replace("{blob}", blob),
                    )),
                    false,
                )
            })
            .collect();
        // Several instances may start at once: the migrator takes a database lock.
        sqlx::migrate::Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- achievements -------------------------------------------------------------------

    /// Adds or replaces an achievement.
    pub async fn put_achievement(&self, a: &Achievement) -> Result<()> {
        sqlx::query(
            "INSERT INTO achievements (key, name, description, criteria, body, image, image_type, retired, created, updated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (key) DO UPDATE SET name = $2, description = $3, criteria = $4, body = $5,
                 image = $6, image_type = $7, retired = $8, updated = $10",
        )
        .bind(&a.key)
        .bind(&a.name)
        .bind(&a.description)
        .bind(&a.criteria)
        .bind(&a.body)
        .bind(&a.image)
        .bind(&a.image_type)
        .bind(a.retired)
        .bind(a.created)
        .bind(a.updated)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn achievement(row: &AnyRow) -> Result<Achievement> {
        Ok(Achievement {
            key: s(row, "key")?,
            name: s(row, "name")?,
            description: s(row, "description")?,
            criteria: s(row, "criteria")?,
            body: s(row, "body")?,
            image: ob(row, "image")?.unwrap_or_default(),
            image_type: s(row, "image_type")?,
            retired: oi(row, "retired")?,
            created: i(row, "created")?,
            updated: i(row, "updated")?,
        })
    }

    /// One achievement.
    pub async fn achievement_by_key(&self, key: &str) -> Result<Option<Achievement>> {
        let row = sqlx::query("SELECT * FROM achievements WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::achievement).transpose()
    }

    /// Every achievement, by key.
    pub async fn achievements(&self) -> Result<Vec<Achievement>> {
        let rows = sqlx::query("SELECT * FROM achievements ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::achievement).collect()
    }

    /// Every achievement's display name, by key.
    pub async fn achievement_names(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, name FROM achievements")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((s(r, "key")?, s(r, "name")?)))
            .collect()
    }

    /// Retires (or brings back) an achievement. Its badges stay valid; no new ones are issued.
    pub async fn retire_achievement(&self, key: &str, retired: Option<i64>) -> Result<()> {
        let done = sqlx::query("UPDATE achievements SET retired = $2 WHERE key = $1")
            .bind(key)
            .bind(retired)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("achievement {key:?}")));
        }
        Ok(())
    }

    // ---- results in ---------------------------------------------------------------------

    /// Records a checked import, waiting for staff to confirm it.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_import(
        &self,
        id: &str,
        source: &str,
        rows_json: &str,
        errors_json: &str,
        row_count: i64,
        error_count: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO imports (id, created, source, rows_json, errors_json, row_count, error_count, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'checked')",
        )
        .bind(id)
        .bind(now)
        .bind(source)
        .bind(rows_json)
        .bind(errors_json)
        .bind(row_count)
        .bind(error_count)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One import.
    pub async fn import(&self, id: &str) -> Result<Option<Import>> {
        let row = sqlx::query("SELECT * FROM imports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::import_row).transpose()
    }

    fn import_row(row: &AnyRow) -> Result<Import> {
        Ok(Import {
            id: s(row, "id")?,
            created: i(row, "created")?,
            source: s(row, "source")?,
            rows_json: os(row, "rows_json")?,
            errors_json: s(row, "errors_json")?,
            row_count: i(row, "row_count")?,
            error_count: i(row, "error_count")?,
            state: s(row, "state")?,
            queued: oi(row, "queued")?,
            skipped: oi(row, "skipped")?,
        })
    }

    /// Recent imports, newest first.
    pub async fn imports(&self, limit: i64) -> Result<Vec<Import>> {
        let rows = sqlx::query("SELECT * FROM imports ORDER BY created DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::import_row).collect()
    }

    /// Confirms an import: its rows are queued (those already known are skipped) and its copy
    /// of them is dropped. Returns (queued, skipped). Confirming twice is refused.
    pub async fn confirm_import(
        &self,
        id: &str,
        rows: &[NewResult],
        now: i64,
    ) -> Result<(u64, u64)> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE imports SET state = 'confirmed', decided = $2, rows_json = NULL
             WHERE id = $1 AND state = 'checked'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "import {id} is not waiting for confirmation"
            )));
        }
        let queued = Self::insert_results(&mut tx, Some(id), rows, now).await?;
        let skipped = rows.len() as u64 - queued;
        sqlx::query("UPDATE imports SET queued = $2, skipped = $3 WHERE id = $1")
            .bind(id)
            .bind(queued as i64)
            .bind(skipped as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((queued, skipped))
    }

    /// Discards an import waiting for confirmation.
    pub async fn discard_import(&self, id: &str, now: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE imports SET state = 'discarded', decided = $2, rows_json = NULL
             WHERE id = $1 AND state = 'checked'",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "import {id} is not waiting for confirmation"
            )));
        }
        Ok(())
    }

    /// Queues results straight away (results pushed by an application). Returns (queued,
    /// skipped as already known).
    pub async fn queue_results(&self, rows: &[NewResult], now: i64) -> Result<(u64, u64)> {
        let mut tx = self.pool.begin().await?;
        let queued = Self::insert_results(&mut tx, None, rows, now).await?;
        tx.commit().await?;
        Ok((queued, rows.len() as u64 - queued))
    }

    async fn insert_results(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        import: Option<&str>,
        rows: &[NewResult],
        now: i64,
    ) -> Result<u64> {
        let mut queued = 0;
        for r in rows {
            let done = sqlx::query(
                "INSERT INTO results (id, result_key, import_id, email, name, achievement, award_date, result, evidence, created)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (result_key) DO NOTHING",
            )
            .bind(random_id())
            .bind(&r.key)
            .bind(import)
            .bind(&r.email)
            .bind(&r.name)
            .bind(&r.achievement)
            .bind(&r.award_date)
            .bind(&r.result)
            .bind(&r.evidence)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            queued += done.rows_affected();
        }
        Ok(queued)
    }

    /// Results waiting for a batch.
    pub async fn waiting_results(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM results WHERE batch_id IS NULL")
            .fetch_one(&self.pool)
            .await?;
        i(&row, "n")
    }

    // ---- batches ------------------------------------------------------------------------

    /// Puts up to `max` waiting results into a new batch, claimed by `owner`: each gets its
    /// position, credential id, status index and salt now, so that signing it again after a
    /// crash gives the same credential. Returns the batch, or `None` when nothing waits.
    pub async fn form_batch(
        &self,
        owner: &str,
        ledger: &str,
        max: i64,
        now: i64,
        lease_ms: i64,
        fresh: &(dyn Fn() -> (String, String) + Sync),
    ) -> Result<Option<Batch>> {
        let mut tx = self.pool.begin().await?;
        let mut rows: Vec<(String, Option<String>)> = sqlx::query(
            "SELECT id, email FROM results WHERE batch_id IS NULL ORDER BY email, created, id LIMIT $1",
        )
        .bind(max + 1)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((s(r, "id")?, os(r, "email")?)))
        .collect::<Result<_>>()?;
        // A student's results stay together, so they get one message: when the batch is full,
        // the last student's results wait for the next batch (unless they alone fill it).
        if rows.len() as i64 > max {
            let next = rows.pop().and_then(|r| r.1);
            let keep = rows
                .iter()
                .rposition(|r| r.1 != next)
                .map_or(rows.len(), |p| p + 1);
            rows.truncate(keep);
        }
        let ids: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let batch = random_id();
        let start = Self::take_indices(&mut tx, ids.len() as i64).await?;
        let mut taken = 0i64;
        for id in &ids {
            let (credential_id, salt) = fresh();
            let done = sqlx::query(
                "UPDATE results SET batch_id = $1, position = $2, credential_id = $3, status_index = $4, salt = $5
                 WHERE id = $6 AND batch_id IS NULL",
            )
            .bind(&batch)
            .bind(taken)
            .bind(credential_id)
            .bind(start + taken)
            .bind(salt)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            taken += done.rows_affected() as i64;
        }
        if taken == 0 {
            // Another instance took them first.
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO batches (id, created, state, total, signed, baked, ledger, owner, lease_until)
             VALUES ($1, $2, 'open', $3, 0, 0, $4, $5, $6)",
        )
        .bind(&batch)
        .bind(now)
        .bind(taken)
        .bind(ledger)
        .bind(owner)
        .bind(now + lease_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.batch(&batch).await
    }

    fn batch_row(row: &AnyRow) -> Result<Batch> {
        Ok(Batch {
            id: s(row, "id")?,
            created: i(row, "created")?,
            state: s(row, "state")?,
            total: i(row, "total")?,
            signed: i(row, "signed")?,
            baked: i(row, "baked")?,
            ledger: s(row, "ledger")?,
            root: os(row, "root")?,
            step: os(row, "step")?,
            anchored: os(row, "anchored")?,
            error: os(row, "error")?,
            finished: oi(row, "finished")?,
        })
    }

    /// One batch.
    pub async fn batch(&self, id: &str) -> Result<Option<Batch>> {
        let row = sqlx::query("SELECT * FROM batches WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::batch_row).transpose()
    }

    /// Recent batches, newest first.
    pub async fn batches(&self, limit: i64) -> Result<Vec<Batch>> {
        let rows = sqlx::query("SELECT * FROM batches ORDER BY created DESC, id LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::batch_row).collect()
    }

    /// Claims an unfinished batch whose lease has run out (or that `owner` holds already).
    pub async fn claim_batch(&self, owner: &str, now: i64, lease_ms: i64) -> Result<Option<Batch>> {
        let candidates = sqlx::query(
            "SELECT id FROM batches WHERE state <> 'done'
               AND (owner IS NULL OR owner = $1 OR lease_until < $2)
             ORDER BY created LIMIT 8",
        )
        .bind(owner)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for row in candidates {
            let id = s(&row, "id")?;
            let done = sqlx::query(
                "UPDATE batches SET owner = $1, lease_until = $2
                 WHERE id = $3 AND state <> 'done' AND (owner IS NULL OR owner = $1 OR lease_until < $4)",
            )
            .bind(owner)
            .bind(now + lease_ms)
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 1 {
                return self.batch(&id).await;
            }
        }
        Ok(None)
    }

    /// Records progress (for staff) and extends `owner`'s lease on a batch, in one statement;
    /// fails if another instance has taken the batch over.
    pub async fn renew_batch(
        &self,
        id: &str,
        owner: &str,
        progress: (i64, i64),
        now: i64,
        lease_ms: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE batches SET lease_until = $1, signed = $4, baked = $5 WHERE id = $2 AND owner = $3",
        )
        .bind(now + lease_ms)
        .bind(id)
        .bind(owner)
        .bind(progress.0)
        .bind(progress.1)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "batch {id} was taken over by another instance"
            )));
        }
        Ok(())
    }

    /// Records a batch error for staff (the batch is retried).
    pub async fn batch_error(&self, id: &str, error: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE batches SET error = $2 WHERE id = $1")
            .bind(id)
            .bind(error)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The results of a batch, in position order.
    pub async fn batch_results(&self, batch: &str) -> Result<Vec<Pending>> {
        let rows = sqlx::query("SELECT * FROM results WHERE batch_id = $1 ORDER BY position")
            .bind(batch)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let missing =
                    |c: &str| Error::Corrupt(format!("a result in batch {batch} has no {c}"));
                Ok(Pending {
                    id: s(r, "id")?,
                    credential_id: os(r, "credential_id")?
                        .ok_or_else(|| missing("credential id"))?,
                    status_index: oi(r, "status_index")?.ok_or_else(|| missing("status index"))?,
                    salt: os(r, "salt")?.ok_or_else(|| missing("salt"))?,
                    position: oi(r, "position")?.ok_or_else(|| missing("position"))?,
                    email: os(r, "email")?.ok_or_else(|| missing("e-mail address"))?,
                    name: os(r, "name")?.ok_or_else(|| missing("name"))?,
                    achievement: s(r, "achievement")?,
                    award_date: s(r, "award_date")?,
                    result: os(r, "result")?,
                    evidence: os(r, "evidence")?,
                })
            })
            .collect()
    }

    /// Stores a batch's signed credentials and its root in one transaction: `open` → `signed`.
    pub async fn store_signed(
        &self,
        batch: &str,
        owner: &str,
        creds: &[Signed],
        root: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE batches SET state = 'signed', root = $2, signed = $3 WHERE id = $1 AND state = 'open' AND owner = $4",
        )
        .bind(batch)
        .bind(root)
        .bind(creds.len() as i64)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "batch {batch} is no longer open for this instance"
            )));
        }
        for c in creds {
            sqlx::query(
                "INSERT INTO credentials (id, result_id, batch_id, position, status_index, achievement, email, name, leaf_hash, body, issued)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&c.id)
            .bind(&c.result_id)
            .bind(batch)
            .bind(c.position)
            .bind(c.status_index)
            .bind(&c.achievement)
            .bind(&c.email)
            .bind(&c.name)
            .bind(&c.leaf_hash)
            .bind(&c.body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The leaf hashes of a batch, in position order.
    pub async fn batch_leaves(&self, batch: &str) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT leaf_hash FROM credentials WHERE batch_id = $1 ORDER BY position")
                .bind(batch)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| s(r, "leaf_hash")).collect()
    }

    /// Saves what the ledger must remember before it acts (a signed transaction).
    pub async fn save_step(&self, batch: &str, owner: &str, step: &str) -> Result<()> {
        let done = sqlx::query("UPDATE batches SET step = $2 WHERE id = $1 AND owner = $3")
            .bind(batch)
            .bind(step)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "batch {batch} was taken over by another instance"
            )));
        }
        Ok(())
    }

    /// Records the anchor: `signed` → `anchored`.
    pub async fn set_anchored(&self, batch: &str, anchored: &str) -> Result<()> {
        sqlx::query("UPDATE batches SET state = 'anchored', anchored = $2 WHERE id = $1 AND state = 'signed'")
            .bind(batch)
            .bind(anchored)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Credentials of a batch not baked yet, in position order.
    pub async fn unbaked(&self, batch: &str, limit: i64) -> Result<Vec<Stored>> {
        let rows = sqlx::query(
            "SELECT id, position, achievement, name, body, baked, baked_type FROM credentials
             WHERE batch_id = $1 AND baked IS NULL ORDER BY position LIMIT $2",
        )
        .bind(batch)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::stored).collect()
    }

    fn stored(r: &AnyRow) -> Result<Stored> {
        Ok(Stored {
            id: s(r, "id")?,
            position: i(r, "position")?,
            achievement: s(r, "achievement")?,
            name: os(r, "name")?,
            body: os(r, "body")?,
            baked: ob(r, "baked")?,
            baked_type: os(r, "baked_type")?,
        })
    }

    /// Stores anchored bodies and baked images: (id, body, baked, type).
    pub async fn store_baked(
        &self,
        batch: &str,
        items: &[(String, String, Vec<u8>, String)],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (id, body, baked, ty) in items {
            sqlx::query("UPDATE credentials SET body = $2, baked = $3, baked_type = $4 WHERE id = $1 AND baked IS NULL")
                .bind(id)
                .bind(body)
                .bind(baked)
                .bind(ty)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE batches SET baked = (SELECT COUNT(*) FROM credentials WHERE batch_id = $1 AND baked IS NOT NULL) WHERE id = $1",
        )
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finishes a batch: one message per student goes to the outbox, the results keep only
    /// their duplicate key, and the batch is `done`. One transaction.
    pub async fn finish_batch(&self, batch: &str, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE batches SET state = 'done', finished = $2, owner = NULL, lease_until = NULL, error = NULL
             WHERE id = $1 AND state = 'anchored'",
        )
        .bind(batch)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "batch {batch} is not ready to finish"
            )));
        }
        sqlx::query(
            "INSERT INTO outbox (batch_id, email, state, attempts, next_attempt, created)
             SELECT batch_id, email, 'queued', 0, $2, $2 FROM credentials
             WHERE batch_id = $1 AND email IS NOT NULL GROUP BY batch_id, email
             ON CONFLICT (batch_id, email) DO NOTHING",
        )
        .bind(batch)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE results SET email = NULL, name = NULL, result = NULL, evidence = NULL, salt = NULL
             WHERE batch_id = $1",
        )
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- outbox -------------------------------------------------------------------------

    /// Claims a message that is due and not leased by another instance (`owner`'s own
    /// leases, left by a crash of this same instance, are taken back at once).
    pub async fn claim_mail(&self, owner: &str, now: i64, lease_ms: i64) -> Result<Option<Mail>> {
        let rows = sqlx::query(
            "SELECT batch_id, email, attempts FROM outbox
             WHERE state = 'queued' AND next_attempt <= $1 AND (lease_until IS NULL OR lease_until < $1 OR owner = $2)
             ORDER BY next_attempt LIMIT 8",
        )
        .bind(now)
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let (batch_id, email) = (s(&r, "batch_id")?, s(&r, "email")?);
            let done = sqlx::query(
                "UPDATE outbox SET owner = $1, lease_until = $2
                 WHERE batch_id = $3 AND email = $4 AND state = 'queued' AND (lease_until IS NULL OR lease_until < $5 OR owner = $1)",
            )
            .bind(owner)
            .bind(now + lease_ms)
            .bind(&batch_id)
            .bind(&email)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 1 {
                return Ok(Some(Mail {
                    batch_id,
                    email,
                    attempts: i(&r, "attempts")?,
                }));
            }
        }
        Ok(None)
    }

    /// The credentials a message carries.
    pub async fn mail_credentials(&self, batch: &str, email: &str) -> Result<Vec<Stored>> {
        let rows = sqlx::query(
            "SELECT id, position, achievement, name, body, baked, baked_type FROM credentials
             WHERE batch_id = $1 AND email = $2 ORDER BY position",
        )
        .bind(batch)
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::stored).collect()
    }

    /// Records a delivered message; its credentials' personal data may go after `purge_after`.
    pub async fn mail_sent(
        &self,
        batch: &str,
        email: &str,
        now: i64,
        purge_after: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE outbox SET state = 'sent', sent = $3, owner = NULL, lease_until = NULL, last_error = NULL,
                 attempts = attempts + 1
             WHERE batch_id = $1 AND email = $2",
        )
        .bind(batch)
        .bind(email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE credentials SET purge_after = $3 WHERE batch_id = $1 AND email = $2")
            .bind(batch)
            .bind(email)
            .bind(purge_after)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `next_attempt`, or given up (`failed`) when
    /// the server refused the message for good.
    pub async fn mail_failed(
        &self,
        batch: &str,
        email: &str,
        error: &str,
        next_attempt: i64,
        permanent: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = $3, attempts = attempts + 1, next_attempt = $4, last_error = $5,
                 owner = NULL, lease_until = NULL
             WHERE batch_id = $1 AND email = $2",
        )
        .bind(batch)
        .bind(email)
        .bind(if permanent { "failed" } else { "queued" })
        .bind(next_attempt)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Queues a message again (staff resend), while its credentials are still kept.
    pub async fn resend(&self, batch: &str, email: &str, now: i64) -> Result<()> {
        let kept = sqlx::query(
            "SELECT COUNT(*) AS n FROM credentials WHERE batch_id = $1 AND email = $2 AND purged IS NULL AND baked IS NOT NULL",
        )
        .bind(batch)
        .bind(email)
        .fetch_one(&self.pool)
        .await?;
        if i(&kept, "n")? == 0 {
            return Err(Error::NotFound(format!(
                "a message to {email} in batch {batch} that is still within the retention window"
            )));
        }
        sqlx::query(
            "UPDATE outbox SET state = 'queued', next_attempt = $3, owner = NULL, lease_until = NULL
             WHERE batch_id = $1 AND email = $2",
        )
        .bind(batch)
        .bind(email)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The outbox, most recent first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<MailStatus>> {
        let rows = sqlx::query("SELECT * FROM outbox ORDER BY created DESC, email LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MailStatus {
                    batch_id: s(r, "batch_id")?,
                    email: s(r, "email")?,
                    state: s(r, "state")?,
                    attempts: i(r, "attempts")?,
                    next_attempt: i(r, "next_attempt")?,
                    last_error: os(r, "last_error")?,
                    sent: oi(r, "sent")?,
                })
            })
            .collect()
    }

    // ---- status -------------------------------------------------------------------------

    fn credential_info(r: &AnyRow) -> Result<CredentialInfo> {
        Ok(CredentialInfo {
            id: s(r, "id")?,
            batch_id: s(r, "batch_id")?,
            achievement: s(r, "achievement")?,
            email: os(r, "email")?,
            name: os(r, "name")?,
            status_index: i(r, "status_index")?,
            issued: i(r, "issued")?,
            revoked: oi(r, "revoked")?,
            suspended: oi(r, "suspended")?,
            status_reason: os(r, "status_reason")?,
            purge_after: oi(r, "purge_after")?,
            purged: oi(r, "purged")?,
        })
    }

    /// One credential's record.
    pub async fn credential(&self, id: &str) -> Result<Option<CredentialInfo>> {
        let row = sqlx::query(
            "SELECT id, batch_id, achievement, email, name, status_index, issued, revoked, suspended, status_reason, purge_after, purged
             FROM credentials WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::credential_info).transpose()
    }

    /// Credentials, newest first; `email` narrows to one student.
    pub async fn credentials(
        &self,
        email: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CredentialInfo>> {
        const COLUMNS: &str = "SELECT id, batch_id, achievement, email, name, status_index, issued, revoked, suspended, status_reason, purge_after, purged FROM credentials";
        let rows = match email {
            Some(email) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE email = $1 ORDER BY issued DESC, position LIMIT $2"
                )))
                .bind(email)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} ORDER BY issued DESC, position LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(Self::credential_info).collect()
    }

    /// Sets or clears a credential's bit on the `purpose` list (`revocation` or `suspension`),
    /// recording the reason and an audit line. Returns the list number and whether the bit
    /// changed. Revocation cannot be undone.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_status(
        &self,
        credential: &str,
        purpose: &str,
        value: bool,
        reason: &str,
        actor: &str,
        entries_per_list: i64,
        now: i64,
    ) -> Result<(i64, bool)> {
        let column = match purpose {
            "revocation" => "revoked",
            "suspension" => "suspended",
            other => return Err(Error::Conflict(format!("unknown status purpose {other:?}"))),
        };
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT status_index, revoked FROM credentials WHERE id = $1")
            .bind(credential)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("credential {credential}")))?;
        let index = i(&row, "status_index")?;
        if purpose == "revocation" && !value && oi(&row, "revoked")?.is_some() {
            return Err(Error::Conflict(format!(
                "credential {credential} is revoked; revocation cannot be undone"
            )));
        }
        let list = index / entries_per_list;
        let bit = (index % entries_per_list) as usize;
        sqlx::query(
            "INSERT INTO status_lists (list, purpose, bits, version) VALUES ($1, $2, $3, 0)
             ON CONFLICT (list, purpose) DO NOTHING",
        )
        .bind(list)
        .bind(purpose)
        .bind(vec![0u8; (entries_per_list / 8) as usize])
        .execute(&mut *tx)
        .await?;
        // PostgreSQL: lock the row for the read-modify-write.
        let lock = match self.kind {
            Kind::Postgres => " FOR UPDATE",
            Kind::Sqlite => "",
        };
        let sql = format!(
            "SELECT bits, version FROM status_lists WHERE list = $1 AND purpose = $2{lock}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .bind(purpose)
            .fetch_one(&mut *tx)
            .await?;
        let mut bits = ob(&row, "bits")?.unwrap_or_default();
        let version = i(&row, "version")?;
        let byte = bits.get_mut(bit / 8).ok_or_else(|| {
            Error::Corrupt(format!("status list {list} ({purpose}) is too short"))
        })?;
        let mask = 1u8 << (7 - (bit % 8));
        let was = *byte & mask != 0;
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        let changed = was != value;
        if changed {
            sqlx::query(
                "UPDATE status_lists SET bits = $3, version = $4 WHERE list = $1 AND purpose = $2",
            )
            .bind(list)
            .bind(purpose)
            .bind(bits)
            .bind(version + 1)
            .execute(&mut *tx)
            .await?;
            let sql =
                format!("UPDATE credentials SET {column} = $2, status_reason = $3 WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(credential)
                .bind(if value { Some(now) } else { None })
                .bind(reason)
                .execute(&mut *tx)
                .await?;
        }
        Self::audit_in(
            &mut tx,
            actor,
            &format!("{purpose}={value}"),
            credential,
            reason,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((list, changed))
    }

    /// A status list, if any bit of it was ever set.
    pub async fn status_list(&self, list: i64, purpose: &str) -> Result<Option<StatusList>> {
        let row = sqlx::query("SELECT * FROM status_lists WHERE list = $1 AND purpose = $2")
            .bind(list)
            .bind(purpose)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StatusList {
                bits: ob(&r, "bits")?.unwrap_or_default(),
                version: i(&r, "version")?,
                signed_version: oi(&r, "signed_version")?,
                signed_body: os(&r, "signed_body")?,
            })
        })
        .transpose()
    }

    /// Keeps the signed form of a list version (unless a newer one is stored).
    pub async fn store_signed_list(
        &self,
        list: i64,
        purpose: &str,
        version: i64,
        body: &str,
        entries_per_list: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO status_lists (list, purpose, bits, version) VALUES ($1, $2, $3, 0)
             ON CONFLICT (list, purpose) DO NOTHING",
        )
        .bind(list)
        .bind(purpose)
        .bind(vec![0u8; (entries_per_list / 8) as usize])
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE status_lists SET signed_version = $3, signed_body = $4
             WHERE list = $1 AND purpose = $2 AND version = $3",
        )
        .bind(list)
        .bind(purpose)
        .bind(version)
        .bind(body)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Hands out `n` status indices in one statement (the row is locked until the transaction
    /// ends, so two transactions never get the same ones); returns the first.
    async fn take_indices(tx: &mut sqlx::Transaction<'static, sqlx::Any>, n: i64) -> Result<i64> {
        let row = sqlx::query(
            "UPDATE counters SET value = value + $1 WHERE name = 'status_index' RETURNING value",
        )
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
        Ok(i(&row, "value")? - n)
    }

    /// Records a credential issued through the VC-API with a status entry; returns its status
    /// index. Its body is not kept.
    pub async fn register_credential(&self, id: &str, label: &str, now: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let index = Self::take_indices(&mut tx, 1).await?;
        let done = sqlx::query(
            "INSERT INTO credentials (id, result_id, batch_id, position, status_index, achievement, leaf_hash, issued, purged)
             VALUES ($1, $2, $6, 0, $3, $4, '', $5, $5)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(format!("vc-api:{id}"))
        .bind(index)
        .bind(label)
        .bind(now)
        .bind(VC_API_BATCH)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!("credential {id} exists already")));
        }
        tx.commit().await?;
        Ok(index)
    }

    /// The highest status index handed out so far (exclusive).
    pub async fn status_indices_used(&self) -> Result<i64> {
        let row = sqlx::query("SELECT value FROM counters WHERE name = 'status_index'")
            .fetch_one(&self.pool)
            .await?;
        i(&row, "value")
    }

    // ---- privacy ------------------------------------------------------------------------

    /// Removes personal data whose time has come: credential bodies, images, names and
    /// addresses after `purge_after`; sent messages with them; result keys older than
    /// `results_before`; undecided imports older than `imports_before`; expired sessions.
    pub async fn purge(
        &self,
        now: i64,
        results_before: i64,
        imports_before: i64,
    ) -> Result<Purged> {
        let mut tx = self.pool.begin().await?;
        // Messages first: they name the address the credentials are about to forget.
        let messages = sqlx::query(
            "DELETE FROM outbox WHERE state = 'sent' AND EXISTS (SELECT 1 FROM credentials c
                 WHERE c.batch_id = outbox.batch_id AND c.email = outbox.email AND c.purge_after <= $1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let credentials = sqlx::query(
            "UPDATE credentials SET body = NULL, baked = NULL, baked_type = NULL, email = NULL, name = NULL, purged = $1
             WHERE purge_after <= $1 AND purged IS NULL",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let results = sqlx::query(
            "DELETE FROM results WHERE created < $1 AND batch_id IS NOT NULL AND EXISTS
                 (SELECT 1 FROM credentials c WHERE c.result_id = results.id AND c.purged IS NOT NULL)",
        )
        .bind(results_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let imports = sqlx::query(
            "UPDATE imports SET rows_json = NULL, errors_json = '[]', state = CASE WHEN state = 'checked' THEN 'expired' ELSE state END
             WHERE created < $1 AND (rows_json IS NOT NULL OR errors_json <> '[]')",
        )
        .bind(imports_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(Purged {
            credentials,
            messages,
            results,
            imports,
            sessions,
        })
    }

    /// Counts of what is stored about people.
    pub async fn privacy(&self) -> Result<Privacy> {
        let n = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(&self.pool).await?;
            Ok::<i64, Error>(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0))
        };
        Ok(Privacy {
            imports_waiting: n(
                "SELECT COUNT(*) FROM imports WHERE rows_json IS NOT NULL OR errors_json <> '[]'",
            )
            .await?,
            results_waiting: n("SELECT COUNT(*) FROM results WHERE email IS NOT NULL").await?,
            results_kept_for_dedup: n("SELECT COUNT(*) FROM results WHERE email IS NULL").await?,
            credentials_with_personal_data: n(
                "SELECT COUNT(*) FROM credentials WHERE purged IS NULL",
            )
            .await?,
            credentials_awaiting_delivery: n(
                "SELECT COUNT(*) FROM credentials WHERE purged IS NULL AND purge_after IS NULL",
            )
            .await?,
            credentials_purged: n("SELECT COUNT(*) FROM credentials WHERE purged IS NOT NULL")
                .await?,
            next_purge: {
                let row =
                    sqlx::query("SELECT MIN(purge_after) FROM credentials WHERE purged IS NULL")
                        .fetch_one(&self.pool)
                        .await?;
                row.try_get::<Option<i64>, _>(0)?
            },
            messages_queued: n("SELECT COUNT(*) FROM outbox WHERE state = 'queued'").await?,
            messages_failed: n("SELECT COUNT(*) FROM outbox WHERE state = 'failed'").await?,
            messages_sent_kept: n("SELECT COUNT(*) FROM outbox WHERE state = 'sent'").await?,
            staff_accounts: n("SELECT COUNT(*) FROM staff").await?,
            tokens: n("SELECT COUNT(*) FROM tokens WHERE revoked IS NULL").await?,
            status_reasons: n("SELECT COUNT(*) FROM credentials WHERE status_reason IS NOT NULL")
                .await?,
        })
    }

    // ---- tokens, staff, sessions, audit ---------------------------------------------------

    /// Stores an API token by its hash.
    pub async fn create_token(
        &self,
        id: &str,
        app: &str,
        scope: &str,
        hash: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (id, app, scope, hash, created) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(app)
        .bind(scope)
        .bind(hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn token_row(r: &AnyRow) -> Result<Token> {
        Ok(Token {
            id: s(r, "id")?,
            app: s(r, "app")?,
            scope: s(r, "scope")?,
            created: i(r, "created")?,
            revoked: oi(r, "revoked")?,
        })
    }

    /// The live token with this hash.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>> {
        let row = sqlx::query("SELECT * FROM tokens WHERE hash = $1 AND revoked IS NULL")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::token_row).transpose()
    }

    /// Every token.
    pub async fn tokens(&self) -> Result<Vec<Token>> {
        let rows = sqlx::query("SELECT * FROM tokens ORDER BY created")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::token_row).collect()
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, id: &str, now: i64) -> Result<()> {
        let done = sqlx::query("UPDATE tokens SET revoked = $2 WHERE id = $1 AND revoked IS NULL")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("live token {id}")));
        }
        Ok(())
    }

    /// Adds or replaces a staff account.
    pub async fn put_staff(&self, username: &str, password_hash: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff (username, password_hash, created) VALUES ($1, $2, $3)
             ON CONFLICT (username) DO UPDATE SET password_hash = $2",
        )
        .bind(username)
        .bind(password_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A staff account's password hash.
    pub async fn staff_hash(&self, username: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT password_hash FROM staff WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| s(r, "password_hash")).transpose()
    }

    /// Starts a session.
    pub async fn create_session(
        &self,
        id_hash: &str,
        username: &str,
        csrf: &str,
        expires: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, username, csrf, expires) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_hash)
        .bind(username)
        .bind(csrf)
        .bind(expires)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live session: (username, csrf token).
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<(String, String)>> {
        let row =
            sqlx::query("SELECT username, csrf FROM sessions WHERE id_hash = $1 AND expires > $2")
                .bind(id_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((s(&r, "username")?, s(&r, "csrf")?)))
            .transpose()
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO audit (id, time, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(random_id())
            .bind(now)
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Records who did what.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::audit_in(&mut tx, actor, action, subject, detail, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// Scratch databases for tests: one fresh PostgreSQL database per test, so tests can run in
/// parallel on the machine's server.
#[doc(hidden)]
pub mod testing {
    use sqlx::Executor as _;

    /// The server tests use: `$BADGESAFE_TEST_PG`, or the machine's PostgreSQL.
    pub fn server() -> String {
        std::env::var("BADGESAFE_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
    }

    /// Creates an empty database and returns its URL.
    pub async fn scratch_postgres() -> Result<String, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let name = format!("badgesafe_t_{}", crate::random_id());
        let mut admin =
            <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{}/postgres", server()))
                .await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        Ok(format!("{}/{name}", server()))
    }

    /// Drops a database made by [`scratch_postgres`].
    pub async fn drop_postgres(url: &str) -> Result<(), sqlx::Error> {
        let Some(name) = url
            .rsplit('/')
            .next()
            .filter(|n| n.starts_with("badgesafe_t_"))
        else {
            return Ok(());
        };
        let mut admin =
            <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{}/postgres", server()))
                .await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await?;
        Ok(())
    }
}
