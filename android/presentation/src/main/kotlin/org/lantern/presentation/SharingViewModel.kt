package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.SharingService
import uniffi.lantern.ConnectionRole
import uniffi.lantern.ConsentGrant
import uniffi.lantern.GrantStatus
import uniffi.lantern.Scope
import uniffi.lantern.SharingConnection
import uniffi.lantern.SyncSummary

/** A connection as the sharing screen lists it. */
data class ConnectionRow(
    val id: String,
    val theirName: String,
    val role: ConnectionRole,
    /** The safety number in lines of four five-digit groups, for reading aloud. */
    val safetyNumberLines: List<String>,
    /** The person said both phones show the same number. */
    val verified: Boolean,
    val activeGrants: Int,
)

/** A consent as the grants list shows it: every element a valid consent states. */
data class GrantRow(
    val id: String,
    val connectionId: String,
    val recipientName: String,
    val scopes: List<Scope>,
    val howMuch: List<String>,
    val purpose: String,
    val createdAt: Long,
    val expiresAt: Long,
    val status: GrantStatus,
    val rightToRevoke: String,
)

data class SharingUiState(
    val loading: Boolean = true,
    /** People I share with (my supporters). */
    val supporters: List<ConnectionRow> = emptyList(),
    /** People who share with me (peers I support). */
    val peers: List<ConnectionRow> = emptyList(),
    val myName: String = "",
    val inviteText: String = "",
    val relayUrl: String = "",
    /** The invite I created as a supporter, shown as text and QR code. */
    val createdInvite: String? = null,
    /** Just paired: compare this safety number in person before granting anything. */
    val comparing: ConnectionRow? = null,
    /** The connection the consent editor is open for, and its form. */
    val editorFor: ConnectionRow? = null,
    val draft: ConsentDraft = ConsentDraft(),
    val activeGrants: List<GrantRow> = emptyList(),
    /** Revoked and expired grants, kept for the record. */
    val pastGrants: List<GrantRow> = emptyList(),
    val syncing: Boolean = false,
    val lastSync: SyncSummary? = null,
    val busy: Boolean = false,
    val error: UiError? = null,
)

/**
 * Sharing: pairing (a supporter's invite by QR code or text, then the safety-number
 * comparison), the consent editor (scopes, purpose, expiry), active grants with one-tap
 * revoke, and "sync now". Granting is only offered once the safety numbers were compared and
 * matched, so a relay in the middle cannot receive anything.
 */
class SharingViewModel(
    private val sharing: SharingService,
    private val preferences: Preferences,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(SharingUiState())
    val state: StateFlow<SharingUiState> = _state.asStateFlow()

    init {
        scope.launch {
            combine(sharing.connections, sharing.grants) { c, g -> c to g }.collect { (c, g) -> apply(c, g) }
        }
    }

    fun load(): Job = scope.launch {
        val done = attempt { sharing.refresh() }
        _state.update { it.copy(loading = false, error = done.uiError()) }
    }

    fun onMyName(v: String) = _state.update { it.copy(myName = v, error = null) }
    fun onInviteText(v: String) = _state.update { it.copy(inviteText = v.trim(), error = null) }
    fun onRelayUrl(v: String) = _state.update { it.copy(relayUrl = v.trim(), error = null) }

    /** Supporter: creates an invite for a peer. */
    fun createInvite(): Job? {
        val s = _state.value
        if (s.myName.isBlank()) return fail(UiError.NameMissing)
        if (s.relayUrl.isBlank()) return fail(UiError.InvalidInput)
        return busy {
            val invite = attempt { sharing.createInvite(s.relayUrl, s.myName.trim()) }
            _state.update { it.copy(createdInvite = invite.getOrNull() ?: it.createdInvite, error = invite.uiError()) }
        }
    }

    /** Peer: pairs with a scanned or pasted invite, then asks to compare safety numbers. */
    fun pair(): Job? {
        val s = _state.value
        if (s.inviteText.isBlank()) return fail(UiError.InviteMissing)
        if (s.myName.isBlank()) return fail(UiError.NameMissing)
        return busy {
            val paired = attempt { sharing.pair(s.inviteText, s.myName.trim()) }
            _state.update { cur ->
                paired.getOrNull()?.let { c -> cur.copy(inviteText = "", comparing = row(c, 0)) }
                    ?: cur.copy(error = paired.uiError())
            }
            // The supporter learns of the pairing from a message this sync posts; if the relay
            // is down it stays queued for the next sync, so a failure here is not shown.
            if (paired.isSuccess) attempt { sharing.sync() }.onSuccess { summary -> _state.update { it.copy(lastSync = summary) } }
        }
    }

    /** Shows the safety number of an existing connection for (re-)comparison. */
    fun compare(connectionId: String) = _state.update { s ->
        s.copy(comparing = (s.supporters + s.peers).firstOrNull { it.id == connectionId })
    }

    /** The person compared the numbers in person: [match] records it; a mismatch blocks sharing. */
    fun safetyNumbersCompared(match: Boolean) {
        val c = _state.value.comparing ?: return
        preferences.put(verifiedKey(c.id), match)
        _state.update { s ->
            s.copy(
                comparing = null,
                supporters = s.supporters.map { if (it.id == c.id) it.copy(verified = match) else it },
                peers = s.peers.map { if (it.id == c.id) it.copy(verified = match) else it },
            )
        }
    }

    /** Opens the consent editor for a supporter whose safety number was compared. */
    fun openEditor(connectionId: String) {
        val c = _state.value.supporters.firstOrNull { it.id == connectionId } ?: return
        if (!c.verified) {
            _state.update { it.copy(comparing = c) }
            return
        }
        _state.update { it.copy(editorFor = c, draft = ConsentDraft(), error = null) }
    }

    fun editDraft(change: (ConsentDraft) -> ConsentDraft) = _state.update { it.copy(draft = change(it.draft), error = null) }

    fun closeEditor() = _state.update { it.copy(editorFor = null, draft = ConsentDraft()) }

    /** Signs and stores the grant; nothing leaves the phone before the next sync. */
    fun grant(): Job? {
        val s = _state.value
        val to = s.editorFor ?: return null
        s.draft.problem()?.let { return fail(it) }
        return busy {
            val g = attempt { sharing.grant(to.id, s.draft.scopes(), s.draft.purpose.trim(), s.draft.expiryDays) }
            _state.update { if (g.isSuccess) it.copy(editorFor = null, draft = ConsentDraft()) else it.copy(error = g.uiError()) }
        }
    }

    /** One tap: the grant stops at once; the next sync tells the supporter to delete. */
    fun revoke(grantId: String): Job = busy {
        val done = attempt { sharing.revoke(grantId) }
        _state.update { it.copy(error = done.uiError()) }
    }

    fun syncNow(): Job {
        _state.update { it.copy(syncing = true, error = null) }
        return scope.launch {
            val summary = attempt { sharing.sync() }
            _state.update { it.copy(syncing = false, lastSync = summary.getOrNull() ?: it.lastSync, error = summary.uiError()) }
        }
    }

    fun dismissError() = _state.update { it.copy(error = null) }

    private fun apply(connections: List<SharingConnection>, grants: List<ConsentGrant>) {
        val active = grants.filter { it.status == GrantStatus.ACTIVE }
        val rows = connections.map { c -> row(c, active.count { it.connectionId == c.id }) }
        _state.update { s ->
            s.copy(
                supporters = rows.filter { it.role == ConnectionRole.SHARING },
                peers = rows.filter { it.role == ConnectionRole.SUPPORTING },
                activeGrants = active.map(::grantRow),
                pastGrants = grants.filter { it.status != GrantStatus.ACTIVE }.map(::grantRow),
            )
        }
    }

    private fun row(c: SharingConnection, activeGrants: Int) = ConnectionRow(
        id = c.id,
        theirName = c.theirName,
        role = c.role,
        safetyNumberLines = safetyNumberLines(c.safetyNumber),
        verified = preferences.getBoolean(verifiedKey(c.id), false),
        activeGrants = activeGrants,
    )

    private fun fail(e: UiError): Job? {
        _state.update { it.copy(error = e) }
        return null
    }

    private fun busy(block: suspend () -> Unit): Job {
        _state.update { it.copy(busy = true, error = null) }
        return scope.launch {
            try {
                block()
            } finally {
                _state.update { it.copy(busy = false) }
            }
        }
    }

    companion object {
        private fun verifiedKey(connectionId: String) = "safety_number_verified.$connectionId"

        fun grantRow(g: ConsentGrant) = GrantRow(
            id = g.id,
            connectionId = g.connectionId,
            recipientName = g.recipientName,
            scopes = g.scopes,
            howMuch = g.howMuch,
            purpose = g.purpose,
            createdAt = g.createdAt,
            expiresAt = g.expiresAt,
            status = g.status,
            rightToRevoke = g.rightToRevoke,
        )

        /** Twelve five-digit groups as three lines of four, the way people read them aloud. */
        fun safetyNumberLines(number: String): List<String> {
            val digits = number.filter { it.isDigit() }
            return digits.chunked(5).chunked(4).map { it.joinToString(" ") }
        }
    }
}
