package org.lantern.presentation

import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files

/**
 * A real `lantern-relay` process on 127.0.0.1 with its SQLite store in a temporary directory,
 * as the sharing tests need. The binary is the one `cargo test --workspace` (run by
 * `cargo xtask test` before the JVM tests) or `cargo build -p lantern-relay` leaves in target/,
 * or LANTERN_RELAY_BIN.
 */
class RelayProcess(val port: Int = freePort(), private val extraArgs: List<String> = emptyList()) : AutoCloseable {
    private val dir = Files.createTempDirectory("lantern-relay").toFile()
    private var process: Process? = null
    val url = "http://127.0.0.1:$port"

    init {
        start()
    }

    fun start() {
        val args = listOf(binary().path, "--listen", "127.0.0.1:$port", "--database", "sqlite:${File(dir, "relay.db").path}") + extraArgs
        val p = ProcessBuilder(args)
            .redirectErrorStream(true)
            .redirectOutput(File(dir, "relay.log"))
            .start()
        process = p
        val deadline = System.nanoTime() + 15_000_000_000L
        while (System.nanoTime() < deadline) {
            check(p.isAlive) { "lantern-relay exited: ${File(dir, "relay.log").readText()}" }
            if (runCatching { Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 200) } }.isSuccess) return
            Thread.sleep(50)
        }
        error("lantern-relay did not start listening on $port")
    }

    /** Stops the relay (its stored envelopes stay on disk for a later [start]). */
    fun stop() {
        process?.let { p ->
            p.destroy()
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor()
        }
        process = null
    }

    override fun close() {
        stop()
        dir.deleteRecursively()
    }

    companion object {
        /** A port nothing listens on (bound and released at once). */
        fun freePort(): Int = ServerSocket(0).use { it.localPort }

        private fun binary(): File {
            System.getenv("LANTERN_RELAY_BIN")?.let { return File(it) }
            val target = File(androidDir(), "../target")
            return listOf("debug", "release").map { File(target, "$it/lantern-relay") }
                .filter { it.canExecute() }
                .maxByOrNull { it.lastModified() }
                ?: error("no lantern-relay binary in ${target.path}: run `cargo build -p lantern-relay` (cargo xtask test does)")
        }
    }
}
