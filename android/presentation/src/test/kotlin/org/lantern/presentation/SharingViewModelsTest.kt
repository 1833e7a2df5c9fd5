package org.lantern.presentation

import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import uniffi.lantern.GrantStatus
import uniffi.lantern.SyncPhase
import uniffi.lantern.Scope

private const val PEER_PASS = "peer passphrase 1"
private const val SUPPORTER_PASS = "supporter passphrase 1"

/** Sets up and unlocks the journal (sharing seals its records under the vault's key). */
private suspend fun CoreFixture.ready(pass: String) {
    core.journal.setUp(pass)
}

private fun CoreFixture.prefs() = Preferences(dir.resolve("settings.properties").toFile())

/** A peer and a supporter, each with a real core, paired through a real relay on 127.0.0.1. */
class SharingViewModelsTest {
    private val relay = RelayProcess()
    private val peer = CoreFixture()
    private val supporter = CoreFixture()

    @AfterTest
    fun tearDown() {
        peer.close()
        supporter.close()
        relay.close()
    }

    /** Invite, pair, compare safety numbers; returns the two sharing screens. */
    private suspend fun paired(): Pair<SharingViewModel, SharingViewModel> {
        peer.ready(PEER_PASS)
        supporter.ready(SUPPORTER_PASS)
        val sVm = SharingViewModel(supporter.core.sharing, supporter.prefs(), supporter.scope)
        sVm.onMyName("Sam")
        sVm.onRelayUrl(relay.url)
        sVm.createInvite()!!.join()
        val invite = assertNotNull(sVm.state.value.createdInvite, "error: ${sVm.state.value.error}")

        val pVm = SharingViewModel(peer.core.sharing, peer.prefs(), peer.scope)
        pVm.load().join()
        pVm.onInviteText(invite)
        assertNull(pVm.pair(), "no name yet")
        assertEquals(UiError.NameMissing, pVm.state.value.error)
        pVm.onMyName("Alex")
        pVm.pair()!!.join()
        val comparing = assertNotNull(pVm.state.value.comparing, "error: ${pVm.state.value.error}")
        assertEquals("Sam", comparing.theirName)
        assertEquals(3, comparing.safetyNumberLines.size)
        assertTrue(comparing.safetyNumberLines.all { it.matches(Regex("""\d{5}( \d{5}){3}""")) })

        // The supporter learns of the pairing at its next sync; both phones show the same number.
        sVm.syncNow().join()
        val peerRow = sVm.state.awaitState { it.peers.isNotEmpty() }.peers.single()
        assertEquals("Alex", peerRow.theirName)
        assertEquals(comparing.safetyNumberLines, peerRow.safetyNumberLines)
        return pVm to sVm
    }

    @Test
    fun pairGrantSyncAndRevokeEndToEnd() = kotlinx.coroutines.runBlocking {
        val (pVm, _) = paired()
        val supporterId = pVm.state.awaitState { it.supporters.isNotEmpty() }.supporters.single().id

        // Granting waits for the safety-number comparison.
        pVm.openEditor(supporterId)
        assertNull(pVm.state.value.editorFor)
        assertNotNull(pVm.state.value.comparing)
        pVm.safetyNumbersCompared(match = true)
        pVm.openEditor(supporterId)
        assertNotNull(pVm.state.value.editorFor)

        assertNull(pVm.grant())
        assertEquals(UiError.NoScopeChosen, pVm.state.value.error)
        pVm.editDraft { it.copy(checkIns = true).withTag("Share") }
        assertNull(pVm.grant())
        assertEquals(UiError.PurposeMissing, pVm.state.value.error)
        pVm.editDraft { it.copy(purpose = "So Sam can check in on me between meetings", expiryDays = 30) }
        pVm.grant()!!.join()
        val grant = pVm.state.awaitState { it.activeGrants.isNotEmpty() }.activeGrants.single()
        assertEquals("Sam", grant.recipientName)
        assertEquals(setOf(Scope.CheckIns, Scope.EntriesWithTag("share")), grant.scopes.toSet())
        assertTrue(grant.rightToRevoke.isNotBlank())
        assertTrue(grant.expiresAt - grant.createdAt in 29L * 86_400..31L * 86_400)
        assertNull(pVm.state.value.editorFor)

        peer.core.journal.add("SHARED-CANARY a good day", 4, listOf("share"))
        peer.core.journal.add("PRIVATE-CANARY not for anyone", 2, listOf("private"))
        peer.core.journal.checkIn(3, "slept badly")
        pVm.syncNow().join()
        assertNull(pVm.state.value.error)
        assertTrue(assertNotNull(pVm.state.value.lastSync).posted > 0uL)
        assertEquals(SyncPhase.DONE, peer.core.sharing.syncProgress.value?.phase)

        val inbox = InboxViewModel(supporter.core.sharing, supporter.scope)
        val bg = BackgroundSync(supporter.core.sharing)
        assertEquals(SyncOutcome.NewUpdates, bg.run())
        inbox.load().join()
        val alex = inbox.state.value.peers.single()
        assertEquals("Alex", alex.peerName)
        assertEquals("So Sam can check in on me between meetings", alex.consents.single().purpose)
        val entries = alex.items.filterIsInstance<InboxItem.Entry>()
        assertEquals(listOf("SHARED-CANARY a good day"), entries.map { it.text })
        assertEquals(4, entries.single().mood)
        assertEquals("slept badly", alex.items.filterIsInstance<InboxItem.CheckIn>().single().note)
        assertTrue(alex.items.none { it is InboxItem.Entry && "PRIVATE" in it.text }, "untagged entries never leave")
        assertEquals(SyncOutcome.NothingNew, bg.run())

        // One tap revokes; after the next syncs the supporter's copy is gone.
        pVm.revoke(grant.id).join()
        val revoked = pVm.state.awaitState { it.activeGrants.isEmpty() }.pastGrants.single()
        assertEquals(GrantStatus.REVOKED, revoked.status)
        pVm.syncNow().join()
        inbox.syncNow().join()
        val after = inbox.state.awaitState { s -> s.peers.single().items.isEmpty() }.peers.single()
        assertTrue(after.consents.isEmpty(), "the revoked consent is no longer shown")

        // The audit log lists the grant, the disclosures and the revocation, and verifies.
        val audit = AuditViewModel(peer.core.sharing, peer.scope)
        audit.load().join()
        val events = audit.state.value.rows.map { it.event }
        assertTrue("grant-created" in events && "grant-revoked" in events && "disclosed" in events, "events: $events")
        assertTrue(audit.state.value.rows.none { "CANARY" in it.details }, "the log holds references, never content")
        audit.verify().join()
        assertEquals(AuditCheck.Intact, audit.state.value.check)
        audit.export().join()
        assertTrue(assertNotNull(audit.state.value.export).contains("grant-revoked"))
    }

    @Test
    fun aRelayThatIsDownIsATypedRetryAndNothingIsLost() = kotlinx.coroutines.runBlocking {
        val (pVm, sVm) = paired()

        // A relay nobody listens for (an unused 127.0.0.1 port) is "relay down", typed.
        sVm.onRelayUrl("http://127.0.0.1:${RelayProcess.freePort()}")
        sVm.createInvite()!!.join()
        assertEquals(UiError.RelayDown, sVm.state.value.error)

        val supporterId = pVm.state.awaitState { it.supporters.isNotEmpty() }.supporters.single().id
        pVm.compare(supporterId)
        pVm.safetyNumbersCompared(match = true)
        pVm.openEditor(supporterId)
        pVm.editDraft { it.copy(moodTrends = true, purpose = "trends only") }
        pVm.grant()!!.join()
        // The mood summary is weekly check-in averages, for weeks with at least three.
        repeat(3) { peer.core.journal.checkIn(5, null) }

        relay.stop()
        pVm.syncNow().join()
        assertEquals(UiError.RelayDown, pVm.state.value.error)
        assertFalse(pVm.state.value.syncing)
        assertEquals(SyncOutcome.RetryLater, BackgroundSync(peer.core.sharing).run())

        relay.start()
        pVm.syncNow().join()
        assertNull(pVm.state.value.error)
        assertTrue(assertNotNull(pVm.state.value.lastSync).posted > 0uL, "what waited is sent once the relay is back")
        val inbox = InboxViewModel(supporter.core.sharing, supporter.scope)
        inbox.syncNow().join()
        val trend = inbox.state.awaitState { s -> s.peers.singleOrNull()?.items?.isNotEmpty() == true }
            .peers.single().items.filterIsInstance<InboxItem.MoodTrend>().single()
        assertEquals(5.0, trend.points.last().average)
    }

    @Test
    fun aLockedJournalStopsSharingWithATypedError() = kotlinx.coroutines.runBlocking {
        val (pVm, _) = paired()
        peer.core.journal.lock()
        pVm.syncNow().join()
        assertEquals(UiError.Locked, pVm.state.value.error)
        assertEquals(SyncOutcome.NeedsUnlock, BackgroundSync(peer.core.sharing).run())
        assertFalse(pVm.state.value.syncing)
    }

    @Test
    fun safetyNumbersAreShownInThreeLinesOfFourGroups() {
        val digits = (1..60).joinToString("") { (it % 10).toString() }
        val lines = SharingViewModel.safetyNumberLines(digits.chunked(5).joinToString(" "))
        assertEquals(listOf("12345 67890 12345 67890", "12345 67890 12345 67890", "12345 67890 12345 67890"), lines)
    }
}
