package org.lantern.presentation

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import uniffi.lantern.Scope
import uniffi.lantern.formatScope
import uniffi.lantern.grantLimits

class ConsentDraftTest {
    @Test
    fun aGrantNeedsAScopeAPurposeAndAnExpiryWithinTheCoresLimits() {
        // The limits are the core's: one hour to one year, offered in whole days.
        assertEquals(3_600uL, grantLimits().minSeconds)
        assertEquals(1, ConsentDraft.minExpiryDays())
        assertEquals(365, ConsentDraft.maxExpiryDays())
        assertEquals(listOf(7, 30, 90, 180, 365), ConsentDraft.expiryChoices())
        assertEquals(UiError.NoScopeChosen, ConsentDraft(purpose = "so my sponsor can check on me").problem())
        assertEquals(UiError.PurposeMissing, ConsentDraft(moodTrends = true, purpose = "  ").problem())
        assertEquals(UiError.ExpiryOutOfRange, ConsentDraft(checkIns = true, purpose = "p", expiryDays = 366).problem())
        assertEquals(UiError.ExpiryOutOfRange, ConsentDraft(checkIns = true, purpose = "p", expiryDays = 0).problem())
        assertNull(ConsentDraft(checkIns = true, purpose = "p", expiryDays = 365).problem())
    }

    @Test
    fun scopesAreTypedAndTagsNormalisedByTheCore() {
        val d = ConsentDraft(moodTrends = true, courseProgress = true)
            .withTag(" Sponsor ").withTag("sponsor").withTag("   ").withTag("x".repeat(41))
            .toggleEntry("e1").toggleEntry("e2").toggleEntry("e1")
        assertEquals(
            listOf(Scope.MoodTrends, Scope.EntriesWithTag("sponsor"), Scope.Entry("e2"), Scope.CourseProgress),
            d.scopes(),
        )
        // Their text form comes from the core, the same as the CLI's.
        assertEquals(listOf("mood-trends", "entries:tag=sponsor", "entry:e2", "course-progress"), d.scopes().map(::formatScope))
    }
}
