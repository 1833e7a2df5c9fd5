package org.lantern.test

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import uniffi.lantern.Lantern
import uniffi.lantern.LanternException

/** The generated bindings load the real core through JNA and map its errors to typed exceptions. */
class LanternSmokeTest {
    @Test
    fun opensOnATemporaryDirectory() {
        val dir = Files.createTempDirectory("lantern-kt").toString()
        Lantern.open(dir).use { core -> assertEquals(dir, core.dataDir()) }
    }

    @Test
    fun unwritableDataDirectoryIsATypedStorageError() {
        val file = Files.createTempFile("lantern-kt", ".txt")
        assertFailsWith<LanternException.Storage> { Lantern.open(file.resolve("sub").toString()) }
    }
}
