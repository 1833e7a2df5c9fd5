package org.lantern.test

import java.net.HttpURLConnection
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.lantern.core.LanternCore
import org.lantern.core.LanternFailure
import uniffi.lantern.AlertDelivery
import uniffi.lantern.GrantStatus
import uniffi.lantern.ItemKind
import uniffi.lantern.Lantern
import uniffi.lantern.LanternException
import uniffi.lantern.NewEntry
import uniffi.lantern.QuickReply
import uniffi.lantern.ReachOutIssue
import uniffi.lantern.ReplyAnswer
import uniffi.lantern.ReplyDirection
import uniffi.lantern.ReplyTarget
import uniffi.lantern.Scope
import uniffi.lantern.SharedContent
import uniffi.lantern.SyncCancellation
import uniffi.lantern.SyncObserver
import uniffi.lantern.SyncPhase
import uniffi.lantern.SyncProgress
import uniffi.lantern.describeScope
import uniffi.lantern.formatScope
import uniffi.lantern.grantLimits
import uniffi.lantern.normalizeTag
import uniffi.lantern.parseScope
import uniffi.lantern.quickReplyWords

/**
 * Consent-gated sharing through the generated Kotlin bindings on the desktop JVM: pairing, a
 * grant, a sync and a revocation between two cores, over a real `lantern-relay` process on
 * 127.0.0.1 (binary from LANTERN_RELAY_BIN, else ../target/debug or ../target/release).
 */
class SharingTest {
    private lateinit var relay: Process
    private lateinit var relayUrl: String
    private lateinit var dir: Path

    private fun relayBinary(): String {
        val candidates = listOfNotNull(System.getenv("LANTERN_RELAY_BIN")) +
            listOf("debug", "release").flatMap { p ->
                listOf("../target/$p/lantern-relay", "target/$p/lantern-relay")
            }
        return candidates.firstOrNull { Files.isRegularFile(Paths.get(it)) }
            ?: fail("lantern-relay binary not found: build it or set LANTERN_RELAY_BIN")
    }

    @BeforeEach
    fun startRelay() {
        dir = Files.createTempDirectory("lantern-sharing")
        val port = ServerSocket(0).use { it.localPort }
        relayUrl = "http://127.0.0.1:$port"
        relay = ProcessBuilder(
            relayBinary(),
            "--listen", "127.0.0.1:$port",
            "--database", "sqlite:${dir.resolve("relay.db")}",
        ).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
        val deadline = System.nanoTime() + 20_000_000_000L
        while (true) {
            try {
                val c = URI("$relayUrl/healthz").toURL().openConnection() as HttpURLConnection
                c.connectTimeout = 500
                if (c.responseCode == 200) break
            } catch (e: java.io.IOException) {
                if (System.nanoTime() > deadline || !relay.isAlive) throw e
                Thread.sleep(50)
            }
        }
    }

    @AfterEach
    fun stopRelay() {
        relay.destroy()
        relay.waitFor()
    }

    private fun core(name: String): Lantern {
        val lantern = Lantern.open(dir.resolve(name).toString())
        lantern.journal().setKdfIterationsForTests(1000u)
        lantern.journal().setup("a passphrase")
        return lantern
    }

    @Test
    fun pairGrantSyncAndRevoke() {
        core("peer").use { peer ->
            core("sup").use { sup ->
                val family = peer.journal().addEntry(
                    NewEntry(text = "FAMILY call", mood = 4u, tags = listOf("family"), createdAtMs = null)
                )
                peer.journal().addEntry(
                    NewEntry(text = "WORK stress", mood = 2u, tags = listOf("work"), createdAtMs = null)
                )

                val invite = sup.sharing().createInvite(relayUrl, "Sam")
                assertTrue(invite.startsWith("lantern:1:"))
                val conn = peer.sharing().pair(invite, "Pat")
                peer.sharing().sync()
                assertEquals(1uL, sup.sharing().sync().paired)
                assertEquals(conn.safetyNumber, sup.sharing().safetyNumber(conn.id))

                // The core refuses a tag it would not store, and an expiry outside its limits.
                assertThrows(LanternException.InvalidInput::class.java) {
                    peer.sharing().grant(conn.id, listOf(Scope.EntriesWithTag("  ")), "p", 86_400uL)
                }
                assertThrows(LanternException.InvalidInput::class.java) {
                    peer.sharing().grant(conn.id, listOf(Scope.CheckIns), "p", grantLimits().minSeconds - 1uL)
                }
                // A tag scope is normalised by the core, like the journal's tags.
                val grant = peer.sharing().grant(
                    conn.id, listOf(Scope.EntriesWithTag(" Family ")), "weekly calls", 30uL * 86_400uL
                )
                assertEquals(listOf(Scope.EntriesWithTag("family")), grant.scopes)
                assertEquals(GrantStatus.ACTIVE, grant.status)
                assertEquals("Sam", grant.recipientName)

                peer.sharing().sync()
                sup.sharing().sync()
                val items = sup.sharing().inbox(null)
                assertEquals(listOf(family.id), items.map { it.itemId })
                val content = items[0].content as SharedContent.Entry
                assertEquals("FAMILY call", content.text)

                peer.sharing().revoke(grant.id)
                assertEquals(GrantStatus.REVOKED, peer.sharing().listGrants()[0].status)
                peer.sharing().sync()
                sup.sharing().sync()
                assertTrue(sup.sharing().inbox(null).isEmpty())
                assertTrue(peer.sharing().verifyAudit() >= 3uL)
            }
        }
    }

    @Test
    fun syncReportsProgressAndCanBeCancelled() {
        core("peer").use { peer ->
            core("sup").use { sup ->
                peer.journal().addEntry(
                    NewEntry(text = "FAMILY call", mood = 4u, tags = listOf("family"), createdAtMs = null)
                )
                val conn = peer.sharing().pair(sup.sharing().createInvite(relayUrl, "Sam"), "Pat")
                // Pairing completes through the relay: the supporter answers with the
                // connection's own capability, which the peer's next sync picks up.
                peer.sharing().sync()
                sup.sharing().sync()
                assertEquals(1uL, peer.sharing().sync().applied)
                peer.sharing().grant(conn.id, listOf(Scope.EntriesWithTag("family")), "weekly calls", 86_400uL)

                val seen = mutableListOf<SyncProgress>()
                val observer = object : SyncObserver {
                    override fun onProgress(progress: SyncProgress) {
                        seen.add(progress)
                    }
                }
                SyncCancellation().use { cancel ->
                    cancel.cancel()
                    assertThrows(LanternException.Cancelled::class.java) {
                        peer.sharing().syncWith(observer, cancel)
                    }
                }
                assertTrue(seen.isEmpty())
                assertEquals(0uL, sup.sharing().sync().applied)

                assertEquals(1uL, peer.sharing().syncWith(observer, null).posted)
                // Posts first, then a fetch of the peer's own (empty) mailbox.
                assertEquals(
                    listOf(SyncPhase.POSTING to 1uL, SyncPhase.FETCHING to 0uL, SyncPhase.DONE to 1uL),
                    seen.map { it.phase to it.done },
                )
                assertEquals(conn.id, seen[0].connectionId)
                assertEquals(1uL, sup.sharing().sync().applied)
            }
        }
    }

    @Test
    fun everyKindOfSharedContentArrivesTyped() {
        core("peer").use { peer ->
            core("sup").use { sup ->
                peer.journal().addEntry(
                    NewEntry(text = "FAMILY call", mood = 4u, tags = listOf("Family", "calls"), createdAtMs = null)
                )
                // The mood summary shares weekly averages of check-ins only, for weeks with at
                // least three of them: three check-ins this week make one weekly point.
                peer.journal().addCheckin(2u, "slept badly")
                peer.journal().addCheckin(3u, null)
                peer.journal().addCheckin(4u, null)
                val course = peer.course()
                val unit = course.listUnits().first()
                val lesson = course.listLessons(unit.id).first()
                val section = course.openLesson(unit.id, lesson.id).sections.first()
                course.markSectionRead(unit.id, lesson.id, section.id)

                val conn = peer.sharing().pair(sup.sharing().createInvite(relayUrl, "Sam"), "Pat")
                peer.sharing().sync()
                sup.sharing().sync()
                val scopes = listOf("entries:tag=family", "checkins", "mood-trends", "course-progress").map(::parseScope)
                peer.sharing().grant(conn.id, scopes, "weekly calls", 7uL * 86_400uL)
                // One entry, three check-ins, the mood summary and the course progress.
                assertEquals(6uL, peer.sharing().sync().disclosed)
                sup.sharing().sync()

                val contents = sup.sharing().inbox(conn.id).map { it.content }
                val byKind = contents.associateBy { it::class }
                val entry = byKind[SharedContent.Entry::class] as SharedContent.Entry
                assertEquals("FAMILY call", entry.text)
                assertEquals(4.toUByte(), entry.mood)
                assertEquals(listOf("family", "calls"), entry.tags)
                assertEquals(null, entry.editedAtMs)
                val checkIns = contents.filterIsInstance<SharedContent.CheckIn>()
                assertEquals(listOf(2, 3, 4), checkIns.map { it.mood.toInt() }.sorted())
                assertEquals("slept badly", checkIns.single { it.mood.toInt() == 2 }.note)
                val trends = byKind[SharedContent.MoodTrends::class] as SharedContent.MoodTrends
                assertEquals(90u, trends.days)
                // No daily points and no sample counts: no single check-in can be worked out.
                assertTrue(trends.daily.isEmpty())
                assertEquals(1, trends.weekly.size)
                assertEquals(0u, trends.weekly[0].samples)
                assertEquals(3.0, trends.weekly[0].average, 1e-9)
                val progress = byKind[SharedContent.CourseProgress::class] as SharedContent.CourseProgress
                val read = progress.units.single { it.unitId == unit.id }
                assertEquals(1u, read.sectionsRead)
                assertTrue(read.sectionsTotal >= 1u)
            }
        }
    }

    private suspend fun wrapped(name: String): LanternCore =
        LanternCore.open(dir.resolve(name).toString(), Dispatchers.IO) {
            it.journal().setKdfIterationsForTests(1000u)
            it.journal().setup("a passphrase")
        }

    /** "I need support now" and a reply, through the Kotlin wrapper, over the real relay. */
    @Test
    fun reachOutAndReplyThroughTheWrapper() = runBlocking {
        wrapped("peer").use { peer ->
            wrapped("sup").use { sup ->
                // No supporter yet: the help section is there all the same.
                val alone = peer.sharing.reachOut("anyone?")
                assertTrue(alone.help.resources.isNotEmpty())
                assertEquals(ReachOutIssue.NoSupporterReceivesAlerts, alone.issue)
                assertTrue(alone.recipients.isEmpty())

                val conn = peer.sharing.pair(sup.sharing.createInvite(relayUrl, "Sam"), "Pat")
                peer.sharing.sync()
                sup.sharing.sync()
                val grant = peer.sharing.grant(conn.id, listOf(Scope.Alerts), "call me when I need it", 30)
                assertTrue(grant.howMuch.single().contains("I need support now"))
                peer.sharing.sync()

                val tooLong = "x".repeat(peer.sharing.limits.maxNoteChars.toInt() + 1)
                assertThrows(LanternFailure.InvalidInput::class.java) {
                    runBlocking { peer.sharing.reachOut(tooLong) }
                }
                val out = peer.sharing.reachOut("rough night")
                assertEquals(null, out.issue)
                assertEquals(listOf("Sam" to AlertDelivery.SENT), out.recipients.map { it.supporterName to it.delivery })
                assertEquals(out.alertId, peer.sharing.sentAlerts().single().alertId)

                assertEquals(1uL, sup.sharing.sync().alertsReceived)
                val alert = sup.sharing.inbox(conn.id).single { it.kind == ItemKind.ALERT }
                assertEquals("rough night", (alert.content as SharedContent.Alert).note)
                val target = ReplyTarget(ItemKind.ALERT, alert.itemId)
                val sent = sup.sharing.reply(conn.id, target, QuickReply.CALLING_NOW)
                assertTrue(sent.delivered)
                assertEquals(ReplyDirection.SENT, sent.direction)
                assertEquals(sent.id, sup.sharing.replies.value.single().id)

                assertEquals(1uL, peer.sharing.sync().repliesReceived)
                val got = peer.sharing.replies.value.single()
                assertEquals(ReplyDirection.RECEIVED, got.direction)
                assertEquals("Sam", got.theirName)
                assertEquals(out.alertId, got.inReplyTo.itemId)
                assertEquals(quickReplyWords(QuickReply.CALLING_NOW), got.words)
                assertTrue(sup.sharing.quickAnswers.any { it.first == QuickReply.TEXTING_IN10_MINUTES })

                // Consent withdrawn: nothing more either way.
                peer.sharing.revoke(grant.id)
                peer.sharing.sync()
                sup.sharing.sync()
                assertThrows(LanternFailure.ConsentRequired::class.java) {
                    runBlocking { sup.sharing.reply(conn.id, target, ReplyAnswer.Text("still here")) }
                }
                assertEquals(ReachOutIssue.NoSupporterReceivesAlerts, peer.sharing.reachOut(null).issue)
            }
        }
    }

    @Test
    fun theScopeGrammarAndTagRuleAreTheCores() {
        assertEquals("family", normalizeTag("  FAMILY "))
        assertThrows(LanternException.InvalidInput::class.java) { normalizeTag(" ") }
        assertThrows(LanternException.InvalidInput::class.java) { parseScope("everything") }
        for (text in listOf("mood-trends", "checkins", "entries:tag=family", "entry:e1", "course-progress", "alerts")) {
            assertEquals(text, formatScope(parseScope(text)))
        }
        assertEquals(Scope.EntriesWithTag("family"), parseScope("entries:tag= Family"))
        assertTrue(describeScope(Scope.EntriesWithTag("family")).contains("\"family\""))
        assertEquals(365uL * 86_400uL, grantLimits().maxSeconds)
    }

    @Test
    fun sharingNeedsTheVault() {
        Lantern.open(dir.resolve("locked").toString()).use { lantern ->
            assertThrows(LanternException.Locked::class.java) {
                lantern.sharing().createInvite("http://127.0.0.1:9", "Sam")
            }
        }
    }
}
