package org.lantern.presentation

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import uniffi.lantern.ItemKind
import uniffi.lantern.Milestone
import uniffi.lantern.Scope
import uniffi.lantern.SharedContent
import uniffi.lantern.SharedItem
import uniffi.lantern.formatScope

/** The recovery count in the consent editor and the supporter's inbox (the core's words). */
class RecoveryCountTest {
    @Test
    fun theCountIsAScopeOfItsOwn() {
        assertEquals(UiError.NoScopeChosen, ConsentDraft(purpose = "p").problem())
        val d = ConsentDraft(recoveryCount = true, purpose = "so Sam can cheer my milestones")
        assertNull(d.problem())
        assertEquals(listOf(Scope.RecoveryCount), d.scopes())
        assertEquals(listOf("recovery-count"), d.scopes().map(::formatScope))
    }

    @Test
    fun theInboxShowsTheCountApartFromTheItems() {
        val shared = SharedItem(
            connectionId = "c1", kind = ItemKind.RECOVERY_COUNT, itemId = "summary", version = 3uL,
            content = SharedContent.RecoveryCount(days = 400u, milestone = Milestone.Years(1u)),
            grantId = "g1", receivedAt = 0L,
        )
        assertEquals(RecoveryCountRow(days = 400, milestone = "1 year"), InboxViewModel.recoveryCount(shared))
        assertNull(InboxViewModel.item(shared))
        val first = shared.copy(content = SharedContent.RecoveryCount(days = 0u, milestone = null))
        assertEquals(RecoveryCountRow(days = 0, milestone = null), InboxViewModel.recoveryCount(first))
        val checkIn = shared.copy(content = SharedContent.CheckIn(mood = 3u, note = null, createdAtMs = 0L))
        assertNull(InboxViewModel.recoveryCount(checkIn))
    }
}
