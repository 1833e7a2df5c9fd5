package org.lantern.ui

import kotlinx.coroutines.runBlocking

/**
 * Every screen of the shared UI in a state worth looking at: where it is, its title (a
 * heading) and its primary action, for the accessibility checks and the screenshots.
 */
class ScreenCase(
    val name: String,
    /** Puts the core in the right state and says where the app starts. */
    val prepare: (UiFixture) -> Destination,
    val title: (UiFixture, Strings) -> String,
    val primary: (UiFixture, Strings) -> String,
)

object Catalogue {
    private fun journalWithEntries(f: UiFixture): String {
        f.unlockedJournal()
        val day = 86_400_000L
        val now = System.currentTimeMillis()
        return runBlocking {
            f.core.journal.add("Went to the Tuesday meeting and stayed for coffee.", 4, listOf("meetings"), createdAtMs = now - 3 * day)
            f.core.journal.add("Hard evening. Called my sponsor, which helped.", 2, listOf("evening", "support"), createdAtMs = now - 2 * day)
            f.core.journal.add("Slept well. A walk by the river before work.", 4, listOf("walks"), createdAtMs = now - day)
            f.core.journal.checkIn(3, "Steady")
            f.core.journal.add("Grateful for a quiet Sunday.", 5, listOf("gratitude"), createdAtMs = now - 3_600_000L).id
        }
    }

    val screens: List<ScreenCase> = listOf(
        ScreenCase("course", { Destination.Course }, { f, _ -> runBlocking { f.core.course.packInfo().title } }, { _, _ -> "The Peer Supporter" }),
        ScreenCase(
            "lesson", { Destination.Lesson("peer-supporter", "role-model") },
            { f, _ -> runBlocking { f.core.course.openLesson("peer-supporter", "role-model").title } },
            { _, s -> s.get("lesson_mark_read") },
        ),
        ScreenCase("help", { Destination.Help }, { f, _ -> runBlocking { f.core.course.helpNow().title } },
            { f, _ -> runBlocking { f.core.course.helpNow().resources.first().title } }),
        ScreenCase("journal-setup", { Destination.Journal }, { _, s -> s.get("lock_setup_title") }, { _, s -> s.get("lock_setup_action") }),
        ScreenCase(
            "journal-locked", { f -> f.unlockedJournal(); runBlocking { f.core.journal.lock() }; Destination.Journal },
            { _, s -> s.get("lock_title") }, { _, s -> s.get("lock_unlock") },
        ),
        ScreenCase("journal", { f -> journalWithEntries(f); Destination.Journal }, { _, s -> s.get("journal_title") }, { _, s -> s.get("journal_new_entry") }),
        ScreenCase("entry", { f -> Destination.Entry(journalWithEntries(f)) }, { _, s -> s.get("entry_edit_title") }, { _, s -> s.get("action_save") }),
        ScreenCase("checkin", { f -> f.unlockedJournal(); Destination.CheckIn }, { _, s -> s.get("checkin_title") }, { _, s -> s.get("action_save") }),
        ScreenCase("trends", { f -> journalWithEntries(f); Destination.Trends }, { _, s -> s.get("trend_title") }, { _, s -> s.get("trend_week") }),
        ScreenCase("settings", { f -> f.unlockedJournal(); Destination.Settings }, { _, s -> s.get("settings_title") }, { _, s -> s.get("settings_change_passphrase") }),
        ScreenCase("sharing", { f -> f.unlockedJournal(); Destination.Sharing }, { _, s -> s.get("sharing_title") }, { _, s -> s.get("sharing_pair_action") }),
        ScreenCase("caseload", { f -> f.unlockedJournal(); Destination.Caseload }, { _, s -> s.get("inbox_title") }, { _, s -> s.get("sharing_sync_now") }),
    )
}
