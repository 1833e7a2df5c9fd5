package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.SharingService
import uniffi.lantern.AuditEntry
import uniffi.lantern.AuditEvent

/** One line of "who saw what, when". [details] holds ids and versions only, never content. */
data class AuditRow(val seq: Long, val at: Long, val event: String, val details: String) {
    companion object {
        /** The core's typed record as a row: its event name and its references. */
        fun of(entry: AuditEntry): AuditRow = when (val e = entry.event) {
            is AuditEvent.GrantCreated -> row(entry, "grant-created", "grant ${e.grantId} to ${e.connectionId}")
            is AuditEvent.GrantRevoked -> row(entry, "grant-revoked", "grant ${e.grantId} to ${e.connectionId}")
            is AuditEvent.GrantExpired -> row(entry, "grant-expired", "grant ${e.grantId} to ${e.connectionId}")
            is AuditEvent.Disclosed -> row(entry, "disclosed", "${e.item} v${e.version} (envelope ${e.envelopeId})")
            is AuditEvent.Withdrawn -> row(entry, "withdrawn", "${e.item} v${e.version} (envelope ${e.envelopeId})")
            is AuditEvent.Dropped -> row(entry, "dropped", "envelope ${e.envelopeId} to ${e.connectionId}")
        }

        private fun row(entry: AuditEntry, event: String, details: String) = AuditRow(entry.seq, entry.at, event, details)
    }
}

/** Whether the hash chain was checked, and how it came out. */
enum class AuditCheck { NotChecked, Intact, Damaged }

data class AuditUiState(
    val loading: Boolean = true,
    val rows: List<AuditRow> = emptyList(),
    val check: AuditCheck = AuditCheck.NotChecked,
    val export: String? = null,
    val error: UiError? = null,
)

/** The peer's audit log: every grant, revocation and disclosure; verify the chain; export it. */
class AuditViewModel(private val sharing: SharingService, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow(AuditUiState())
    val state: StateFlow<AuditUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch {
        val log = attempt { sharing.auditLog() }
        _state.update { s ->
            s.copy(
                loading = false,
                rows = log.getOrNull()?.map(AuditRow::of)?.reversed() ?: s.rows,
                error = log.uiError(),
            )
        }
    }

    /** Re-checks the hash chain: a changed or removed record shows as [AuditCheck.Damaged]. */
    fun verify(): Job = scope.launch {
        val n = attempt { sharing.verifyAudit() }
        _state.update { s ->
            when {
                n.isSuccess -> s.copy(check = AuditCheck.Intact, error = null)
                n.uiError() == UiError.Damaged -> s.copy(check = AuditCheck.Damaged, error = null)
                else -> s.copy(error = n.uiError())
            }
        }
    }

    fun export(): Job = scope.launch {
        val json = attempt { sharing.exportAudit() }
        _state.update { it.copy(export = json.getOrNull(), error = json.uiError()) }
    }

    fun exportHandedOver() = _state.update { it.copy(export = null) }
}
