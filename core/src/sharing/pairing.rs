//! Pairing: this installation's identity, the supporter's invites, and connections.
//!
//! A supporter makes an invite (with a relay mailbox and posting capability the engine got for
//! it); the peer pairs with it, which creates the connection on the peer's side and queues a
//! `Hello` envelope proving it holds the invite's secret; when the supporter's core receives
//! it (see `inbox`), the connection exists on both sides with the same id and safety number.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::envelope::{self, Payload};
use super::identity::{
    INVITE_TTL_SECS, Identity, Invite, InviteError, PublicKeys, connection_id, safety_number,
    validate_name,
};
use super::store::{StoreError, meta_get, meta_put};
use super::{SharingError, SharingStore};
use crate::codec::make_id;

const IDENTITY_KEY: &str = "identity";

/// This installation's role in a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// I share with them (they are my supporter).
    Peer,
    /// I receive from them (they are my peer).
    Supporter,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Supporter => "supporter",
        }
    }

    fn parse(s: &str) -> Result<Role, StoreError> {
        match s {
            "peer" => Ok(Role::Peer),
            "supporter" => Ok(Role::Supporter),
            _ => Err(StoreError::Corrupt("connection role")),
        }
    }
}

/// Everything about a connection, as stored sealed.
#[derive(Clone, Serialize, Deserialize)]
pub struct ConnectionInfo {
    pub id: String,
    pub role: Role,
    pub my_name: String,
    pub their_name: String,
    pub their_keys: PublicKeys,
    /// The supporter's relay and mailbox (on both sides).
    pub relay_url: String,
    pub mailbox_id: String,
    /// The posting capability (peer side only; empty on the supporter's side). First the
    /// invite's, then the connection's own once the supporter sent it.
    pub capability: String,
    pub invite_id: String,
    pub created_at: i64,
    /// Supporter side: the capability the peer issued on its own mailbox for the one message
    /// back (the connection capability); empty for older peers.
    #[serde(default)]
    pub reply_capability: String,
    /// Supporter side: the connection's own posting capability, once issued at the relay.
    #[serde(default)]
    pub connection_capability_id: String,
    /// Supporter side: the connection capability reached the peer and the invite's was
    /// revoked at the relay.
    #[serde(default)]
    pub capability_rotated: bool,
}

impl std::fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The associated data sealing a record of `kind` named `id`, so a sealed record moved to
/// another row fails to open.
pub(crate) fn record_aad(kind: &str, id: &str) -> Vec<u8> {
    format!("lantern-sharing/{kind}/{id}").into_bytes()
}

impl SharingStore {
    /// This installation's identity, created (and stored sealed) on first use.
    pub fn identity(&self) -> Result<Identity, StoreError> {
        if let Some(sealed) = meta_get(&self.db, IDENTITY_KEY)? {
            let bytes = self
                .sealer
                .open(IDENTITY_KEY.as_bytes(), &sealed)
                .map_err(|e| e.or_corrupt("identity"))?;
            return Identity::from_secret_bytes(&bytes).ok_or(StoreError::Corrupt("identity"));
        }
        let id = Identity::make();
        meta_put(
            &self.db,
            IDENTITY_KEY,
            &self
                .sealer
                .seal(IDENTITY_KEY.as_bytes(), &id.to_secret_bytes())?,
        )?;
        Ok(id)
    }

    /// Supporter: records a new invite for `mailbox_id` on `relay_url` with a posting
    /// `capability` (from the relay), and returns it.
    pub fn create_invite(
        &self,
        relay_url: &str,
        mailbox_id: &str,
        capability: &str,
        name: &str,
        now: i64,
    ) -> Result<Invite, SharingError> {
        let me = self.identity()?;
        let invite = Invite::make(
            relay_url,
            mailbox_id,
            capability,
            name,
            me.public(),
            now.saturating_add(INVITE_TTL_SECS),
        )?;
        let bytes = serde_json::to_vec(&invite).expect("invites serialize");
        self.db
            .execute(
                "INSERT INTO invites (id, created_at, sealed) VALUES (?1, ?2, ?3)",
                params![
                    invite.id,
                    now,
                    self.sealer
                        .seal(&record_aad("invite", &invite.id), &bytes)?
                ],
            )
            .map_err(StoreError::from)?;
        Ok(invite)
    }

    /// A stored, unused invite by id.
    pub(crate) fn open_invite(&self, id: &str) -> Result<Option<Invite>, StoreError> {
        let row: Option<Vec<u8>> = self
            .db
            .query_row(
                "SELECT sealed FROM invites WHERE id = ?1 AND used_by IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(sealed) = row else { return Ok(None) };
        let bytes = self
            .sealer
            .open(&record_aad("invite", id), &sealed)
            .map_err(|e| e.or_corrupt("invite"))?;
        Ok(Some(
            serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("invite"))?,
        ))
    }

    /// Peer: pairs with a supporter's invite text under `my_name`; queues the `Hello` envelope.
    /// Pairing twice with the same invite returns the existing connection. Offline: the
    /// connection keeps the invite's capability (see `pair_via_relay` for the full pairing).
    pub fn pair(
        &mut self,
        invite_text: &str,
        my_name: &str,
        now: i64,
    ) -> Result<ConnectionInfo, SharingError> {
        self.pair_with_reply(invite_text, my_name, None, now)
    }

    /// [`Self::pair`] offering the supporter `reply_capability` (issued on this installation's
    /// own mailbox on the invite's relay) to send the connection's own posting capability.
    pub(crate) fn pair_with_reply(
        &mut self,
        invite_text: &str,
        my_name: &str,
        reply_capability: Option<String>,
        now: i64,
    ) -> Result<ConnectionInfo, SharingError> {
        validate_name(my_name)?;
        let invite = Invite::parse(invite_text)?;
        if invite.is_expired(now) {
            return Err(InviteError::Expired.into());
        }
        let me = self.identity()?;
        if invite.keys.signing == me.signing.public_key() {
            return Err(SharingError::OwnInvite);
        }
        let id = connection_id(&invite.id, &me.signing.public_key());
        if let Some(existing) = self.connection(&id)? {
            return Ok(existing);
        }
        let info = ConnectionInfo {
            id: id.clone(),
            role: Role::Peer,
            my_name: my_name.trim().to_string(),
            their_name: invite.name.clone(),
            their_keys: invite.keys,
            relay_url: invite.relay_url.clone(),
            mailbox_id: invite.mailbox_id.clone(),
            capability: invite.capability.clone(),
            invite_id: invite.id.clone(),
            created_at: now,
            reply_capability: String::new(),
            connection_capability_id: String::new(),
            capability_rotated: false,
        };
        let hello = Payload::Hello {
            invite_id: invite.id.clone(),
            pair_secret: invite.pair_secret,
            name: info.my_name.clone(),
            keys: me.public(),
            reply_capability,
        };
        let envelope_id = make_id();
        let bytes = envelope::seal(&me, &invite.keys, &envelope_id, &id, 1, now, &hello);
        let tx = self.db.transaction().map_err(StoreError::from)?;
        insert_connection(&tx, self.sealer.as_ref(), &info, 2, 0)?;
        tx.execute(
            "INSERT INTO outbox (envelope_id, connection_id, seq, created_at, refs, bytes)
             VALUES (?1, ?2, 1, ?3, '{\"hello\":true}', ?4)",
            params![envelope_id, id, now, bytes],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(info)
    }

    /// A connection by id.
    pub fn connection(&self, id: &str) -> Result<Option<ConnectionInfo>, StoreError> {
        let row: Option<(String, Vec<u8>)> = self
            .db
            .query_row(
                "SELECT role, sealed FROM connections WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(role, sealed)| self.unseal_connection(id, &role, &sealed))
            .transpose()
    }

    fn unseal_connection(
        &self,
        id: &str,
        role: &str,
        sealed: &[u8],
    ) -> Result<ConnectionInfo, StoreError> {
        let bytes = self
            .sealer
            .open(&record_aad("connection", id), sealed)
            .map_err(|e| e.or_corrupt("connection"))?;
        let info: ConnectionInfo =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("connection"))?;
        if info.id != id || info.role != Role::parse(role)? {
            return Err(StoreError::Corrupt("connection"));
        }
        Ok(info)
    }

    /// Every connection, oldest first.
    pub fn connections(&self) -> Result<Vec<ConnectionInfo>, StoreError> {
        let mut stmt = self
            .db
            .prepare("SELECT id, role, sealed FROM connections ORDER BY created_at, id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|(id, role, sealed)| self.unseal_connection(id, role, sealed))
            .collect()
    }

    /// The safety number of a connection (the same digits on both phones).
    pub fn safety_number(&self, connection_id: &str) -> Result<String, SharingError> {
        let info = self
            .connection(connection_id)?
            .ok_or(SharingError::NoSuchConnection)?;
        Ok(safety_number(&self.identity()?.public(), &info.their_keys))
    }
}

/// Replaces the sealed info of an existing connection (same id and role).
pub(crate) fn update_connection(
    db: &rusqlite::Connection,
    sealer: &dyn super::sealer::Sealer,
    info: &ConnectionInfo,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(info).expect("connections serialize");
    db.execute(
        "UPDATE connections SET sealed = ?2 WHERE id = ?1",
        params![
            info.id,
            sealer.seal(&record_aad("connection", &info.id), &bytes)?
        ],
    )?;
    Ok(())
}

/// Inserts a connection row (the sealed info plus the plaintext routing columns).
pub(crate) fn insert_connection(
    db: &rusqlite::Connection,
    sealer: &dyn super::sealer::Sealer,
    info: &ConnectionInfo,
    next_seq: i64,
    last_applied_seq: i64,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(info).expect("connections serialize");
    db.execute(
        "INSERT INTO connections
             (id, role, remote_signing_key, created_at, next_seq, last_applied_seq, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            info.id,
            info.role.as_str(),
            info.their_keys.signing.as_slice(),
            info.created_at,
            next_seq,
            last_applied_seq,
            sealer.seal(&record_aad("connection", &info.id), &bytes)?
        ],
    )?;
    Ok(())
}
