package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import org.lantern.core.SharingService
import uniffi.lantern.ConnectionRole
import uniffi.lantern.SharedItem

/** What a peer shared, ready to draw; one case per kind of item the core sends. */
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

    /** A kind this app version does not know yet: shown as such, never guessed at. */
    data class Unknown(override val itemId: String, override val version: Long, val kind: String) : InboxItem
}

/** What one peer lets me see, why and until when, and what they shared. */
data class PeerInbox(
    val connectionId: String,
    val peerName: String,
    /** One line per active consent: the purpose and what it covers. */
    val consents: List<GrantRow>,
    val items: List<InboxItem>,
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
                PeerInbox(
                    connectionId = c.id,
                    peerName = c.theirName,
                    consents = sharing.receivedGrants(c.id).map(SharingViewModel::grantRow),
                    items = sharing.inbox(c.id).map(::item).sortedByDescending { it.sortKey() },
                )
            }
        }
        _state.update { s ->
            s.copy(loading = false, peers = loaded.getOrNull() ?: s.peers, error = loaded.uiError() ?: s.error)
        }
    }

    private fun InboxItem.sortKey(): Long = when (this) {
        is InboxItem.Entry -> createdAtMs
        is InboxItem.CheckIn -> createdAtMs
        else -> Long.MAX_VALUE // summaries first
    }

    companion object {
        private val json = Json { ignoreUnknownKeys = true }

        /** Reads a shared item's JSON body; anything unexpected becomes [InboxItem.Unknown]. */
        fun item(i: SharedItem): InboxItem {
            val version = i.version.toLong()
            return runCatching {
                val o = json.parseToJsonElement(i.body).jsonObject
                when (i.kind) {
                    "entry" -> InboxItem.Entry(
                        i.itemId, version,
                        text = o.str("text") ?: "",
                        mood = o.int("mood"),
                        tags = (o["tags"] as? JsonArray)?.mapNotNull { (it as? JsonPrimitive)?.content }.orEmpty(),
                        createdAtMs = o.long("created_at_ms") ?: 0,
                        edited = o.long("edited_at_ms") != null,
                    )
                    "checkin" -> InboxItem.CheckIn(i.itemId, version, o.int("mood") ?: 0, o.str("note"), o.long("created_at_ms") ?: 0)
                    "mood-trends" -> InboxItem.MoodTrend(
                        i.itemId, version,
                        o["daily"]!!.jsonArray.map { p ->
                            val po = p.jsonObject
                            TrendPoint(po.str("period_start") ?: "", po["average"]!!.jsonPrimitive.doubleOrNull ?: 0.0, po.int("samples") ?: 0)
                        },
                    )
                    "course-progress" -> InboxItem.CourseProgress(
                        i.itemId, version,
                        o["units"]!!.jsonArray.map { u ->
                            val uo = u.jsonObject
                            UnitRow(
                                id = uo.str("unit_id") ?: "",
                                title = uo.str("unit_id") ?: "",
                                lessonCount = 0,
                                sectionsRead = uo.int("sections_read") ?: 0,
                                sectionsTotal = uo.int("sections_total") ?: 0,
                                selfChecksCorrect = uo.int("self_checks_correct") ?: 0,
                                selfChecksTotal = uo.int("self_checks_total") ?: 0,
                            )
                        },
                    )
                    else -> InboxItem.Unknown(i.itemId, version, i.kind)
                }
            }.getOrElse { InboxItem.Unknown(i.itemId, version, i.kind) }
        }

        private fun JsonObject.str(k: String) = (this[k] as? JsonPrimitive)?.takeIf { it.isString }?.content
        private fun JsonObject.int(k: String) = (this[k] as? JsonPrimitive)?.intOrNull
        private fun JsonObject.long(k: String) = (this[k] as? JsonPrimitive)?.longOrNull
    }
}
