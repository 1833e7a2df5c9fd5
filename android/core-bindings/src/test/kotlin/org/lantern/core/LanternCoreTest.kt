package org.lantern.core

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runBlocking
import java.util.concurrent.Executors
import uniffi.lantern.LanternException

/** The wrapper opens the real core off the caller's thread and types its failures. */
class LanternCoreTest {
    @Test
    fun opensOnTheInjectedDispatcherNotTheCallersThread() = runBlocking {
        val dir = Files.createTempDirectory("lantern-core").toString()
        val executor = Executors.newSingleThreadExecutor { r -> Thread(r, "core-io") }
        val caller = Thread.currentThread().name
        var ranOn = ""
        val core = LanternCore.open(dir, executor.asCoroutineDispatcher())
        core.use {
            it.calls.call { ranOn = Thread.currentThread().name }
            assertEquals(dir, it.dataDir)
        }
        executor.shutdown()
        // Under the coroutine debug agent the thread name gets " @coroutine#N" appended.
        assertTrue(ranOn.startsWith("core-io"), ranOn)
        assertNotEquals(caller, ranOn)
    }

    @Test
    fun unwritableDirectoryIsAStorageFailure() = runBlocking {
        val file = Files.createTempFile("lantern-core", ".txt")
        assertFailsWith<LanternFailure.Storage> {
            LanternCore.open(file.resolve("sub").toString(), Dispatchers.IO)
        }
        Unit
    }

    @Test
    fun everyCoreExceptionMapsToItsFailure() {
        val cases = listOf(
            LanternException.WrongPassphrase("x") to LanternFailure.WrongPassphrase::class,
            LanternException.Locked("x") to LanternFailure.Locked::class,
            LanternException.ConsentRequired("x") to LanternFailure.ConsentRequired::class,
            LanternException.Network("x") to LanternFailure.RelayDown::class,
            LanternException.RelayRejected("x") to LanternFailure.RelayRejected::class,
            LanternException.NotSetUp("x") to LanternFailure.NotSetUp::class,
            LanternException.Integrity("entry 7") to LanternFailure.Integrity::class,
        )
        for ((exception, expected) in cases) {
            val failure = exception.toFailure()
            assertEquals(expected, failure::class)
            assertEquals(exception, failure.cause)
        }
    }
}
