package org.lantern.test

import com.sun.net.httpserver.HttpServer
import java.net.HttpURLConnection
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import uniffi.lantern.Lantern
import uniffi.lantern.LanternException
import uniffi.lantern.Scope

/**
 * Content-free wake-ups through the generated Kotlin bindings: the supporter's core turns them
 * on with an endpoint on 127.0.0.1 (a JDK HTTP server standing in for a UnifiedPush
 * distributor), the peer's sync posts, the endpoint receives the core's token and nothing else,
 * and `isPushWake` recognises it. A real `lantern-relay` process (LANTERN_RELAY_BIN, else
 * ../target/debug or ../target/release), allowed to wake loopback endpoints over http.
 */
class PushTest {
    private lateinit var relay: Process
    private lateinit var relayUrl: String
    private lateinit var dir: Path
    private lateinit var endpoint: HttpServer
    private val wakes = LinkedBlockingQueue<ByteArray>()

    private fun relayBinary(): String {
        val candidates = listOfNotNull(System.getenv("LANTERN_RELAY_BIN")) +
            listOf("debug", "release").flatMap { p ->
                listOf("../target/$p/lantern-relay", "target/$p/lantern-relay")
            }
        return candidates.firstOrNull { Files.isRegularFile(Paths.get(it)) }
            ?: fail("lantern-relay binary not found: build it or set LANTERN_RELAY_BIN")
    }

    @BeforeEach
    fun start() {
        dir = Files.createTempDirectory("lantern-push")
        endpoint = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/up/") { exchange ->
                wakes.put(exchange.requestBody.readAllBytes())
                exchange.sendResponseHeaders(202, -1)
                exchange.close()
            }
            start()
        }
        val port = ServerSocket(0).use { it.localPort }
        relayUrl = "http://127.0.0.1:$port"
        relay = ProcessBuilder(
            relayBinary(),
            "--listen", "127.0.0.1:$port",
            "--database", "sqlite:${dir.resolve("relay.db")}",
            "--push-allow-http", "--push-allow-private-addresses", "--push-interval-ms", "100",
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
    fun stop() {
        relay.destroy()
        relay.waitFor()
        endpoint.stop(0)
    }

    private fun core(name: String): Lantern {
        val lantern = Lantern.open(dir.resolve(name).toString())
        lantern.journal().setKdfIterationsForTests(1000u)
        lantern.journal().setup("a passphrase")
        return lantern
    }

    @Test
    fun aCheckInWakesTheSupportersEndpointWithItsTokenOnly() {
        core("peer").use { peer ->
            core("sup").use { sup ->
                val conn = peer.sharing().pair(sup.sharing().createInvite(relayUrl, "Sam"), "Pat")
                peer.sharing().sync()
                sup.sharing().sync()
                assertNull(sup.sharing().pushStatus())
                assertThrows(LanternException.InvalidInput::class.java) {
                    sup.sharing().enablePush("http://push.example.org/up")
                }
                val url = "http://127.0.0.1:${endpoint.address.port}/up/sam"
                val status = sup.sharing().enablePush(url)
                assertEquals(url, status.endpoint)
                assertEquals(listOf(relayUrl), status.registeredRelays)
                assertTrue(status.pendingRelays.isEmpty())

                peer.sharing().grant(conn.id, listOf(Scope.CheckIns), "daily", 86_400uL)
                peer.journal().addCheckin(2u, "CANARY rough night")
                assertEquals(1uL, peer.sharing().sync().posted)
                val body = wakes.poll(10, TimeUnit.SECONDS)
                assertNotNull(body, "no wake-up arrived")
                assertFalse(String(body!!).contains("CANARY"))
                assertTrue(sup.sharing().isPushWake(body))
                assertFalse(sup.sharing().isPushWake("not-the-token-0123456789".toByteArray()))
                assertEquals(1uL, sup.sharing().sync().applied)

                sup.sharing().disablePush()
                assertNull(sup.sharing().pushStatus())
                Thread.sleep(200)
                peer.journal().addCheckin(3u, "better")
                assertEquals(1uL, peer.sharing().sync().posted)
                assertNull(wakes.poll(1, TimeUnit.SECONDS), "woken after wake-ups were turned off")
            }
        }
    }
}
