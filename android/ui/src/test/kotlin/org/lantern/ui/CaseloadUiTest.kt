package org.lantern.ui

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.performClick
import kotlinx.coroutines.runBlocking
import org.lantern.presentation.CoreFixture
import org.lantern.presentation.RelayProcess
import uniffi.lantern.Scope
import java.text.DateFormat
import java.util.Date
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * The supporter's caseload, clicked through on real cores: a peer (its own core) pairs with the
 * supporter's invite through a real lantern-relay process, grants check-ins, mood trend and
 * tagged entries, and shares; the supporter's screen shows them, what is new, and when the
 * consent expires; a revocation and a relay that is down are shown as such.
 */
class CaseloadUiTest {
    private val purpose = "So Sam can check in on me between meetings"

    /** A peer ("Alex") paired with the supporter on [f], who granted check-ins, mood trend and tagged entries; returns the grant id. */
    private fun sharingPeer(f: UiFixture, relay: RelayProcess, peer: CoreFixture): String = runBlocking {
        f.unlockedJournal()
        val invite = f.core.sharing.createInvite(relay.url, "Sam")
        peer.core.journal.setUp("peer passphrase 1")
        val connection = peer.core.sharing.pair(invite, "Alex")
        val grant = peer.core.sharing.grant(
            connection.id,
            listOf(Scope.CheckIns, Scope.MoodTrends, Scope.EntriesWithTag("share")),
            purpose,
            30,
        )
        grant.id
    }

    private fun ComposeUiTest.syncFromScreen() {
        reveal(node(EN.get("sharing_sync_now"))).performClick()
    }

    @Test
    fun theCaseloadShowsWhoSharedWhatIsNewTheTimelineTheTrendAndTheExpiry() = RelayProcess().use { relay ->
        CoreFixture().use { peer ->
            uiTest(width = 900, height = 900) { f ->
                val grantId = sharingPeer(f, relay, peer)
                runBlocking {
                    peer.core.journal.add("SHARED a good day at the allotment", 4, listOf("share"))
                    peer.core.journal.add("PRIVATE not for anyone", 2, listOf("private"))
                    listOf(2, 3, 4).forEach { peer.core.journal.checkIn(it, if (it == 3) "slept badly" else null) }
                    peer.core.sharing.sync()
                }
                val expires = runBlocking { peer.core.sharing.grants.value.single().expiresAt }

                setApp(f, f.state(Destination.Caseload))
                awaitText(EN.get("caseload_empty"))
                syncFromScreen()
                awaitText("Alex")
                // Entry, three check-ins and the weekly mood summary arrived, none looked at yet.
                awaitText(EN.plural("caseload_new", 5, 5))
                awaitText(EN.get("caseload_last_shared", ""), substring = true)
                val day = DateFormat.getDateInstance(DateFormat.MEDIUM, EN.locale).format(Date(expires * 1000))
                awaitText(EN.get("caseload_expires", day))

                node("Alex").performClick()
                awaitText(EN.get("caseload_consents"))
                awaitText(EN.get("inbox_consent", purpose, day))
                awaitText("SHARED a good day at the allotment")
                awaitText("slept badly")
                assertEquals(false, shows("PRIVATE", substring = true), "an entry without the shared tag never leaves the peer")
                // Three check-ins in this week: one weekly average, (2 + 3 + 4) / 3.
                awaitText(EN.get("caseload_week_average", "", 3.0).substringAfter(": "), substring = true)
                assertEquals(4, onAllNodes(androidx.compose.ui.test.hasText(EN.get("caseload_new_badge"))).fetchSemanticsNodes().size)

                // Back on the list, nothing is new for Alex any more; a new entry is.
                onNodeWithContentDescription(EN.get("action_back")).performClick()
                awaitText(EN.get("caseload_nothing_new"))
                runBlocking {
                    peer.core.journal.add("SHARED went to the meeting", 5, listOf("share"))
                    peer.core.sharing.sync()
                }
                syncFromScreen()
                awaitText(EN.plural("caseload_new", 1, 1))
                node("Alex").performClick()
                awaitText("SHARED went to the meeting")
                assertEquals(1, onAllNodes(androidx.compose.ui.test.hasText(EN.get("caseload_new_badge"))).fetchSemanticsNodes().size)
                onNodeWithContentDescription(EN.get("action_back")).performClick()

                // The peer revokes: after the next syncs what came under the consent is gone.
                runBlocking {
                    peer.core.sharing.revoke(grantId)
                    peer.core.sharing.sync()
                }
                syncFromScreen()
                awaitText(EN.get("inbox_no_consent"))
                node("Alex").performClick()
                awaitText(EN.get("caseload_timeline_empty"))
                assertEquals(false, shows("SHARED", substring = true), "revoked: the supporter's copy is deleted")
                onNodeWithContentDescription(EN.get("action_back")).performClick()

                // The relay is down: a readable message, and the list stays.
                relay.stop()
                syncFromScreen()
                awaitText(EN.get("error_relay_down"))
                node("Alex").assertExists()
            }
        }
    }

    @Test
    fun aNewlyPairedPeerIsListedWithNothingSharedUntilTheyGrantAndShare() = RelayProcess().use { relay ->
        CoreFixture().use { peer ->
            uiTest(width = 900, height = 900) { f ->
                // Alex pairs with Sam's invite and has not chosen anything to share yet.
                val connectionId = runBlocking {
                    f.unlockedJournal()
                    val invite = f.core.sharing.createInvite(relay.url, "Sam")
                    peer.core.journal.setUp("peer passphrase 1")
                    peer.core.sharing.pair(invite, "Alex").id.also { peer.core.sharing.sync() }
                }
                setApp(f, f.state(Destination.Caseload))
                awaitText(EN.get("caseload_empty"))
                syncFromScreen()
                awaitText("Alex")
                awaitText(EN.get("caseload_never_shared"))
                awaitText(EN.get("caseload_nothing_new"))
                awaitText(EN.get("inbox_no_consent"))
                node("Alex").performClick()
                awaitText(EN.get("caseload_consents"))
                awaitText(EN.get("caseload_no_trend"))
                awaitText(EN.get("caseload_timeline_empty"))
                onNodeWithContentDescription(EN.get("action_back")).performClick()

                // Then they grant check-ins and check in once: it arrives as new, under the consent.
                runBlocking {
                    peer.core.sharing.grant(connectionId, listOf(Scope.CheckIns), purpose, 7)
                    peer.core.journal.checkIn(4, "first week done")
                    peer.core.sharing.sync()
                }
                syncFromScreen()
                awaitText(EN.plural("caseload_new", 1, 1))
                awaitGone(EN.get("caseload_never_shared"))
                node("Alex").performClick()
                awaitText("first week done")
                // Check-ins only: no mood trend is shared.
                awaitText(EN.get("caseload_no_trend"))
            }
        }
    }

    @Test
    fun anEmptyCaseloadExplainsItselfInSpanish() = uiTest { f ->
        f.unlockedJournal()
        setApp(f, f.state(Destination.Caseload), strings = ES)
        awaitText(ES.get("inbox_title"))
        awaitText(ES.get("caseload_empty"))
    }

    @Test
    fun aLockedJournalIsAReadableMessageOnTheCaseload() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Caseload))
        awaitText(EN.get("error_locked"))
    }
}
