package org.lantern.presentation

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull

class ConsentDraftTest {
    @Test
    fun aGrantNeedsAScopeAPurposeAndAnExpiryWithinAYear() {
        assertEquals(UiError.NoScopeChosen, ConsentDraft(purpose = "so my sponsor can check on me").problem())
        assertEquals(UiError.PurposeMissing, ConsentDraft(moodTrends = true, purpose = "  ").problem())
        assertEquals(UiError.ExpiryOutOfRange, ConsentDraft(checkIns = true, purpose = "p", expiryDays = 366).problem())
        assertEquals(UiError.ExpiryOutOfRange, ConsentDraft(checkIns = true, purpose = "p", expiryDays = 0).problem())
        assertNull(ConsentDraft(checkIns = true, purpose = "p", expiryDays = 365).problem())
    }

    @Test
    fun scopesAreWrittenInTheCoresTextForm() {
        val d = ConsentDraft(moodTrends = true, courseProgress = true)
            .withTag(" Sponsor ").withTag("sponsor").toggleEntry("e1").toggleEntry("e2").toggleEntry("e1")
        assertEquals(listOf("mood-trends", "entries:tag=sponsor", "entry:e2", "course-progress"), d.scopeTexts())
    }
}
