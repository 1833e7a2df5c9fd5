//! [`PushStore`] on SQLite: the same database thread and group commit as every other request.

use rusqlite::{OptionalExtension, params};

use super::StoreError;
use super::push::{PushRegistration, PushStore, PushTarget, RegisterOutcome};
use super::sqlite::SqliteStore;

impl PushStore for SqliteStore {
    async fn register_push(
        &self,
        mailbox_id: &str,
        id: &str,
        endpoint: &str,
        token: &str,
        now: i64,
        max: u32,
    ) -> Result<RegisterOutcome, StoreError> {
        let (mailbox, id, endpoint, token) = (
            mailbox_id.to_owned(),
            id.to_owned(),
            endpoint.to_owned(),
            token.to_owned(),
        );
        self.run(move |c| {
            let exists: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM mailboxes WHERE id = ?1",
                    params![mailbox],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Ok(RegisterOutcome::MailboxNotFound);
            }
            let same: Option<String> = c
                .query_row(
                    "UPDATE push_registrations SET token = ?3
                     WHERE mailbox_id = ?1 AND endpoint = ?2 RETURNING id",
                    params![mailbox, endpoint, token],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = same {
                return Ok(RegisterOutcome::Updated { id });
            }
            let count: i64 = c.query_row(
                "SELECT count(*) FROM push_registrations WHERE mailbox_id = ?1",
                params![mailbox],
                |r| r.get(0),
            )?;
            if count >= i64::from(max) {
                return Ok(RegisterOutcome::LimitReached);
            }
            c.execute(
                "INSERT INTO push_registrations (mailbox_id, id, endpoint, token, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![mailbox, id, endpoint, token, now],
            )?;
            Ok(RegisterOutcome::Created { id })
        })
        .await
    }

    async fn unregister_push(&self, mailbox_id: &str, id: &str) -> Result<bool, StoreError> {
        let (mailbox, id) = (mailbox_id.to_owned(), id.to_owned());
        self.run(move |c| {
            let n = c.execute(
                "DELETE FROM push_registrations WHERE mailbox_id = ?1 AND id = ?2",
                params![mailbox, id],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn list_push(&self, mailbox_id: &str) -> Result<Vec<PushRegistration>, StoreError> {
        let mailbox = mailbox_id.to_owned();
        self.run(move |c| {
            c.prepare_cached(
                "SELECT id, endpoint, created_at FROM push_registrations WHERE mailbox_id = ?1
                 ORDER BY created_at, id",
            )?
            .query_map(params![mailbox], |r| {
                Ok(PushRegistration {
                    id: r.get(0)?,
                    endpoint: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn push_targets(&self, mailbox_ids: Vec<String>) -> Result<Vec<PushTarget>, StoreError> {
        if mailbox_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |c| {
            // The ids travel as one JSON array: one statement for the whole batch.
            let ids = serde_json::to_string(&mailbox_ids)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            c.prepare_cached(
                "SELECT mailbox_id, id, endpoint, token FROM push_registrations
                 WHERE mailbox_id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map(params![ids], |r| {
                Ok(PushTarget {
                    mailbox_id: r.get(0)?,
                    id: r.get(1)?,
                    endpoint: r.get(2)?,
                    token: r.get(3)?,
                })
            })?
            .collect()
        })
        .await
    }
}
