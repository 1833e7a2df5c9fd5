package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.SharingService
import uniffi.lantern.ConnectionRole
import uniffi.lantern.SharedContent
import uniffi.lantern.SharedItem
import uniffi.lantern.describeMilestone

/** What a peer shared, ready to draw; one case per kind of content the core types. */
sealed interface InboxItem {
    val itemId: String
    val version: Long

    data class Entry(
        override val itemId: String,
        override val version: Long,
        val text: String,
        val mood: Int?,
        val tags: List<String>,
        val createdAtMs: Long,
        val edited: Boolean,
    ) : InboxItem

    data class CheckIn(override val itemId: String, override val version: Long, val mood: Int, val note: String?, val createdAtMs: Long) :
        InboxItem

    data class MoodTrend(override val itemId: String, override val version: Long, val points: List<TrendPoint>) : InboxItem

    data class CourseProgress(override val itemId: String, override val version: Long, val units: List<UnitRow>) : InboxItem

    /** The peer reached out: "I need support now", with their note if they wrote one. */
    data class Alert(override val itemId: String, override val version: Long, val note: String?, val sentAtMs: Long) : InboxItem
}

/** A peer's shared count of days in recovery (never their start date) and its milestone words. */
data class RecoveryCountRow(val days: Int, val milestone: String?)

/** What one peer lets me see, why and until when, and what they shared. */
data class PeerInbox(
    val connectionId: String,
    val peerName: String,
    /** One line per active consent: the purpose and what it covers. */
    val consents: List<GrantRow>,
    val items: List<InboxItem>,
    /** Their recovery count, when they share it (a summary, shown apart from the items). */
    val recoveryCount: RecoveryCountRow? = null,
)

data class InboxUiState(
    val loading: Boolean = true,
    val peers: List<PeerInbox> = emptyList(),
    val syncing: Boolean = false,
    /** Items that arrived with the last sync (for the "new" badge). */
    val newItems: Int = 0,
    val error: UiError? = null,
)

/**
 * The supporter's inbox: per peer, the consents they gave me (what, why, until when) and the
 * items they shared. When a peer revokes, or a consent expires, the core deletes what came
 * under it and this screen simply no longer shows it.
 */
class InboxViewModel(private val sharing: SharingService, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow(InboxUiState())
    val state: StateFlow<InboxUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch { reload() }

    fun syncNow(): Job {
        _state.update { it.copy(syncing = true, error = null) }
        return scope.launch {
            val summary = attempt { sharing.sync() }
            _state.update { it.copy(syncing = false, newItems = summary.getOrNull()?.applied?.toInt() ?: 0, error = summary.uiError()) }
            if (summary.isSuccess) reload()
        }
    }

    private suspend fun reload() {
        val loaded = attempt {
            sharing.refresh()
            sharing.connections.value.filter { it.role == ConnectionRole.SUPPORTING }.map { c ->
                val shared = sharing.inbox(c.id)
                PeerInbox(
                    connectionId = c.id,
                    peerName = c.theirName,
                    consents = sharing.receivedGrants(c.id).map(SharingViewModel::grantRow),
                    items = shared.mapNotNull(::item).sortedByDescending { it.sortKey() },
                    recoveryCount = shared.firstNotNullOfOrNull(::recoveryCount),
                )
            }
        }
        _state.update { s ->
            s.copy(loading = false, peers = loaded.getOrNull() ?: s.peers, error = loaded.uiError() ?: s.error)
        }
    }

    private fun InboxItem.sortKey(): Long = when (this) {
        is InboxItem.Alert -> Long.MAX_VALUE // someone needs support: first
        is InboxItem.Entry -> createdAtMs
        is InboxItem.CheckIn -> createdAtMs
        else -> Long.MAX_VALUE - 1 // then the summaries
    }

    companion object {
        /** The recovery count a peer shares, or null for any other item. */
        fun recoveryCount(i: SharedItem): RecoveryCountRow? = (i.content as? SharedContent.RecoveryCount)?.let { c ->
            RecoveryCountRow(days = c.days.toInt(), milestone = c.milestone?.let(::describeMilestone))
        }

        /** A shared item as the inbox draws it (null for the recovery count, see [recoveryCount]). */
        fun item(i: SharedItem): InboxItem? {
            val version = i.version.toLong()
            return when (val c = i.content) {
                is SharedContent.Entry -> InboxItem.Entry(
                    i.itemId, version,
                    text = c.text,
                    mood = c.mood?.toInt(),
                    tags = c.tags,
                    createdAtMs = c.createdAtMs,
                    edited = c.editedAtMs != null,
                )
                is SharedContent.CheckIn -> InboxItem.CheckIn(i.itemId, version, c.mood.toInt(), c.note, c.createdAtMs)
                is SharedContent.MoodTrends -> InboxItem.MoodTrend(
                    i.itemId, version,
                    // The core shares weekly averages only (no daily points, no sample counts).
                    c.weekly.map { p -> TrendPoint(p.periodStart, p.average, p.samples.toInt()) },
                )
                is SharedContent.Alert -> InboxItem.Alert(i.itemId, version, c.note, c.sentAtMs)
                is SharedContent.CourseProgress -> InboxItem.CourseProgress(
                    i.itemId, version,
                    c.units.map { u ->
                        UnitRow(
                            id = u.unitId,
                            title = u.unitId,
                            lessonCount = 0,
                            sectionsRead = u.sectionsRead.toInt(),
                            sectionsTotal = u.sectionsTotal.toInt(),
                            selfChecksCorrect = u.selfChecksCorrect.toInt(),
                            selfChecksTotal = u.selfChecksTotal.toInt(),
                        )
                    },
                )
                is SharedContent.RecoveryCount -> null
            }
        }
    }
}
