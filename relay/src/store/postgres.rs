//! PostgreSQL storage for several relay processes sharing one database. All state a request
//! needs lives in the database: mailboxes, capability hashes, envelopes, ack tombstones and seen
//! nonces.
//!
//! Posts and acknowledgements lock their mailbox row first (`FOR UPDATE`), so per-mailbox
//! sequence numbers are handed out in commit order and a listing cursor can never skip a
//! late-committing envelope. Must never build SQL from request data (parameters only).
//!
//! Posts are group-committed, as the SQLite writer does: a few worker tasks each take every
//! post queued at that moment and store them in ONE transaction (a fixed handful of
//! statements whatever the batch size, then one commit and one WAL flush), answering each
//! post only after that commit. One commit per post made the relay wait for a disk flush per
//! post; see `docs/relay.md`.

use std::collections::HashMap;
use std::sync::Arc;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::NoTls;

use super::{EnvelopeRow, PostOutcome, Quota, Store, StoreError, SweepStats, Totals};

/// Numbered migrations, recorded in `schema_migrations`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_ack_tombstones.sql"),
];

/// Advisory lock ids: one for migrations, one so only one relay sweeps at a time.
const MIGRATION_LOCK: i64 = 0x4c61_6e74_0001;
const SWEEP_LOCK: i64 = 0x4c61_6e74_0002;

/// Most posts committed together in one transaction.
const MAX_POST_BATCH: usize = 256;

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

/// PostgreSQL-backed store (a small connection pool, and the post workers' queue).
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

fn failed(e: tokio_postgres::Error) -> StoreError {
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

impl PostgresStore {
    /// Connects to `url`, optionally inside `schema` (created if missing), and migrates.
    pub async fn open(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
    ) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Unavailable("malformed postgres url".into()))?;
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
            NoTls,
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
        // A quarter of the pool commits posts (at least one): while one batch waits for its
        // WAL flush the next is being built, and the other connections serve everything else.
        let queue: PostQueue = Arc::new(tokio::sync::Mutex::new(queue));
        for _ in 0..(pool_size / 4).max(1) {
            tokio::spawn(post_worker(store.pool.clone(), Arc::clone(&queue)));
        }
        Ok(store)
    }

    async fn migrate(&self, schema: Option<&str>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_failed)?;
        if let Some(schema) = schema {
            // Validated above: a bare lowercase identifier.
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(failed)?;
        }
        let tx = client.transaction().await.map_err(failed)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(failed)?;
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

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
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
async fn post_worker(
    pool: Pool,
    queue: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<PendingPost>>>,
) {
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
        let answers = match pool.get().await.map_err(pool_failed) {
            Ok(mut c) => store_posts(&mut c, &batch).await,
            Err(e) => batch.iter().map(|_| Err(e.clone())).collect(),
        };
        for (p, answer) in batch.into_iter().zip(answers) {
            let _ = p.reply.send(answer);
        }
    }
}

/// The answers to `batch`, in order: one transaction for all of them; if PostgreSQL refuses
/// a statement of it (the transaction is then rolled back whole), each post again alone.
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
                answers.push(store_one(c, p).await.map_err(failed));
            }
            answers
        }
        // The connection failed (or a lone post was refused): the outcome of every post in
        // the batch is unknown or negative, so each caller gets the error and may retry; a
        // retry with the same id is answered as a duplicate if the commit did happen.
        Err(e) => {
            let e = failed(e);
            batch.iter().map(|_| Err(e.clone())).collect()
        }
    }
}

/// Per-mailbox state while deciding a batch: the locked row's counters, updated post by post.
struct MailboxState {
    next_seq: i64,
    count: i64,
    bytes: i64,
    changed: bool,
}

/// Stores `batch` in one transaction, deciding each post in queue order exactly as
/// [`store_one`] would have one after the other (mailbox, capability, duplicate, quota).
async fn store_batch(
    c: &mut deadpool_postgres::Object,
    batch: &[PendingPost],
) -> Result<Vec<PostOutcome>, tokio_postgres::Error> {
    if let [p] = batch {
        return Ok(vec![store_one(c, p).await?]);
    }
    let tx = c.transaction().await?;
    // Lock every mailbox of the batch in id order (as the sweep does), so concurrent batches
    // cannot deadlock; sequence numbers are then handed out in commit order, as for one post.
    let mut mailbox_ids: Vec<&str> = batch.iter().map(|p| p.mailbox_id.as_str()).collect();
    mailbox_ids.sort_unstable();
    mailbox_ids.dedup();
    let lock = tx
        .prepare_cached(
            "SELECT id, next_seq, envelope_count, envelope_bytes FROM mailboxes
             WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        )
        .await?;
    let mut mailboxes: HashMap<String, MailboxState> = tx
        .query(&lock, &[&mailbox_ids])
        .await?
        .into_iter()
        .map(|r| {
            let state = MailboxState {
                next_seq: r.get(1),
                count: r.get(2),
                bytes: r.get(3),
                changed: false,
            };
            (r.get(0), state)
        })
        .collect();
    let caps_stmt = tx
        .prepare_cached(
            "SELECT token_hash, mailbox_id, revoked_at FROM capabilities
             WHERE token_hash = ANY($1)",
        )
        .await?;
    let dups_stmt = tx
        // Stored envelopes and tombstones of acknowledged ones with any (mailbox, id) posted.
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
    let hashes: Vec<&[u8]> = batch.iter().map(|p| &p.token_hash[..]).collect();
    let post_boxes: Vec<&str> = batch.iter().map(|p| p.mailbox_id.as_str()).collect();
    let post_ids: Vec<&str> = batch.iter().map(|p| p.envelope_id.as_str()).collect();
    // Both lookups run after the locks, pipelined on one connection (one round trip).
    let cap_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&hashes];
    let dup_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&post_boxes, &post_ids];
    let (cap_rows, dup_rows) = tokio::try_join!(
        tx.query(&caps_stmt, &cap_params),
        tx.query(&dups_stmt, &dup_params),
    )?;
    let caps: HashMap<Vec<u8>, (String, Option<i64>)> = cap_rows
        .into_iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
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
        match caps.get(&p.token_hash[..]) {
            None => {
                outcomes.push(PostOutcome::CapabilityInvalid);
                continue;
            }
            Some((owner, _)) if *owner != p.mailbox_id => {
                outcomes.push(PostOutcome::CapabilityInvalid);
                continue;
            }
            Some((_, Some(_))) => {
                outcomes.push(PostOutcome::CapabilityRevoked);
                continue;
            }
            Some(_) => {}
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
        if mailbox.count + 1 > p.quota.max_envelopes || mailbox.bytes + len > p.quota.max_bytes {
            outcomes.push(PostOutcome::QuotaExceeded);
            continue;
        }
        let seq = mailbox.next_seq;
        mailbox.next_seq += 1;
        mailbox.count += 1;
        mailbox.bytes += len;
        mailbox.changed = true;
        known.insert(key, (seq, p.payload_hash.to_vec()));
        stored.push(i);
        seqs.push(seq);
        outcomes.push(PostOutcome::Stored { seq });
    }

    if !stored.is_empty() {
        let write = tx
            .prepare_cached(
                "WITH stored AS (
                   INSERT INTO envelopes (mailbox_id, seq, id, payload, payload_hash, received_at)
                   SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[],
                     $5::bytea[], $6::bigint[]))
                 UPDATE mailboxes m SET next_seq = v.next_seq, envelope_count = v.n,
                   envelope_bytes = v.b
                 FROM unnest($7::text[], $8::bigint[], $9::bigint[], $10::bigint[])
                   AS v(id, next_seq, n, b)
                 WHERE m.id = v.id",
            )
            .await?;
        let boxes: Vec<&str> = stored
            .iter()
            .map(|&i| batch[i].mailbox_id.as_str())
            .collect();
        let ids: Vec<&str> = stored
            .iter()
            .map(|&i| batch[i].envelope_id.as_str())
            .collect();
        let payloads: Vec<&[u8]> = stored.iter().map(|&i| &batch[i].payload[..]).collect();
        let hashes: Vec<&[u8]> = stored.iter().map(|&i| &batch[i].payload_hash[..]).collect();
        let times: Vec<i64> = stored.iter().map(|&i| batch[i].now).collect();
        let changed: Vec<(&String, &MailboxState)> =
            mailboxes.iter().filter(|(_, m)| m.changed).collect();
        let m_ids: Vec<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
        let m_next: Vec<i64> = changed.iter().map(|(_, m)| m.next_seq).collect();
        let m_count: Vec<i64> = changed.iter().map(|(_, m)| m.count).collect();
        let m_bytes: Vec<i64> = changed.iter().map(|(_, m)| m.bytes).collect();
        tx.execute(
            &write,
            &[
                &boxes, &seqs, &ids, &payloads, &hashes, &times, &m_ids, &m_next, &m_count,
                &m_bytes,
            ],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Stores one post in its own transaction (a lone post, and the fallback of a refused batch).
async fn store_one(
    c: &mut deadpool_postgres::Object,
    p: &PendingPost,
) -> Result<PostOutcome, tokio_postgres::Error> {
    let tx = c.transaction().await?;
    let lock = tx
        .prepare_cached(
            "SELECT next_seq, envelope_count, envelope_bytes FROM mailboxes WHERE id = $1
             FOR UPDATE",
        )
        .await?;
    let Some(row) = tx.query_opt(&lock, &[&p.mailbox_id]).await? else {
        return Ok(PostOutcome::MailboxNotFound);
    };
    let (next_seq, count, bytes): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let cap_stmt = tx
        .prepare_cached("SELECT mailbox_id, revoked_at FROM capabilities WHERE token_hash = $1")
        .await?;
    let dup_stmt = tx
        // A stored envelope or the tombstone of an acknowledged one (at most one exists:
        // an id is tombstoned only by the ack that deletes it, under the mailbox lock).
        .prepare_cached(
            "SELECT seq, payload_hash FROM envelopes WHERE mailbox_id = $1 AND id = $2
             UNION ALL
             SELECT seq, payload_hash FROM acked_envelopes WHERE mailbox_id = $1 AND id = $2",
        )
        .await?;
    // Both lookups run after the mailbox lock, pipelined on one connection (one round trip).
    let token_hash: &[u8] = &p.token_hash[..];
    let cap_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&token_hash];
    let dup_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] =
        [&p.mailbox_id, &p.envelope_id];
    let (cap, existing) = tokio::try_join!(
        tx.query_opt(&cap_stmt, &cap_params),
        tx.query_opt(&dup_stmt, &dup_params),
    )?;
    match cap.map(|r| (r.get::<_, String>(0), r.get::<_, Option<i64>>(1))) {
        None => return Ok(PostOutcome::CapabilityInvalid),
        Some((owner, _)) if owner != p.mailbox_id => return Ok(PostOutcome::CapabilityInvalid),
        Some((_, Some(_))) => return Ok(PostOutcome::CapabilityRevoked),
        Some(_) => {}
    }
    if let Some(row) = existing {
        let stored: Vec<u8> = row.get(1);
        return Ok(if stored == p.payload_hash {
            PostOutcome::Duplicate { seq: row.get(0) }
        } else {
            PostOutcome::Conflict
        });
    }
    let len = p.payload.len() as i64;
    if count + 1 > p.quota.max_envelopes || bytes + len > p.quota.max_bytes {
        return Ok(PostOutcome::QuotaExceeded);
    }
    let insert = tx
        .prepare_cached(
            "WITH stored AS (
               INSERT INTO envelopes (mailbox_id, seq, id, payload, payload_hash, received_at)
               VALUES ($1, $2, $3, $4, $5, $6))
             UPDATE mailboxes SET next_seq = next_seq + 1,
               envelope_count = envelope_count + 1, envelope_bytes = envelope_bytes + $7
             WHERE id = $1",
        )
        .await?;
    tx.execute(
        &insert,
        &[
            &p.mailbox_id,
            &next_seq,
            &p.envelope_id,
            &p.payload,
            &&p.payload_hash[..],
            &p.now,
            &len,
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(PostOutcome::Stored { seq: next_seq })
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
    ) -> Result<(Vec<EnvelopeRow>, bool), StoreError> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT id, seq, received_at, payload FROM envelopes
                 WHERE mailbox_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .await
            .map_err(failed)?;
        let rows = c
            .query(&stmt, &[&mailbox_id, &after, &(i64::from(limit) + 1)])
            .await
            .map_err(failed)?;
        let more = rows.len() > limit as usize;
        let rows = rows
            .into_iter()
            .take(limit as usize)
            .map(|r| EnvelopeRow {
                id: r.get(0),
                seq: r.get(1),
                received_at: r.get(2),
                payload: r.get(3),
            })
            .collect();
        Ok((rows, more))
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

    /// Many posts at once go through group commit (batches larger than one): repeats of an id
    /// in the same or another batch are duplicates with the first post's seq, another payload
    /// under a stored id is a conflict, the quota counts the posts stored earlier in the same
    /// batch, and stored envelopes get gap-free seqs in list order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_posts_are_batched_with_single_post_semantics() {
        let Ok(url) = std::env::var("LANTERN_TEST_POSTGRES_URL") else {
            eprintln!("skipped: LANTERN_TEST_POSTGRES_URL is not set (scripts/start-postgres.sh)");
            return;
        };
        let schema = format!(
            "batch_test_{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let store = PostgresStore::open(&url, Some(&schema), 8)
            .await
            .expect("opens");
        assert!(
            store
                .create_mailbox("mb", b"key", 1)
                .await
                .expect("mailbox")
        );
        let token = [7u8; 32];
        assert!(
            store
                .add_capability("mb", "cap", &token, 1)
                .await
                .expect("cap")
        );
        let quota = Quota {
            max_envelopes: 8,
            max_bytes: 1 << 20,
        };
        let hash = |p: &[u8]| {
            let mut h = [0u8; 32];
            h[..p.len()].copy_from_slice(p);
            h
        };
        // 12 distinct ids, each posted 3 times with its payload, and once with another one.
        let mut posts = Vec::new();
        for round in 0..4 {
            for i in 0..12u8 {
                let payload = if round == 3 { vec![i, 0xff] } else { vec![i] };
                posts.push((format!("e{i}"), payload));
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (n, (id, payload)) in posts.into_iter().enumerate() {
            let store = store.clone();
            tasks.spawn(async move {
                let h = hash(&payload);
                let outcome = store
                    .post_envelope("mb", &token, &id, payload.clone(), h, 2, quota)
                    .await
                    .expect("answered");
                (n, id, payload, outcome)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(r) = tasks.join_next().await {
            outcomes.push(r.expect("task"));
        }
        let (rows, more) = store.list_envelopes("mb", 0, 100).await.expect("list");
        assert!(!more);
        // Exactly the quota is stored, with seqs 1..=8 in list order, each id once.
        assert_eq!(rows.len(), 8);
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
        for (_, id, payload, outcome) in &outcomes {
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
        let totals = store.totals().await.expect("totals");
        assert_eq!(totals.envelopes, 8);
        let c = store.client().await.expect("client");
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .expect("drop schema");
    }
}
