package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.AuditEntry
import uniffi.lantern.ConsentGrant
import uniffi.lantern.PushStatus
import uniffi.lantern.QuickReply
import uniffi.lantern.ReachLimits
import uniffi.lantern.ReachOut
import uniffi.lantern.Reply
import uniffi.lantern.ReplyAnswer
import uniffi.lantern.ReplyTarget
import uniffi.lantern.Scope
import uniffi.lantern.SentAlertView
import uniffi.lantern.SharedItem
import uniffi.lantern.Sharing
import uniffi.lantern.SharingConnection
import uniffi.lantern.SyncObserver
import uniffi.lantern.SyncProgress
import uniffi.lantern.SyncSummary
import uniffi.lantern.quickReplies
import uniffi.lantern.quickReplyWords
import uniffi.lantern.reachLimits

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

    private val _replies = MutableStateFlow<List<Reply>>(emptyList())
    /**
     * Replies, newest first: as a peer, what my supporters answered (who, to what, when); as a
     * supporter, what I sent (with whether the relay has it yet).
     */
    val replies: StateFlow<List<Reply>> = _replies.asStateFlow()

    private val _syncProgress = MutableStateFlow<SyncProgress?>(null)
    /** The latest step of the running (or last) sync: counts only; `null` before any sync. */
    val syncProgress: StateFlow<SyncProgress?> = _syncProgress.asStateFlow()

    private val progressObserver = object : SyncObserver {
        override fun onProgress(progress: SyncProgress) {
            _syncProgress.value = progress
        }
    }

    private val _push = MutableStateFlow<PushStatus?>(null)
    /** Content-free wake-ups: the endpoint and which relays wake it; `null` while off. */
    val push: StateFlow<PushStatus?> = _push.asStateFlow()

    suspend fun refresh() {
        _connections.value = calls.call { sharing.connections() }
        _grants.value = calls.call { sharing.listGrants() }
        _push.value = calls.call { sharing.pushStatus() }
        _replies.value = calls.call { sharing.replies(null) }
    }

    /**
     * The person turned notifications on: [endpoint] is what the UnifiedPush distributor gave
     * the app (`onNewEndpoint`). Every relay holding one of this installation's mailboxes will
     * POST it a token the core chose when an envelope arrives, nothing else (docs/push.md).
     * A relay that cannot be reached now stays in [PushStatus.pendingRelays]; call again later.
     */
    suspend fun enablePush(endpoint: String): PushStatus =
        calls.call { sharing.enablePush(endpoint) }.also { _push.value = it }

    /** The person turned notifications off (or the distributor unregistered the app). */
    suspend fun disablePush() {
        calls.call { sharing.disablePush() }
        _push.value = null
    }

    /**
     * A push message arrived (`onMessage`): whether it is one of this installation's wake-ups.
     * If so, [sync]; the message itself carries nothing else.
     */
    suspend fun isPushWake(message: ByteArray): Boolean = calls.call { sharing.isPushWake(message) }

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

    /**
     * Peer: "I need support now", with an optional short note (at most
     * [limits]`.maxNoteChars`). The result always carries the course's "Get help now" section:
     * show it at once, whatever else happened. It says which supporters the alert was sent to or
     * queued for (a queued one goes out with the next [sync]), or why it reached no one
     * ([ReachOut.issue]). Only a note over the limit fails ([LanternFailure.InvalidInput]).
     */
    suspend fun reachOut(note: String? = null): ReachOut = calls.call { sharing.reachOut(note) }

    /** Peer: the alerts I sent, newest first, with where each stands per supporter. */
    suspend fun sentAlerts(): List<SentAlertView> = calls.call { sharing.sentAlerts() }

    /**
     * Supporter: answers an alert or a shared item I still hold ([ReplyTarget] is the item's
     * kind and id, as in the inbox). [LanternFailure.ConsentRequired] once the peer's consent
     * for it ended; [LanternFailure.InvalidInput] for empty or too long text.
     */
    suspend fun reply(connectionId: String, inReplyTo: ReplyTarget, answer: ReplyAnswer): Reply =
        calls.call { sharing.reply(connectionId, inReplyTo, answer) }.also { refresh() }

    /** Supporter: a one-tap answer ([quickAnswers] lists them, in order). */
    suspend fun reply(connectionId: String, inReplyTo: ReplyTarget, quick: QuickReply): Reply =
        reply(connectionId, inReplyTo, ReplyAnswer.Quick(quick))

    /** Replies for one connection (or all), newest first. */
    suspend fun replies(connectionId: String? = null): List<Reply> =
        calls.call { sharing.replies(connectionId) }

    /** The ready answers with their words, in the order to offer them. */
    val quickAnswers: List<Pair<QuickReply, String>> by lazy { quickReplies().map { it to quickReplyWords(it) } }

    /** The core's limits for notes and replies (for the input fields). */
    val limits: ReachLimits by lazy { reachLimits() }

    private companion object {
        const val SECONDS_PER_DAY = 86_400uL
    }
}
