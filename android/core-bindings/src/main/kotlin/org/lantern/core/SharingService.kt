package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.AuditEntry
import uniffi.lantern.ConsentGrant
import uniffi.lantern.Scope
import uniffi.lantern.SharedItem
import uniffi.lantern.Sharing
import uniffi.lantern.SharingConnection
import uniffi.lantern.SyncObserver
import uniffi.lantern.SyncProgress
import uniffi.lantern.SyncSummary

/**
 * Consent-gated sharing, off the main thread. Connections and the grants I gave are kept as
 * [StateFlow]s, refreshed after every call that changes them, so the sharing screens and the
 * consent editor always show the core's current view. Sync does network I/O: a relay that
 * cannot be reached comes back as [LanternFailure.RelayDown] and nothing is lost.
 */
class SharingService internal constructor(
    private val sharing: Sharing,
    private val calls: CoreCalls,
) {
    private val _connections = MutableStateFlow<List<SharingConnection>>(emptyList())
    val connections: StateFlow<List<SharingConnection>> = _connections.asStateFlow()

    private val _grants = MutableStateFlow<List<ConsentGrant>>(emptyList())
    /** Every grant I gave, oldest first, with its status (active, revoked, expired). */
    val grants: StateFlow<List<ConsentGrant>> = _grants.asStateFlow()

    private val _syncProgress = MutableStateFlow<SyncProgress?>(null)
    /** The latest step of the running (or last) sync: counts only; `null` before any sync. */
    val syncProgress: StateFlow<SyncProgress?> = _syncProgress.asStateFlow()

    private val progressObserver = object : SyncObserver {
        override fun onProgress(progress: SyncProgress) {
            _syncProgress.value = progress
        }
    }

    suspend fun refresh() {
        _connections.value = calls.call { sharing.connections() }
        _grants.value = calls.call { sharing.listGrants() }
    }

    /** Supporter: an invite (one line, also shown as a QR code) for a peer to pair with. */
    suspend fun createInvite(relayUrl: String, myName: String): String =
        calls.call { sharing.createInvite(relayUrl, myName) }

    /** Peer: pairs with a supporter's invite; compare the safety number before granting. */
    suspend fun pair(invite: String, myName: String): SharingConnection =
        calls.call { sharing.pair(invite, myName) }.also { refresh() }

    suspend fun safetyNumber(connectionId: String): String = calls.call { sharing.safetyNumber(connectionId) }

    /** Peer: a new grant (a wider consent is always a new grant); the core normalises tag scopes. */
    suspend fun grant(connectionId: String, scopes: List<Scope>, purpose: String, expiresInDays: Int): ConsentGrant =
        calls.call { sharing.grant(connectionId, scopes, purpose, expiresInDays.toULong() * SECONDS_PER_DAY) }
            .also { refresh() }

    /** Peer: withdraws a grant now; the next sync tells the supporter's core to delete. */
    suspend fun revoke(grantId: String) {
        calls.call { sharing.revoke(grantId) }
        refresh()
    }

    /** Posts and fetches, reporting each step to [syncProgress] (ends in `DONE` on success). */
    suspend fun sync(): SyncSummary = calls.call { sharing.syncWith(progressObserver, null) }.also { refresh() }

    /** Supporter: what peers shared that I may still see. */
    suspend fun inbox(connectionId: String? = null): List<SharedItem> = calls.call { sharing.inbox(connectionId) }

    /** Supporter: the consents peers gave me that are active now. */
    suspend fun receivedGrants(connectionId: String? = null): List<ConsentGrant> =
        calls.call { sharing.receivedGrants(connectionId) }

    suspend fun auditLog(): List<AuditEntry> = calls.call { sharing.auditLog() }

    /**
     * Checks the audit log (hash chain, signed checkpoint, rollback mark) and the grants against
     * it; [LanternFailure.Integrity] when the sharing data was changed or rolled back.
     */
    suspend fun verifyAudit(): Long = calls.call { sharing.verifyAudit() }.toLong()

    /** The audit log as JSON, signed with this installation's identity key. */
    suspend fun exportAudit(): String = calls.call { sharing.exportAudit() }

    /** Checks an exported log's chain and its signature by the peer on [connectionId] (or by me). */
    suspend fun verifyAuditExport(export: String, connectionId: String? = null): Long =
        calls.call { sharing.verifyAuditExport(export, connectionId) }.toLong()

    private companion object {
        const val SECONDS_PER_DAY = 86_400uL
    }
}
