package org.lantern.test

import java.nio.file.Files
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.lantern.EntryQuery
import uniffi.lantern.Lantern
import uniffi.lantern.LanternException
import uniffi.lantern.NewEntry
import uniffi.lantern.PlatformKeyProvider

/** A stand-in for the Android Keystore: XOR with a fixed pad (tests only, not encryption). */
class FakeKeystore : PlatformKeyProvider {
    private val pad = ByteArray(32) { (it * 7 + 1).toByte() }
    override fun wrapKey(key: ByteArray): ByteArray =
        ByteArray(key.size) { (key[it].toInt() xor pad[it % pad.size].toInt()).toByte() }
    override fun unwrapKey(wrapped: ByteArray): ByteArray = wrapKey(wrapped)
}

class JournalTest {
    private fun openJournal() =
        Lantern.open(Files.createTempDirectory("lantern-journal").toString()).journal().also {
            // Tests only: the production KDF (600,000 PBKDF2 iterations) is deliberately slow.
            it.setKdfIterationsForTests(2u)
        }

    @Test
    fun setUpUnlockAddListSearchLock() {
        val journal = openJournal()
        assertFalse(journal.isSetUp())
        val code = journal.setup("a long passphrase")
        assertEquals(39, code.length)
        assertTrue(journal.isUnlocked())

        val first = journal.addEntry(NewEntry(text = "A calm walk by the river", mood = 4u, tags = listOf("Outdoors")))
        journal.addEntry(NewEntry(text = "Hard meeting, strong craving"))
        assertEquals(listOf("outdoors"), first.tags)

        val page = journal.listEntries(EntryQuery())
        assertEquals(2, page.entries.size)
        assertTrue(page.damagedIds.isEmpty())
        val tagged = journal.listEntries(EntryQuery(tag = "outdoors"))
        assertEquals(listOf(first.id), tagged.entries.map { it.id })

        val hits = journal.search("calm river", 20u)
        assertEquals(listOf(first.id), hits.map { it.id })

        journal.lock()
        assertFalse(journal.isUnlocked())
        assertThrows<LanternException.Locked> { journal.listEntries(EntryQuery()) }
        journal.unlock("a long passphrase")
        assertEquals("A calm walk by the river", journal.getEntry(first.id).text)
    }

    @Test
    fun wrongPassphraseAndRecoveryCodeAreTypedErrors() {
        val journal = openJournal()
        journal.setup("the right passphrase")
        journal.lock()
        assertThrows<LanternException.WrongPassphrase> { journal.unlock("wrong") }
        assertThrows<LanternException.WrongRecoveryCode> {
            journal.recover("0000-0000-0000-0000-0000-0000-0000-0000", "new kettle on the stove")
        }
        assertFalse(journal.isUnlocked())
        assertThrows<LanternException.InvalidInput> { journal.setup("") }
    }

    @Test
    fun platformKeyIsASecondWayToUnlock() {
        val journal = openJournal()
        journal.setup("harbor lights at dusk")
        val entry = journal.addEntry(NewEntry(text = "kept"))
        journal.enablePlatformKey(FakeKeystore())
        journal.lock()
        journal.unlockWithPlatformKey(FakeKeystore())
        assertEquals("kept", journal.getEntry(entry.id).text)
    }
}
