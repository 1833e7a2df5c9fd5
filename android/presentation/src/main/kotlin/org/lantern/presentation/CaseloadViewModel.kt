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
import uniffi.lantern.SharedItem

/** One peer who shares with me, as the caseload lists them and as their page shows them. */
data class CaseloadPeer(
    val connectionId: String,
    val name: String,
    /** When something of theirs last arrived (seconds since the epoch); null when nothing has. */
    val lastSharedAt: Long?,
    /** Items that arrived (new or edited) since I last opened this peer's page. */
    val newItemIds: Set<String>,
    /** The consents they gave me that are active now: what, why and until when. */
    val consents: List<GrantRow>,
    /** Their "I need support now" alerts first, then their shared entries and check-ins, newest first. */
    val timeline: List<InboxItem>,
    /** Their shared mood summary (daily averages, oldest first); empty when they share none. */
    val moodTrend: List<TrendPoint>,
    /** Their shared course progress, if they share it. */
    val courseProgress: List<UnitRow>,
    /** Their days in recovery (the count only), if they share it. */
    val recoveryCount: RecoveryCountRow? = null,
) {
    val newCount: Int get() = newItemIds.size

    /** The first of their consents to run out (seconds since the epoch). */
    val nextExpiry: Long? get() = consents.minOfOrNull { it.expiresAt }
}

data class CaseloadUiState(
    val loading: Boolean = true,
    /** Peers with something new first, then the most recently shared. */
    val peers: List<CaseloadPeer> = emptyList(),
    /** The peer whose page is open (their connection id), null on the list. */
    val openPeer: String? = null,
    val syncing: Boolean = false,
    val error: UiError? = null,
) {
    val open: CaseloadPeer? get() = peers.firstOrNull { it.connectionId == openPeer }
}

/**
 * The supporter's caseload: every peer who shares with me, when each last shared, what is new
 * since I last looked, each one's shared timeline and mood trend, and when each consent expires.
 * "Last looked" is kept per peer in [Preferences] (no private data: the arrival time of the newest
 * item seen, in seconds, and the item versions that arrived in that same second); opening a
 * peer's page moves it to the newest item shown there. What the core deleted (a revoked or
 * expired consent) is simply no longer listed.
 */
class CaseloadViewModel(
    private val sharing: SharingService,
    private val prefs: Preferences,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(CaseloadUiState())

    /** Per peer, when each shown item version arrived (for the "last looked" mark). */
    private val arrivals = java.util.concurrent.ConcurrentHashMap<String, List<Pair<Long, String>>>()
    val state: StateFlow<CaseloadUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch { reload() }

    /** Fetches what peers shared from the relay, then reloads; a relay that is down is a typed error. */
    fun syncNow(): Job {
        _state.update { it.copy(syncing = true, error = null) }
        return scope.launch {
            val summary = attempt { sharing.sync() }
            _state.update { it.copy(syncing = false, error = summary.uiError()) }
            reload()
        }
    }

    /**
     * Opens a peer's page. What is new stays marked on the page while it is open; the peer's
     * "last looked" moves to the newest item, so the list shows nothing new for them after.
     */
    fun open(connectionId: String) {
        val peer = _state.value.peers.firstOrNull { it.connectionId == connectionId } ?: return
        _state.update { it.copy(openPeer = connectionId) }
        val last = peer.lastSharedAt ?: return
        prefs.put(seenKey(connectionId), last)
        prefs.put(seenAtKey(connectionId), peer.arrivedAt(last).joinToString(","))
    }

    /** Back to the list, where the peer just looked at has nothing new. */
    fun close(): Job {
        _state.update { it.copy(openPeer = null) }
        return load()
    }

    private suspend fun reload() {
        val loaded = attempt {
            sharing.refresh()
            sharing.connections.value.filter { it.role == ConnectionRole.SUPPORTING }.map { c ->
                peer(c.id, c.theirName, sharing.inbox(c.id), sharing.receivedGrants(c.id).map(SharingViewModel::grantRow))
            }
        }
        _state.update { s ->
            val peers = loaded.getOrNull()?.let(::ordered)
            // The open page keeps its "new" marks until it is closed.
            val kept = peers?.map { p -> s.open?.takeIf { it.connectionId == p.connectionId }?.let { p.copy(newItemIds = it.newItemIds + p.newItemIds) } ?: p }
            s.copy(loading = false, peers = kept ?: s.peers, error = loaded.uiError() ?: s.error)
        }
    }

    private fun peer(id: String, name: String, shared: List<SharedItem>, consents: List<GrantRow>): CaseloadPeer {
        val seen = prefs.getLong(seenKey(id), Long.MIN_VALUE)
        val seenAtMark = prefs.getString(seenAtKey(id))?.split(",")?.toSet().orEmpty()
        val items = shared.mapNotNull { s -> InboxViewModel.item(s)?.let { s to it } }
        arrivals[id] = shared.map { it.receivedAt to versionKey(it) }
        return CaseloadPeer(
            connectionId = id,
            name = name,
            lastSharedAt = shared.maxOfOrNull { it.receivedAt },
            newItemIds = shared.filter { it.receivedAt > seen || (it.receivedAt == seen && versionKey(it) !in seenAtMark) }
                .map { it.itemId }.toSet(),
            consents = consents.sortedBy { it.expiresAt },
            timeline = items.map { it.second }.filter { it is InboxItem.Entry || it is InboxItem.CheckIn || it is InboxItem.Alert }
                .sortedWith(compareByDescending<InboxItem> { it is InboxItem.Alert }.thenByDescending { it.createdAtMs() }),
            moodTrend = items.map { it.second }.filterIsInstance<InboxItem.MoodTrend>().flatMap { it.points },
            courseProgress = items.map { it.second }.filterIsInstance<InboxItem.CourseProgress>().flatMap { it.units },
            recoveryCount = shared.firstNotNullOfOrNull(InboxViewModel::recoveryCount),
        )
    }

    private fun ordered(peers: List<CaseloadPeer>): List<CaseloadPeer> =
        peers.sortedWith(compareByDescending<CaseloadPeer> { it.newCount > 0 }.thenByDescending { it.lastSharedAt ?: Long.MIN_VALUE }.thenBy { it.name })

    private fun InboxItem.createdAtMs(): Long = when (this) {
        is InboxItem.Entry -> createdAtMs
        is InboxItem.CheckIn -> createdAtMs
        is InboxItem.Alert -> sentAtMs
        else -> 0
    }

    /** The item versions of this peer that arrived in second [at]. */
    private fun CaseloadPeer.arrivedAt(at: Long): List<String> = arrivals[connectionId].orEmpty().filter { it.first == at }.map { it.second }

    private fun versionKey(i: SharedItem) = "${i.itemId}@${i.version}"

    private fun seenKey(connectionId: String) = "caseload.seen.$connectionId"

    private fun seenAtKey(connectionId: String) = "caseload.seen_at_mark.$connectionId"
}
