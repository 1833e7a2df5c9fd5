//! [`PushStore`] on PostgreSQL: new queries only, apart from the post path. A registration
//! locks its mailbox row, so the per-mailbox limit holds with several relays registering at once.

use super::StoreError;
use super::postgres::{PostgresStore, failed};
use super::push::{PushRegistration, PushStore, PushTarget, RegisterOutcome};

impl PushStore for PostgresStore {
    async fn register_push(
        &self,
        mailbox_id: &str,
        id: &str,
        endpoint: &str,
        token: &str,
        now: i64,
        max: u32,
    ) -> Result<RegisterOutcome, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(failed)?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM mailboxes WHERE id = $1 FOR UPDATE",
                &[&mailbox_id],
            )
            .await
            .map_err(failed)?;
        if exists.is_none() {
            return Ok(RegisterOutcome::MailboxNotFound);
        }
        let same = tx
            .query_opt(
                "UPDATE push_registrations SET token = $3
                 WHERE mailbox_id = $1 AND endpoint = $2 RETURNING id",
                &[&mailbox_id, &endpoint, &token],
            )
            .await
            .map_err(failed)?;
        if let Some(row) = same {
            tx.commit().await.map_err(failed)?;
            return Ok(RegisterOutcome::Updated { id: row.get(0) });
        }
        let count: i64 = tx
            .query_one(
                "SELECT count(*)::bigint FROM push_registrations WHERE mailbox_id = $1",
                &[&mailbox_id],
            )
            .await
            .map_err(failed)?
            .get(0);
        if count >= i64::from(max) {
            return Ok(RegisterOutcome::LimitReached);
        }
        tx.execute(
            "INSERT INTO push_registrations (mailbox_id, id, endpoint, token, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&mailbox_id, &id, &endpoint, &token, &now],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(RegisterOutcome::Created { id: id.to_owned() })
    }

    async fn unregister_push(&self, mailbox_id: &str, id: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute(
                "DELETE FROM push_registrations WHERE mailbox_id = $1 AND id = $2",
                &[&mailbox_id, &id],
            )
            .await
            .map_err(failed)?;
        Ok(n == 1)
    }

    async fn list_push(&self, mailbox_id: &str) -> Result<Vec<PushRegistration>, StoreError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT id, endpoint, created_at FROM push_registrations WHERE mailbox_id = $1
                 ORDER BY created_at, id",
                &[&mailbox_id],
            )
            .await
            .map_err(failed)?;
        Ok(rows
            .iter()
            .map(|r| PushRegistration {
                id: r.get(0),
                endpoint: r.get(1),
                created_at: r.get(2),
            })
            .collect())
    }

    async fn push_targets(&self, mailbox_ids: Vec<String>) -> Result<Vec<PushTarget>, StoreError> {
        if mailbox_ids.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT mailbox_id, id, endpoint, token FROM push_registrations
                 WHERE mailbox_id = ANY($1)",
            )
            .await
            .map_err(failed)?;
        let rows = c.query(&stmt, &[&mailbox_ids]).await.map_err(failed)?;
        Ok(rows
            .iter()
            .map(|r| PushTarget {
                mailbox_id: r.get(0),
                id: r.get(1),
                endpoint: r.get(2),
                token: r.get(3),
            })
            .collect())
    }
}
