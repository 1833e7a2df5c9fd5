//! PostgreSQL storage for several relay processes sharing one database. All state a request
//! needs lives in the database: mailboxes, capability hashes, envelopes, ack tombstones and seen
//! nonces.
//!
//! Posts and acknowledgements lock their mailbox row first (`FOR UPDATE`), so per-mailbox
//! sequence numbers are handed out in commit order and a listing cursor can never skip a
//! late-committing envelope. Must never build SQL from request data (parameters only).
//!
//! Posts are group-committed, as the SQLite writer does: a few worker tasks each take every
//! post queued at that moment and decide them in ONE transaction (a fixed handful of
//! statements whatever the batch size, then one commit and one WAL flush), answering each post
//! only after that commit. One commit per post made the relay wait for a WAL flush per post;
//! see `docs/relay.md`.

use std::collections::HashMap;
use std::sync::Arc;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{EnvelopeRow, PostOutcome, Quota, Store, StoreError, SweepStats, Totals, Usage};

/// Numbered migrations, recorded in `schema_migrations`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_ack_tombstones.sql"),
    include_str!("../../migrations/postgres/0003_capability_quota.sql"),
    include_str!("../../migrations/postgres/0004_push_registrations.sql"),
];

/// Advisory lock ids: one for migrations, one so only one relay sweeps at a time.
const MIGRATION_LOCK: i64 = 0x4c61_6e74_0001;
const SWEEP_LOCK: i64 = 0x4c61_6e74_0002;

/// Most posts committed together in one transaction.
const MAX_POST_BATCH: usize = 256;

/// Worker tasks (each with its own connection while it stores a batch). Two: while one batch
/// waits for its commit (the WAL flush) the next is taken and its lock request already queued.
/// More would split the queue into smaller batches that, posting to the same mailboxes, wait
/// for each other's locks and flushes one after the other anyway.
const POST_WORKERS: usize = 2;

/// A post waiting for the next group commit.
struct PendingPost {
    mailbox_id: String,
    token_hash: [u8; 32],
    envelope_id: String,
    payload: Vec<u8>,
    payload_hash: [u8; 32],
    now: i64,
    quota: Quota,
    reply: oneshot::Sender<Result<PostOutcome, StoreError>>,
}

/// Posts waiting for a worker, shared by the workers (one takes a batch at a time).
type PostQueue = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<PendingPost>>>;

/// PostgreSQL-backed store: a small connection pool, and the queue of the post workers.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    posts: mpsc::UnboundedSender<PendingPost>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

pub(super) fn failed(e: tokio_postgres::Error) -> StoreError {
    if e.is_closed() {
        StoreError::Unavailable("postgres connection closed".into())
    } else if let Some(db) = e.as_db_error() {
        // Not `Display`: its DETAIL line can quote row values (ids, hashes) into logs.
        StoreError::Failed(format!("postgres {}: {}", db.code().code(), db.message()))
    } else {
        StoreError::Failed(format!("postgres: {e}"))
    }
}

fn pool_failed(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(format!("postgres pool: {e}"))
}

/// Whether `schema` is a safe bare identifier (it is spliced into `CREATE SCHEMA`).
pub fn is_valid_schema_name(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The TLS connector for PostgreSQL: rustls on ring, trusting the OS roots plus the PEM
/// certificates in `ca_file`. Used when the URL asks for TLS (`sslmode=require`, or `prefer`
/// when the server offers it); the server's certificate and host name are always verified.
pub fn tls_connector(ca_file: Option<&std::path::Path>) -> Result<MakeRustlsConnect, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let bad = |what: String| StoreError::Unavailable(format!("postgres tls: {what}"));
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca_file {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("bad PEM in {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(bad(format!("no certificate in {}", path.display())));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| bad(format!("unusable CA certificate: {e}")))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl PostgresStore {
    /// Connects to `url`, optionally inside `schema` (created if missing), and migrates.
    pub async fn open(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
    ) -> Result<Self, StoreError> {
        Self::open_with_ca(url, schema, pool_size, None).await
    }

    /// As [`PostgresStore::open`], also trusting the CA certificates in `ca_file` for TLS.
    pub async fn open_with_ca(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Unavailable("malformed postgres url".into()))?;
        if !url.contains("sslmode=") {
            // As before TLS support: plain unless the URL asks (`prefer` would now verify).
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        }
        if let Some(schema) = schema {
            if !is_valid_schema_name(schema) {
                return Err(StoreError::Unavailable(
                    "postgres schema must match [a-z_][a-z0-9_]{0,62}".into(),
                ));
            }
            config.options(format!("-c search_path={schema}"));
        }
        let manager = Manager::from_config(
            config,
            tls_connector(ca_file)?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .build()
            .map_err(|e| StoreError::Unavailable(format!("postgres pool: {e}")))?;
        let (posts, queue) = mpsc::unbounded_channel();
        let store = PostgresStore { pool, posts };
        store.migrate(schema).await?;
        // The workers stop when the last handle (the sender) is dropped.
        let queue: PostQueue = Arc::new(tokio::sync::Mutex::new(queue));
        for _ in 0..POST_WORKERS.min(pool_size.div_ceil(4)) {
            tokio::spawn(post_worker(store.pool.clone(), Arc::clone(&queue)));
        }
        Ok(store)
    }

    async fn migrate(&self, schema: Option<&str>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_failed)?;
        let tx = client.transaction().await.map_err(failed)?;
        // Under the lock: relays starting together on a new schema would otherwise race to
        // create it (a unique violation in the catalog).
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(failed)?;
        if let Some(schema) = schema {
            // Validated above: a bare lowercase identifier.
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(failed)?;
        }
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(failed)?;
        let done: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(failed)?
            .get(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
            tx.batch_execute(sql).await.map_err(failed)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&((i + 1) as i32)],
            )
            .await
            .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_failed)
    }
}

/// Locks the mailbox row and returns `(next_seq, envelope_count, envelope_bytes)`.
async fn lock_mailbox<C: GenericClient>(
    c: &C,
    mailbox_id: &str,
) -> Result<Option<(i64, i64, i64)>, StoreError> {
    let stmt = c
        .prepare_cached(
            "SELECT next_seq, envelope_count, envelope_bytes FROM mailboxes WHERE id = $1
             FOR UPDATE",
        )
        .await
        .map_err(failed)?;
    Ok(c.query_opt(&stmt, &[&mailbox_id])
        .await
        .map_err(failed)?
        .map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Serves the post queue until every [`PostgresStore`] handle is dropped: takes every post
/// queued at that moment (up to [`MAX_POST_BATCH`]) and answers them after one commit.
async fn post_worker(pool: Pool, queue: PostQueue) {
    loop {
        let batch = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_POST_BATCH {
                match queue.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        let answers = match pool.get().await {
            Ok(mut c) => store_posts(&mut c, &batch).await,
            Err(e) => {
                let e = pool_failed(e);
                batch.iter().map(|_| Err(e.clone())).collect()
            }
        };
        for (p, answer) in batch.into_iter().zip(answers) {
            // The poster may have gone (client disconnected): its post stays stored.
            let _ = p.reply.send(answer);
        }
    }
}

/// The answers to `batch`, in order: one transaction for all of them; if PostgreSQL refuses
/// a statement of it (the whole transaction is then rolled back), each post again alone, so
/// one bad post cannot fail the others.
async fn store_posts(
    c: &mut deadpool_postgres::Object,
    batch: &[PendingPost],
) -> Vec<Result<PostOutcome, StoreError>> {
    match store_batch(c, batch).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) if batch.len() > 1 && e.as_db_error().is_some() => {
            tracing::warn!(error = %failed(e), posts = batch.len(), "post batch refused, storing one by one");
            let mut answers = Vec::with_capacity(batch.len());
            for p in batch {
                answers.push(
                    store_batch(c, std::slice::from_ref(p))
                        .await
                        .map_err(failed)
                        .and_then(|mut o| {
                            o.pop()
                                .ok_or_else(|| StoreError::Failed("post without outcome".into()))
                        }),
                );
            }
            answers
        }
        // The connection failed (or a lone post was refused): whether the batch committed is
        // unknown, so every caller gets the error and may retry; a retry with the same id is
        // answered as a duplicate if the commit did happen.
        Err(e) => {
            let e = failed(e);
            batch.iter().map(|_| Err(e.clone())).collect()
        }
    }
}

/// A mailbox's locked row while a batch is decided, its counters updated post by post.
struct MailboxState {
    next_seq: i64,
    usage: Usage,
    changed: bool,
}

/// A capability's row while a batch is decided, its usage updated post by post.
struct CapabilityState {
    mailbox_id: String,
    revoked: bool,
    usage: Usage,
}

/// Stores `batch` in one transaction, deciding each post in queue order exactly as if they
/// had come one after the other: mailbox, capability, duplicate or tombstone (also of a post
/// earlier in the batch), then both quotas counting the posts stored earlier in the batch.
///
/// Two round trips whatever the batch size: `BEGIN` with the locks and both lookups, then the
/// write with `COMMIT` (pipelined on the connection; PostgreSQL runs them in order). On a
/// busy host every round trip waits for the database process to be scheduled, so their number
/// matters more than their size.
async fn store_batch(
    c: &mut deadpool_postgres::Object,
    batch: &[PendingPost],
) -> Result<Vec<PostOutcome>, tokio_postgres::Error> {
    let mut open = false;
    let result = decide_and_write(c, batch, &mut open).await;
    if result.is_err() && open {
        // Best effort: a broken connection is discarded by the pool anyway.
        let _ = c.batch_execute("ROLLBACK").await;
    }
    result
}

/// The transaction of [`store_batch`]; `open` is set while it may still be open.
async fn decide_and_write(
    c: &deadpool_postgres::Object,
    batch: &[PendingPost],
    open: &mut bool,
) -> Result<Vec<PostOutcome>, tokio_postgres::Error> {
    // Lock every mailbox of the batch in id order (as the sweep does), so concurrent batches,
    // here or in another relay, cannot deadlock; seqs are then handed out in commit order. A
    // capability belongs to one mailbox, so its counters are read and changed under this lock.
    let mut mailbox_ids: Vec<&str> = batch.iter().map(|p| p.mailbox_id.as_str()).collect();
    mailbox_ids.sort_unstable();
    mailbox_ids.dedup();
    let lock = c
        .prepare_cached(
            "SELECT id, next_seq, envelope_count, envelope_bytes FROM mailboxes
             WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        )
        .await?;
    let caps_stmt = c
        .prepare_cached(
            "SELECT token_hash, mailbox_id, revoked_at IS NOT NULL, envelope_count,
               envelope_bytes
             FROM capabilities WHERE token_hash = ANY($1)",
        )
        .await?;
    let dups_stmt = c
        // Stored envelopes, and tombstones of acknowledged ones, for every (mailbox, id)
        // posted (at most one of the two exists: an id is tombstoned only by the ack that
        // deletes it, under the mailbox lock).
        .prepare_cached(
            "SELECT e.mailbox_id, e.id, e.seq, e.payload_hash
               FROM unnest($1::text[], $2::text[]) AS k(mailbox_id, id)
               JOIN envelopes e ON e.mailbox_id = k.mailbox_id AND e.id = k.id
             UNION ALL
             SELECT a.mailbox_id, a.id, a.seq, a.payload_hash
               FROM unnest($1::text[], $2::text[]) AS k(mailbox_id, id)
               JOIN acked_envelopes a ON a.mailbox_id = k.mailbox_id AND a.id = k.id",
        )
        .await?;
    let write = c
        .prepare_cached(
            "WITH stored AS (
               INSERT INTO envelopes
                 (mailbox_id, seq, id, payload, payload_hash, received_at, capability_hash)
               SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[],
                 $5::bytea[], $6::bigint[], $7::bytea[]))
             UPDATE mailboxes m SET next_seq = v.next_seq, envelope_count = v.n,
               envelope_bytes = v.b
             FROM unnest($8::text[], $9::bigint[], $10::bigint[], $11::bigint[])
               AS v(id, next_seq, n, b)
             WHERE m.id = v.id",
        )
        .await?;
    let hashes: Vec<&[u8]> = batch.iter().map(|p| &p.token_hash[..]).collect();
    let post_boxes: Vec<&str> = batch.iter().map(|p| p.mailbox_id.as_str()).collect();
    let post_ids: Vec<&str> = batch.iter().map(|p| p.envelope_id.as_str()).collect();
    let lock_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&mailbox_ids];
    let cap_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&hashes];
    let dup_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&post_boxes, &post_ids];
    // The lookups run after the locks are granted (the server runs a pipeline in order).
    *open = true;
    let ((), locked, cap_rows, dup_rows) = tokio::try_join!(
        c.batch_execute("BEGIN"),
        c.query(&lock, &lock_params),
        c.query(&caps_stmt, &cap_params),
        c.query(&dups_stmt, &dup_params),
    )?;
    let mut mailboxes: HashMap<String, MailboxState> = locked
        .into_iter()
        .map(|r| {
            let state = MailboxState {
                next_seq: r.get(1),
                usage: Usage {
                    envelopes: r.get(2),
                    bytes: r.get(3),
                },
                changed: false,
            };
            (r.get(0), state)
        })
        .collect();
    let mut caps: HashMap<Vec<u8>, CapabilityState> = cap_rows
        .into_iter()
        .map(|r| {
            let state = CapabilityState {
                mailbox_id: r.get(1),
                revoked: r.get(2),
                usage: Usage {
                    envelopes: r.get(3),
                    bytes: r.get(4),
                },
            };
            (r.get(0), state)
        })
        .collect();
    // (mailbox, envelope id) -> (seq, payload hash): stored before, or earlier in this batch.
    let mut known: HashMap<(String, String), (i64, Vec<u8>)> = dup_rows
        .into_iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
        .collect();

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut stored: Vec<usize> = Vec::new();
    let mut seqs: Vec<i64> = Vec::new();
    for (i, p) in batch.iter().enumerate() {
        let Some(mailbox) = mailboxes.get_mut(&p.mailbox_id) else {
            outcomes.push(PostOutcome::MailboxNotFound);
            continue;
        };
        let capability = match caps.get_mut(&p.token_hash[..]) {
            Some(cap) if cap.mailbox_id == p.mailbox_id => cap,
            // Unknown, or a capability of another mailbox.
            _ => {
                outcomes.push(PostOutcome::CapabilityInvalid);
                continue;
            }
        };
        if capability.revoked {
            outcomes.push(PostOutcome::CapabilityRevoked);
            continue;
        }
        let key = (p.mailbox_id.clone(), p.envelope_id.clone());
        if let Some((seq, hash)) = known.get(&key) {
            outcomes.push(if hash[..] == p.payload_hash[..] {
                PostOutcome::Duplicate { seq: *seq }
            } else {
                PostOutcome::Conflict
            });
            continue;
        }
        let len = p.payload.len() as i64;
        if !p.quota.admits(mailbox.usage, capability.usage, len) {
            outcomes.push(PostOutcome::QuotaExceeded);
            continue;
        }
        let seq = mailbox.next_seq;
        mailbox.next_seq += 1;
        mailbox.usage.envelopes += 1;
        mailbox.usage.bytes += len;
        mailbox.changed = true;
        // The trigger of migration 0003 counts the row for the capability in the database.
        capability.usage.envelopes += 1;
        capability.usage.bytes += len;
        known.insert(key, (seq, p.payload_hash.to_vec()));
        stored.push(i);
        seqs.push(seq);
        outcomes.push(PostOutcome::Stored { seq });
    }

    if stored.is_empty() {
        c.batch_execute("COMMIT").await?;
        *open = false;
        return Ok(outcomes);
    }
    let pick = |f: fn(&PendingPost) -> &[u8]| -> Vec<&[u8]> {
        stored.iter().map(|&i| f(&batch[i])).collect()
    };
    let boxes: Vec<&str> = stored
        .iter()
        .map(|&i| batch[i].mailbox_id.as_str())
        .collect();
    let ids: Vec<&str> = stored
        .iter()
        .map(|&i| batch[i].envelope_id.as_str())
        .collect();
    let payloads = pick(|p| &p.payload[..]);
    let payload_hashes = pick(|p| &p.payload_hash[..]);
    let token_hashes = pick(|p| &p.token_hash[..]);
    let times: Vec<i64> = stored.iter().map(|&i| batch[i].now).collect();
    let changed: Vec<(&String, &MailboxState)> =
        mailboxes.iter().filter(|(_, m)| m.changed).collect();
    let m_ids: Vec<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
    let m_next: Vec<i64> = changed.iter().map(|(_, m)| m.next_seq).collect();
    let m_count: Vec<i64> = changed.iter().map(|(_, m)| m.usage.envelopes).collect();
    let m_bytes: Vec<i64> = changed.iter().map(|(_, m)| m.usage.bytes).collect();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 11] = [
        &boxes,
        &seqs,
        &ids,
        &payloads,
        &payload_hashes,
        &times,
        &token_hashes,
        &m_ids,
        &m_next,
        &m_count,
        &m_bytes,
    ];
    // If the write fails, PostgreSQL answers the COMMIT behind it with a rollback.
    // (`open` stays set on failure: a ROLLBACK then is at worst a warning in the server log.)
    tokio::try_join!(c.execute(&write, &params), c.batch_execute("COMMIT"))?;
    *open = false;
    Ok(outcomes)
}

impl Store for PostgresStore {
    async fn create_mailbox(
        &self,
        mailbox_id: &str,
        public_key: &[u8],
        now: i64,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO mailboxes (id, public_key, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING",
                &[&mailbox_id, &public_key, &now],
            )
            .await
            .map_err(failed)?;
        Ok(n == 1)
    }

    async fn mailbox_key(&self, mailbox_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached("SELECT public_key FROM mailboxes WHERE id = $1")
            .await
            .map_err(failed)?;
        Ok(c.query_opt(&stmt, &[&mailbox_id])
            .await
            .map_err(failed)?
            .map(|r| r.get(0)))
    }

    async fn record_nonce(
        &self,
        mailbox_id: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "INSERT INTO seen_nonces (mailbox_id, nonce, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(failed)?;
        let n = c
            .execute(&stmt, &[&mailbox_id, &nonce, &expires_at])
            .await
            .map_err(failed)?;
        Ok(n == 1)
    }

    async fn delete_mailbox(&self, mailbox_id: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute("DELETE FROM mailboxes WHERE id = $1", &[&mailbox_id])
            .await
            .map_err(failed)?;
        Ok(n == 1)
    }

    async fn add_capability(
        &self,
        mailbox_id: &str,
        capability_id: &str,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(failed)?;
        if lock_mailbox(&tx, mailbox_id).await?.is_none() {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO capabilities (token_hash, id, mailbox_id, created_at)
             VALUES ($1, $2, $3, $4)",
            &[&&token_hash[..], &capability_id, &mailbox_id, &now],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(true)
    }

    async fn revoke_capability(
        &self,
        mailbox_id: &str,
        capability_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE capabilities SET revoked_at = coalesce(revoked_at, $3)
                 WHERE mailbox_id = $1 AND id = $2",
                &[&mailbox_id, &capability_id, &now],
            )
            .await
            .map_err(failed)?;
        Ok(n == 1)
    }

    async fn post_envelope(
        &self,
        mailbox_id: &str,
        token_hash: &[u8; 32],
        envelope_id: &str,
        payload: Vec<u8>,
        payload_hash: [u8; 32],
        now: i64,
        quota: Quota,
    ) -> Result<PostOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.posts
            .send(PendingPost {
                mailbox_id: mailbox_id.to_owned(),
                token_hash: *token_hash,
                envelope_id: envelope_id.to_owned(),
                payload,
                payload_hash,
                now,
                quota,
                reply,
            })
            .map_err(|_| StoreError::Unavailable("postgres post workers stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Failed("postgres post worker dropped a request".into()))?
    }

    async fn list_envelopes(
        &self,
        mailbox_id: &str,
        after: i64,
        limit: u32,
        max_bytes: usize,
    ) -> Result<(Vec<EnvelopeRow>, bool), StoreError> {
        let c = self.client().await?;
        // A running total of payload sizes (octet_length reads the size, not the value); a
        // payload past the byte budget is never sent by the server (NULL in its place).
        let stmt = c
            .prepare_cached(
                "SELECT id, seq, received_at,
                   CASE WHEN n = 1 OR upto <= $4 THEN payload END
                 FROM (SELECT id, seq, received_at, payload,
                         row_number() OVER (ORDER BY seq) AS n,
                         sum(octet_length(payload)) OVER (ORDER BY seq) AS upto
                       FROM envelopes WHERE mailbox_id = $1 AND seq > $2
                       ORDER BY seq LIMIT $3) page
                 ORDER BY seq",
            )
            .await
            .map_err(failed)?;
        let budget = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        let rows = c
            .query(
                &stmt,
                &[&mailbox_id, &after, &(i64::from(limit) + 1), &budget],
            )
            .await
            .map_err(failed)?;
        let mut page = Vec::with_capacity(rows.len().min(limit as usize));
        for r in rows {
            let payload: Option<Vec<u8>> = r.get(3);
            match payload {
                Some(payload) if page.len() < limit as usize => page.push(EnvelopeRow {
                    id: r.get(0),
                    seq: r.get(1),
                    received_at: r.get(2),
                    payload,
                }),
                _ => return Ok((page, true)),
            }
        }
        Ok((page, false))
    }

    async fn ack_envelopes(
        &self,
        mailbox_id: &str,
        ids: Vec<String>,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(failed)?;
        if lock_mailbox(&tx, mailbox_id).await?.is_none() {
            return Ok(0);
        }
        let row = tx
            .query_one(
                "WITH gone AS (DELETE FROM envelopes WHERE mailbox_id = $1 AND id = ANY($2)
                   RETURNING mailbox_id, id, seq, payload_hash, received_at,
                     octet_length(payload)::bigint AS len),
                 tombstones AS (INSERT INTO acked_envelopes
                   (mailbox_id, id, seq, payload_hash, received_at, acked_at)
                   SELECT mailbox_id, id, seq, payload_hash, received_at, $3 FROM gone)
                 SELECT count(*)::bigint, coalesce(sum(len), 0)::bigint FROM gone",
                &[&mailbox_id, &ids, &now],
            )
            .await
            .map_err(failed)?;
        let (deleted, bytes): (i64, i64) = (row.get(0), row.get(1));
        if deleted > 0 {
            tx.execute(
                "UPDATE mailboxes SET envelope_count = envelope_count - $2,
                 envelope_bytes = envelope_bytes - $3 WHERE id = $1",
                &[&mailbox_id, &deleted, &bytes],
            )
            .await
            .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        Ok(deleted as u64)
    }

    async fn sweep(&self, now: i64, cutoff: i64) -> Result<SweepStats, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(failed)?;
        let got: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&SWEEP_LOCK])
            .await
            .map_err(failed)?
            .get(0);
        if !got {
            return Ok(SweepStats::default()); // another relay is sweeping right now
        }
        // Lock affected mailboxes in id order first: posts and acks lock one mailbox row before
        // touching envelopes, so this order cannot deadlock with them.
        tx.execute(
            "SELECT id FROM mailboxes WHERE id IN
               (SELECT DISTINCT mailbox_id FROM envelopes WHERE received_at < $1)
             ORDER BY id FOR UPDATE",
            &[&cutoff],
        )
        .await
        .map_err(failed)?;
        let row = tx
            .query_one(
                "WITH gone AS (DELETE FROM envelopes WHERE received_at < $1
                   RETURNING mailbox_id, octet_length(payload)::bigint AS len),
                 agg AS (SELECT mailbox_id, count(*)::bigint AS n, sum(len)::bigint AS b
                   FROM gone GROUP BY mailbox_id),
                 upd AS (UPDATE mailboxes m SET envelope_count = m.envelope_count - agg.n,
                   envelope_bytes = m.envelope_bytes - agg.b FROM agg WHERE m.id = agg.mailbox_id
                   RETURNING agg.n)
                 SELECT coalesce(sum(n), 0)::bigint FROM upd",
                &[&cutoff],
            )
            .await
            .map_err(failed)?;
        let envelopes: i64 = row.get(0);
        // Tombstones are not in the mailbox counters, so they need no mailbox lock.
        let tombstones = tx
            .execute(
                "DELETE FROM acked_envelopes WHERE received_at < $1",
                &[&cutoff],
            )
            .await
            .map_err(failed)?;
        let nonces = tx
            .execute("DELETE FROM seen_nonces WHERE expires_at < $1", &[&now])
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(SweepStats {
            envelopes_dropped: envelopes as u64,
            tombstones_dropped: tombstones,
            nonces_dropped: nonces,
        })
    }

    async fn totals(&self) -> Result<Totals, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "SELECT count(*)::bigint, coalesce(sum(envelope_count), 0)::bigint,
                 coalesce(sum(envelope_bytes), 0)::bigint FROM mailboxes",
                &[],
            )
            .await
            .map_err(failed)?;
        Ok(Totals {
            mailboxes: row.get(0),
            envelopes: row.get(1),
            bytes: row.get(2),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN_A: [u8; 32] = [7; 32];
    const TOKEN_B: [u8; 32] = [8; 32];
    const TOKEN_C: [u8; 32] = [9; 32];
    const TOKEN_OTHER: [u8; 32] = [10; 32];

    /// A fresh schema on the test server, or `None` (the test then says it skipped).
    async fn open_store(prefix: &str) -> Option<(PostgresStore, String)> {
        let Ok(url) = std::env::var("LANTERN_TEST_POSTGRES_URL") else {
            eprintln!("skipped: LANTERN_TEST_POSTGRES_URL is not set (scripts/start-postgres.sh)");
            return None;
        };
        let schema = format!(
            "{prefix}_{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let store = PostgresStore::open(&url, Some(&schema), 8)
            .await
            .expect("opens");
        Some((store, schema))
    }

    async fn drop_schema(store: &PostgresStore, schema: &str) {
        let c = store.client().await.expect("client");
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .expect("drop schema");
    }

    /// A recognisable payload hash (the store compares hashes, it never computes them).
    fn hash(payload: &[u8]) -> [u8; 32] {
        let mut h = [0u8; 32];
        h[..payload.len()].copy_from_slice(payload);
        h
    }

    fn quota(mailbox: i64, capability: i64, reserved: i64) -> Quota {
        Quota {
            max_envelopes: mailbox,
            max_bytes: 1 << 20,
            capability_max_envelopes: capability,
            capability_max_bytes: 1 << 20,
            reserved_envelopes: reserved,
            reserved_bytes: 1 << 10,
        }
    }

    /// (envelopes, bytes) the database counts for a capability (kept by the trigger).
    async fn capability_usage(store: &PostgresStore, token: &[u8; 32]) -> (i64, i64) {
        let c = store.client().await.expect("client");
        let row = c
            .query_one(
                "SELECT envelope_count, envelope_bytes FROM capabilities WHERE token_hash = $1",
                &[&&token[..]],
            )
            .await
            .expect("capability row");
        (row.get(0), row.get(1))
    }

    /// One batch built by hand and stored in one transaction: every outcome is decided in
    /// queue order exactly as for posts one after the other, including against posts earlier
    /// in the same batch (duplicate, conflict, both quotas) and against a tombstone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_batch_decides_each_post_as_if_alone() {
        let Some((store, schema)) = open_store("batch_one").await else {
            return;
        };
        for mb in ["mb", "other"] {
            assert!(store.create_mailbox(mb, b"key", 1).await.expect("mailbox"));
        }
        for (mb, cap, token) in [
            ("mb", "a", TOKEN_A),
            ("mb", "b", TOKEN_B),
            ("mb", "c", TOKEN_C),
            ("other", "o", TOKEN_OTHER),
        ] {
            assert!(store.add_capability(mb, cap, &token, 1).await.expect("cap"));
        }
        // An envelope posted and acknowledged before: its id is a tombstone now.
        let q = quota(4, 3, 1);
        assert_eq!(
            store
                .post_envelope("mb", &TOKEN_B, "acked", vec![1], hash(&[1]), 1, q)
                .await
                .expect("post"),
            PostOutcome::Stored { seq: 1 }
        );
        assert_eq!(
            store
                .ack_envelopes("mb", vec!["acked".into()], 2)
                .await
                .expect("ack"),
            1
        );
        assert!(
            store
                .revoke_capability("other", "o", 2)
                .await
                .expect("revoke")
        );

        let (replies, _answers): (Vec<_>, Vec<_>) = (0..17).map(|_| oneshot::channel()).unzip();
        let mut replies = replies.into_iter();
        let mut post = |mb: &str, token: [u8; 32], id: &str, payload: &[u8]| PendingPost {
            mailbox_id: mb.into(),
            token_hash: token,
            envelope_id: id.into(),
            payload: payload.to_vec(),
            payload_hash: hash(payload),
            now: 3,
            quota: q,
            reply: replies.next().expect("reply channel"),
        };
        // Mailbox quota 4, capability quota 3, reserve 1 (nothing waiting: "acked" is gone).
        let batch = vec![
            post("mb", TOKEN_A, "a1", b"a1"),      // seq 2
            post("mb", TOKEN_A, "a1", b"a1"),      // same id, same payload
            post("mb", TOKEN_A, "a1", b"xx"),      // same id, other payload
            post("mb", TOKEN_A, "acked", b"\x01"), // the tombstone, same payload
            post("mb", TOKEN_A, "acked", b"\x02"), // the tombstone, other payload
            post("mb", TOKEN_A, "a2", b"a2"),      // seq 3
            post("mb", TOKEN_A, "a3", b"a3"),      // seq 4: A has 3 waiting
            post("mb", TOKEN_A, "a4", b"a4"),      // A's own quota (the mailbox has room)
            post("mb", TOKEN_B, "b1", b"b1"),      // seq 5: the mailbox is full (4)
            post("mb", TOKEN_B, "b2", b"b2"),      // full, and B has used its reserve
            post("mb", TOKEN_C, "c1", b"c1"),      // seq 6: full, but C's reserve
            post("mb", TOKEN_C, "c2", b"c2"),      // full, and C has used its reserve
            post("mb", TOKEN_OTHER, "x", b"x"),    // a capability of another mailbox
            post("other", TOKEN_OTHER, "y", b"y"), // revoked
            post("nowhere", TOKEN_A, "z", b"z"),   // unknown mailbox
            post("mb", [0; 32], "z", b"z"),        // unknown capability
            post("mb", TOKEN_B, "b1", b"b1"),      // duplicate of a post of this batch
        ];
        let mut c = store.client().await.expect("client");
        let outcomes = store_batch(&mut c, &batch).await.expect("batch");
        use PostOutcome::*;
        assert_eq!(
            outcomes,
            vec![
                Stored { seq: 2 },
                Duplicate { seq: 2 },
                Conflict,
                Duplicate { seq: 1 },
                Conflict,
                Stored { seq: 3 },
                Stored { seq: 4 },
                QuotaExceeded,
                Stored { seq: 5 },
                QuotaExceeded,
                Stored { seq: 6 },
                QuotaExceeded,
                CapabilityInvalid,
                CapabilityRevoked,
                MailboxNotFound,
                CapabilityInvalid,
                Duplicate { seq: 5 },
            ]
        );
        let (rows, more) = store
            .list_envelopes("mb", 0, 100, 1 << 20)
            .await
            .expect("list");
        assert!(!more);
        let listed: Vec<(&str, i64, &[u8])> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.seq, &r.payload[..]))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("a1", 2, &b"a1"[..]),
                ("a2", 3, b"a2"),
                ("a3", 4, b"a3"),
                ("b1", 5, b"b1"),
                ("c1", 6, b"c1"),
            ]
        );
        // Both counters were written in the same transaction: the mailbox's by the batch, the
        // capabilities' by the trigger; the next post sees them.
        assert_eq!(capability_usage(&store, &TOKEN_A).await, (3, 6));
        assert_eq!(capability_usage(&store, &TOKEN_B).await, (1, 2));
        assert_eq!(capability_usage(&store, &TOKEN_C).await, (1, 2));
        let totals = store.totals().await.expect("totals");
        assert_eq!((totals.envelopes, totals.bytes), (5, 10));
        assert_eq!(
            store
                .post_envelope("mb", &TOKEN_B, "b4", b"b4".to_vec(), hash(b"b4"), 4, q)
                .await
                .expect("post"),
            QuotaExceeded
        );
        drop(c);
        drop_schema(&store, &schema).await;
    }

    /// A post PostgreSQL refuses (a NUL in a text value) fails alone: the batch's transaction
    /// is rolled back and the other posts are stored one by one, on the same connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_post_fails_alone() {
        let Some((store, schema)) = open_store("batch_refused").await else {
            return;
        };
        assert!(
            store
                .create_mailbox("mb", b"key", 1)
                .await
                .expect("mailbox")
        );
        assert!(
            store
                .add_capability("mb", "a", &TOKEN_A, 1)
                .await
                .expect("cap")
        );
        let q = quota(10, 10, 1);
        let (replies, _answers): (Vec<_>, Vec<_>) = (0..4).map(|_| oneshot::channel()).unzip();
        let mut replies = replies.into_iter();
        let mut post = |mb: &str, id: &str| PendingPost {
            mailbox_id: mb.into(),
            token_hash: TOKEN_A,
            envelope_id: id.into(),
            payload: id.as_bytes().to_vec(),
            payload_hash: hash(id.as_bytes()),
            now: 2,
            quota: q,
            reply: replies.next().expect("reply channel"),
        };
        let batch = vec![post("mb", "p1"), post("mb\0", "p2"), post("mb", "p3")];
        let mut c = store.client().await.expect("client");
        let answers = store_posts(&mut c, &batch).await;
        assert!(matches!(answers[0], Ok(PostOutcome::Stored { seq: 1 })));
        assert!(matches!(answers[1], Err(StoreError::Failed(_))));
        assert!(matches!(answers[2], Ok(PostOutcome::Stored { seq: 2 })));
        // The connection is out of any transaction: the next batch on it commits.
        let batch = vec![post("mb", "p4")];
        let outcomes = store_batch(&mut c, &batch).await.expect("next batch");
        assert_eq!(outcomes, vec![PostOutcome::Stored { seq: 3 }]);
        drop(c);
        let (rows, _) = store
            .list_envelopes("mb", 0, 100, 1 << 20)
            .await
            .expect("list");
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, vec!["p1", "p3", "p4"]);
        drop_schema(&store, &schema).await;
    }

    /// Many posts at once through the queue (batches of more than one): repeats of an id in
    /// the same or another batch are duplicates with the first post's seq, another payload
    /// under a stored id is a conflict, the mailbox quota counts the posts stored earlier in
    /// the same batch, and stored envelopes get gap-free seqs in list order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_posts_are_batched_with_single_post_semantics() {
        let Some((store, schema)) = open_store("batch_mailbox").await else {
            return;
        };
        assert!(
            store
                .create_mailbox("mb", b"key", 1)
                .await
                .expect("mailbox")
        );
        assert!(
            store
                .add_capability("mb", "cap", &TOKEN_A, 1)
                .await
                .expect("cap")
        );
        let q = quota(8, 100, 0);
        // 12 distinct ids, each posted 3 times with its payload, and once with another one.
        let mut posts = Vec::new();
        for round in 0..4 {
            for i in 0..12u8 {
                let payload = if round == 3 { vec![i, 0xff] } else { vec![i] };
                posts.push((format!("e{i}"), payload));
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (id, payload) in posts {
            let store = store.clone();
            tasks.spawn(async move {
                let outcome = store
                    .post_envelope("mb", &TOKEN_A, &id, payload.clone(), hash(&payload), 2, q)
                    .await
                    .expect("answered");
                (id, payload, outcome)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(r) = tasks.join_next().await {
            outcomes.push(r.expect("task"));
        }
        let (rows, more) = store
            .list_envelopes("mb", 0, 100, 1 << 20)
            .await
            .expect("list");
        assert!(!more);
        // Exactly the quota is stored, with seqs 1..=8 in list order, each id once.
        assert_eq!(
            rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
        let stored: HashMap<&str, (i64, &[u8])> = rows
            .iter()
            .map(|r| (r.id.as_str(), (r.seq, &r.payload[..])))
            .collect();
        assert_eq!(stored.len(), 8);
        let mut stored_answers = 0;
        for (id, payload, outcome) in &outcomes {
            match (*outcome, stored.get(id.as_str())) {
                (PostOutcome::Stored { seq }, Some((s, p))) => {
                    assert_eq!((seq, *p), (*s, &payload[..]));
                    stored_answers += 1;
                }
                (PostOutcome::Duplicate { seq }, Some((s, p))) => {
                    assert_eq!((seq, *p), (*s, &payload[..]))
                }
                (PostOutcome::Conflict, Some((_, p))) => assert_ne!(*p, &payload[..]),
                // An id that never fitted the quota: refused every time it came first.
                (PostOutcome::QuotaExceeded, None) => {}
                other => panic!("unexpected answer for {id}: {other:?}"),
            }
        }
        assert_eq!(
            stored_answers, 8,
            "each stored envelope was answered Stored once"
        );
        assert_eq!(store.totals().await.expect("totals").envelopes, 8);
        assert_eq!(capability_usage(&store, &TOKEN_A).await.0, 8);
        drop_schema(&store, &schema).await;
    }

    /// Two capabilities posting at once into one mailbox through the queue: each stays within
    /// its own quota, the mailbox fills exactly (its quota, reached only through reserves that
    /// each capability keeps), and the database's per-capability counters match what was stored.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_batches_keep_the_capability_quota() {
        let Some((store, schema)) = open_store("batch_capability").await else {
            return;
        };
        assert!(
            store
                .create_mailbox("mb", b"key", 1)
                .await
                .expect("mailbox")
        );
        for (cap, token) in [("a", TOKEN_A), ("b", TOKEN_B)] {
            assert!(
                store
                    .add_capability("mb", cap, &token, 1)
                    .await
                    .expect("cap")
            );
        }
        // Mailbox 4, capability 3, reserve 1: whatever the order, 4 are stored, each
        // capability between 1 (its reserve) and 3 (its quota).
        let q = quota(4, 3, 1);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..12u8 {
            let store = store.clone();
            let token = if i % 2 == 0 { TOKEN_A } else { TOKEN_B };
            tasks.spawn(async move {
                let payload = vec![i; 10];
                let outcome = store
                    .post_envelope(
                        "mb",
                        &token,
                        &format!("p{i}"),
                        payload.clone(),
                        hash(&payload),
                        2,
                        q,
                    )
                    .await
                    .expect("answered");
                (token, outcome)
            });
        }
        let mut stored_by = HashMap::new();
        while let Some(r) = tasks.join_next().await {
            let (token, outcome) = r.expect("task");
            match outcome {
                PostOutcome::Stored { .. } => *stored_by.entry(token).or_insert(0i64) += 1,
                PostOutcome::QuotaExceeded => {}
                other => panic!("unexpected answer: {other:?}"),
            }
        }
        let a = stored_by.get(&TOKEN_A).copied().unwrap_or(0);
        let b = stored_by.get(&TOKEN_B).copied().unwrap_or(0);
        assert_eq!(a + b, 4);
        assert!((1..=3).contains(&a) && (1..=3).contains(&b), "a={a} b={b}");
        assert_eq!(capability_usage(&store, &TOKEN_A).await, (a, 10 * a));
        assert_eq!(capability_usage(&store, &TOKEN_B).await, (b, 10 * b));
        let (rows, _) = store
            .list_envelopes("mb", 0, 100, 1 << 20)
            .await
            .expect("list");
        assert_eq!(
            rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        drop_schema(&store, &schema).await;
    }
}
