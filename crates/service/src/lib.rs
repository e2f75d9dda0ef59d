//! The school's issuer service (`badgesafe serve`): the achievement catalogue, results in
//! (CSV and JSON), batches signed, anchored and baked, one delivery e-mail per student, status
//! lists, the VC-API, and purging of personal data after the retention window.
//!
//! Everything that must survive a crash is a row in the database, written before the next step
//! starts; the workers ([`pipeline`]) pick up whatever step a batch or message is at.

pub mod api;
pub mod credential;
pub mod pipeline;
pub mod staff;

use badgesafe_issue::Issuer;
use badgesafe_ledger::ethereum::EthKey;
use badgesafe_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Entries per status list: the specification's minimum, 16 KiB of bits.
pub const ENTRIES_PER_LIST: i64 = badgesafe_status::MIN_ENTRIES as i64;

/// Service errors outside a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] badgesafe_store::Error),
    #[error(transparent)]
    Ledger(#[from] badgesafe_ledger::Error),
    #[error(transparent)]
    Issue(#[from] badgesafe_issue::Error),
    #[error(transparent)]
    Anchor(#[from] badgesafe_anchor::Error),
    #[error(transparent)]
    Merkle(#[from] badgesafe_merkle::Error),
    #[error(transparent)]
    Mail(#[from] badgesafe_mail::Error),
    #[error("baking: {0}")]
    Bake(#[from] badgesafe_bake::Error),
    #[error("{0}")]
    Other(String),
}

/// Where batch roots go.
#[derive(Debug, Clone)]
pub enum Anchoring {
    /// The issuer's own signed log file.
    Local { log: PathBuf },
    /// One transaction per batch on an EVM chain.
    Ethereum {
        rpc_url: String,
        key: Arc<EthKey>,
        chain_id: u64,
        confirmations: u64,
        max_fee_per_gas: u128,
        /// The verification method of the anchoring account (`issuer#anchor-1`).
        verification_method: String,
    },
}

/// A document the service publishes as it is (did.json, profile, JWKS).
#[derive(Debug, Clone)]
pub struct Published {
    pub path: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

/// Settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL the service is reached at, without a trailing slash (status list URLs and
    /// achievement ids are made from it).
    pub public_url: String,
    /// `School <noreply@school.example>`.
    pub mail_from: String,
    /// Where students read how to keep their badges.
    pub wallet_url: String,
    /// Days personal data is kept after delivery.
    pub retention_days: i64,
    /// Most results in one batch.
    pub batch_max: i64,
    /// How long a claimed batch or message stays with one instance without renewal.
    pub lease: Duration,
    /// How often workers look for work when nobody wakes them.
    pub poll: Duration,
    /// The first retry delay after a failed delivery; doubled each time, at most an hour.
    pub retry_base: Duration,
    /// How often the purge runs.
    pub purge_every: Duration,
    /// Largest CSV upload.
    pub max_upload: usize,
    /// Whether credentials name the student by a salted hash of the e-mail address (the
    /// default), or by the plain address.
    pub hash_recipient: bool,
}

impl Config {
    /// Defaults for a service reached at `public_url`.
    pub fn new(public_url: &str) -> Self {
        Config {
            public_url: public_url.trim_end_matches('/').to_owned(),
            mail_from: "badgesafe <noreply@localhost>".into(),
            wallet_url: "https://github.com/badgesafe/badgesafe#wallet".into(),
            retention_days: 30,
            batch_max: 10_000,
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            retry_base: Duration::from_secs(30),
            purge_every: Duration::from_secs(3600),
            max_upload: 16 * 1024 * 1024,
            hash_recipient: true,
        }
    }
}

/// The running service's shared state.
pub struct Service {
    pub store: Store,
    pub issuer: Arc<Issuer>,
    pub config: Config,
    pub anchoring: Anchoring,
    pub mail: badgesafe_mail::Transport,
    pub published: Vec<Published>,
    /// This instance's id, for leases.
    pub instance: String,
    /// Wakes the batch worker (new results) and the mail worker (new messages).
    pub wake_batches: tokio::sync::Notify,
    pub wake_mail: tokio::sync::Notify,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("instance", &self.instance)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// An RFC 3339 time (seconds) from Unix milliseconds.
pub fn xsd(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Service {
    /// The URL of a status list.
    pub fn status_list_url(&self, purpose: &str, list: i64) -> String {
        format!("{}/status/{purpose}-{list}", self.config.public_url)
    }

    /// The school's name, from the issuer profile.
    pub fn school_name(&self) -> String {
        self.issuer
            .profile
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("badgesafe")
            .to_owned()
    }
}

/// Starts the workers and returns the router. Workers stop when `shutdown` is notified.
pub fn start(service: Arc<Service>) -> axum::Router {
    tokio::spawn(pipeline::batch_worker(service.clone()));
    tokio::spawn(pipeline::mail_worker(service.clone()));
    tokio::spawn(pipeline::purge_worker(service.clone()));
    api::router(service)
}
