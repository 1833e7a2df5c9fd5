package org.lantern.ui

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.lantern.core.LanternCore
import org.lantern.presentation.CoreFixture
import org.lantern.presentation.RelayProcess
import uniffi.lantern.ConnectionRole
import uniffi.lantern.Scope
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * `cargo xtask bench-ui`: a supporter's data directory with a caseload of [PEERS] peers, for
 * Lantern Desktop's memory figure. Each peer is a real core that pairs through a real
 * lantern-relay process, grants check-ins, the mood trend and tagged entries, and shares; the
 * supporter syncs once at the end. Runs only when `lantern.seedCaseload` names the directory
 * (and `lantern.seedPassphrase` the supporter's passphrase).
 */
class CaseloadSeed {
    @Test
    fun seedACaseloadOfTwentyPeers() {
        val out = System.getProperty("lantern.seedCaseload").orEmpty()
        assumeTrue(out.isNotBlank(), "the caseload is seeded by `cargo xtask bench-ui` (-Dlantern.seedCaseload=DIR)")
        val passphrase = System.getProperty("lantern.seedPassphrase").orEmpty()
        val dir = File(out).also { it.mkdirs() }
        // Every peer and the supporter come from 127.0.0.1: the relay's per-address burst of
        // mailbox creations (20) is raised for this one seeding client.
        RelayProcess(extraArgs = listOf("--create-burst-per-ip", "100")).use { relay ->
            runBlocking {
                val supporter = LanternCore.open(dir.path)
                try {
                    supporter.journal.setUp(passphrase)
                    repeat(PEERS) { i ->
                        val peer = CoreFixture()
                        try {
                            val invite = supporter.sharing.createInvite(relay.url, "Sam")
                            peer.core.journal.setUp("peer passphrase $i")
                            val connection = peer.core.sharing.pair(invite, "Peer ${i + 1}")
                            peer.core.sharing.grant(
                                connection.id,
                                listOf(Scope.CheckIns, Scope.MoodTrends, Scope.EntriesWithTag("share")),
                                "Between meetings",
                                30,
                            )
                            repeat(3) { n -> peer.core.journal.add("Day ${n + 1}: a note for my supporter", 3 + n % 3, listOf("share")) }
                            repeat(5) { n -> peer.core.journal.checkIn(1 + (n + i) % 5, null) }
                            peer.core.sharing.sync()
                        } finally {
                            peer.close()
                        }
                    }
                    // Everything queued for the supporter, fetched until nothing more arrives.
                    while (supporter.sharing.sync().applied > 0uL) Unit
                    supporter.sharing.refresh()
                    val peers = supporter.sharing.connections.value.filter { it.role == ConnectionRole.SUPPORTING }
                    assertEquals(PEERS, peers.size)
                    assertEquals(PEERS, peers.count { supporter.sharing.inbox(it.id).isNotEmpty() }, "every peer shared")
                } finally {
                    supporter.close()
                }
            }
        }
    }

    private companion object {
        const val PEERS = 20
    }
}
