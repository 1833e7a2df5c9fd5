//! PostgreSQL storage for several relay processes sharing one database. All state a request
//! needs lives in the database: mailboxes, capability hashes, envelopes, ack tombstones and seen
//! nonces.
//!
//! Posts and acknowledgements lock their mailbox row first (`FOR UPDATE`), so per-mailbox
//! sequence numbers are handed out in commit order and a listing cursor can never skip a
//! late-committing envelope. Must never build SQL from request data (parameters only).

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{EnvelopeRow, PostOutcome, Quota, Store, StoreError, SweepStats, Totals, Usage};

/// Numbered migrations, recorded in `schema_migrations`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_ack_tombstones.sql"),
    include_str!("../../migrations/postgres/0003_capability_quota.sql"),
];

/// Advisory lock ids: one for migrations, one so only one relay sweeps at a time.
const MIGRATION_LOCK: i64 = 0x4c61_6e74_0001;
const SWEEP_LOCK: i64 = 0x4c61_6e74_0002;

/// PostgreSQL-backed store (a small connection pool).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
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
        let store = PostgresStore { pool };
        store.migrate(schema).await?;
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
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(failed)?;
        let Some((next_seq, count, bytes)) = lock_mailbox(&tx, mailbox_id).await? else {
            return Ok(PostOutcome::MailboxNotFound);
        };
        let cap_stmt = tx
            .prepare_cached(
                "SELECT mailbox_id, revoked_at, envelope_count, envelope_bytes
                 FROM capabilities WHERE token_hash = $1",
            )
            .await
            .map_err(failed)?;
        let dup_stmt = tx
            // A stored envelope or the tombstone of an acknowledged one (at most one exists:
            // an id is tombstoned only by the ack that deletes it, under the mailbox lock).
            .prepare_cached(
                "SELECT seq, payload_hash FROM envelopes WHERE mailbox_id = $1 AND id = $2
                 UNION ALL
                 SELECT seq, payload_hash FROM acked_envelopes WHERE mailbox_id = $1 AND id = $2",
            )
            .await
            .map_err(failed)?;
        // Both lookups run after the mailbox lock, pipelined on one connection (one round trip).
        let token_hash: &[u8] = &token_hash[..];
        let cap_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&token_hash];
        let dup_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] =
            [&mailbox_id, &envelope_id];
        let (cap, existing) = tokio::try_join!(
            tx.query_opt(&cap_stmt, &cap_params),
            tx.query_opt(&dup_stmt, &dup_params),
        )
        .map_err(failed)?;
        let cap_usage = match cap.map(|r| {
            let usage = Usage {
                envelopes: r.get(2),
                bytes: r.get(3),
            };
            (r.get::<_, String>(0), r.get::<_, Option<i64>>(1), usage)
        }) {
            None => return Ok(PostOutcome::CapabilityInvalid),
            Some((owner, _, _)) if owner != mailbox_id => {
                return Ok(PostOutcome::CapabilityInvalid);
            }
            Some((_, Some(_), _)) => return Ok(PostOutcome::CapabilityRevoked),
            Some((_, None, usage)) => usage,
        };
        if let Some(row) = existing {
            let stored: Vec<u8> = row.get(1);
            return Ok(if stored == payload_hash {
                PostOutcome::Duplicate { seq: row.get(0) }
            } else {
                PostOutcome::Conflict
            });
        }
        let len = payload.len() as i64;
        let mailbox_usage = Usage {
            envelopes: count,
            bytes,
        };
        if !quota.admits(mailbox_usage, cap_usage, len) {
            return Ok(PostOutcome::QuotaExceeded);
        }
        let insert = tx
            .prepare_cached(
                "WITH stored AS (
                   INSERT INTO envelopes
                     (mailbox_id, seq, id, payload, payload_hash, received_at, capability_hash)
                   VALUES ($1, $2, $3, $4, $5, $6, $8))
                 UPDATE mailboxes SET next_seq = next_seq + 1,
                   envelope_count = envelope_count + 1, envelope_bytes = envelope_bytes + $7
                 WHERE id = $1",
            )
            .await
            .map_err(failed)?;
        tx.execute(
            &insert,
            &[
                &mailbox_id,
                &next_seq,
                &envelope_id,
                &payload,
                &&payload_hash[..],
                &now,
                &len,
                &token_hash,
            ],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(PostOutcome::Stored { seq: next_seq })
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
