package org.lantern.presentation

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class AutoLockTest {
    private fun prefsFile() = Files.createTempDirectory("lantern-prefs").resolve("settings.properties").toFile()

    @Test
    fun locksOnlyAfterTheChosenDelayInTheBackground() {
        val lock = AutoLock(Preferences(prefsFile()))
        lock.delayMs = 30_000
        assertFalse(lock.onBackgrounded(1_000))
        assertFalse(lock.onForegrounded(30_999))
        assertFalse(lock.onBackgrounded(40_000))
        assertTrue(lock.onForegrounded(70_000))
        assertFalse(lock.onForegrounded(80_000), "coming back without leaving never locks")
    }

    @Test
    fun zeroDelayLocksWhenLeaving() {
        val lock = AutoLock(Preferences(prefsFile()))
        lock.delayMs = 0
        assertTrue(lock.onBackgrounded(5))
    }

    @Test
    fun theChoiceSurvivesARestartAndOddValuesAreRefused() {
        val file = prefsFile()
        AutoLock(Preferences(file)).delayMs = 300_000
        assertEquals(300_000, AutoLock(Preferences(file)).delayMs)
        assertFailsWith<IllegalArgumentException> { AutoLock(Preferences(file)).delayMs = 7 }
        assertEquals(AutoLock.DEFAULT_DELAY_MS, AutoLock(Preferences(prefsFile())).delayMs)
    }
}
