package org.lantern.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import uniffi.lantern.Lantern

/**
 * The app's handle on the core: opened once per process on the app's private data directory,
 * closed when the process ends. Every method suspends and runs its core call on [calls]'s
 * dispatcher, so screens may call it from the main thread.
 */
class LanternCore private constructor(
    private val core: Lantern,
    val calls: CoreCalls,
) : AutoCloseable {
    /** The directory the core keeps its databases in. */
    val dataDir: String get() = core.dataDir()

    /** The course: units, lessons, progress, self-checks, bookmarks, search, help. */
    val course: CourseService by lazy { CourseService(core.course(), calls) }

    /** The encrypted journal and its vault; [JournalService.vault] says whether it is unlocked. */
    val journal: JournalService by lazy { JournalService(core.journal(), calls) }

    /** Consent-gated sharing with supporters, and what peers shared with me. */
    val sharing: SharingService by lazy { SharingService(core.sharing(), calls) }

    /** Check-in reminders: the sealed schedule and the next instants to notify at. */
    val reminders: RemindersService by lazy { RemindersService(core.reminders(), calls) }

    /** The recovery day count, milestones and private history of earlier starts. */
    val recovery: RecoveryService by lazy { RecoveryService(core.recovery(), calls) }

    override fun close() = core.close()

    companion object {
        /**
         * Opens the core on [dataDir] (created if needed); blocking work runs on [io].
         * [prepare] runs on the opened core before anything else (test suites use it for the
         * test-only knobs of a test build of the library; the app passes nothing).
         */
        suspend fun open(
            dataDir: String,
            io: CoroutineDispatcher = Dispatchers.IO,
            prepare: (Lantern) -> Unit = {},
        ): LanternCore {
            val calls = CoreCalls(io)
            return LanternCore(calls.call { Lantern.open(dataDir).also(prepare) }, calls)
        }
    }
}
