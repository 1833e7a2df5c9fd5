package org.lantern.ui

import androidx.compose.ui.graphics.toPixelMap
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.isDialog
import androidx.compose.ui.test.onFirst
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import com.google.zxing.BinaryBitmap
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import kotlinx.coroutines.runBlocking
import org.lantern.presentation.CoreFixture
import org.lantern.presentation.RelayProcess
import org.lantern.presentation.SharingViewModel
import uniffi.lantern.GrantStatus
import uniffi.lantern.Scope
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The sharing screen clicked through on real cores and a real lantern-relay process: the
 * supporter's invite drawn as a QR code that decodes to a working invite; the peer pairs,
 * compares the safety number, builds a consent (scopes, purpose, expiry), sees it listed and
 * revokes it after a confirmation.
 */
class SharingUiTest {
    private fun ComposeUiTest.field(labelKey: String) = onNode(hasSetTextAction() and hasText(EN.get(labelKey)))

    /** Reads the QR code drawn in the node tagged [tag] with zxing. */
    private fun ComposeUiTest.decodeQr(tag: String): String {
        val pixels = onNodeWithTag(tag).captureToImage().toPixelMap()
        val argb = IntArray(pixels.width * pixels.height) { i -> pixels[i % pixels.width, i / pixels.width].let { c ->
            val r = (c.red * 255).toInt(); val g = (c.green * 255).toInt(); val b = (c.blue * 255).toInt()
            (0xFF shl 24) or (r shl 16) or (g shl 8) or b
        } }
        val bitmap = BinaryBitmap(HybridBinarizer(RGBLuminanceSource(pixels.width, pixels.height, argb)))
        return QRCodeReader().decode(bitmap).text
    }

    /**
     * Runs the test clock on by two seconds so what a click or a closed dialog started (ripples,
     * dialog exit) finishes. The window is tall enough that nothing needs scrolling: an animated
     * scroll on the manually advanced clock (see uiTest) made performScrollTo wait forever.
     */
    private fun ComposeUiTest.settle() = mainClock.advanceTimeBy(2_000)

    @Test
    fun theSupportersInviteIsDrawnAsAQrCodeThatPairs() = RelayProcess().use { relay ->
        CoreFixture().use { peer ->
            uiTest(width = 500, height = 2400) { f ->
                f.unlockedJournal()
                setApp(f, f.state(Destination.Sharing))
                awaitTitle(EN.get("sharing_title"))
                reveal(node(EN.get("sharing_create_invite"))).performClick()
                awaitText(EN.get("error_name_missing"))
                enterText(field("sharing_my_name"), "Sam")
                enterText(reveal(field("sharing_relay_url")), relay.url)
                reveal(node(EN.get("sharing_create_invite"))).performClick()
                awaitCondition("the invite QR code") { onAllNodes(androidx.compose.ui.test.hasTestTag("invite-qr")).fetchSemanticsNodes().isNotEmpty() }
                settle()
                reveal(onNodeWithTag("invite-qr"))
                settle()
                val invite = decodeQr("invite-qr")
                awaitText(invite)

                // What the QR code says is a working invite: a peer pairs with it through the relay.
                runBlocking {
                    peer.core.journal.setUp("peer passphrase 1")
                    assertEquals("Sam", peer.core.sharing.pair(invite, "Alex").theirName)
                }
            }
        }
    }

    @Test
    fun thePeerPairsComparesGrantsAndRevokesAfterAConfirmation() = RelayProcess().use { relay ->
        CoreFixture().use { supporter ->
            uiTest(width = 500, height = 2400) { f ->
                val invite = runBlocking {
                    supporter.core.journal.setUp("supporter passphrase 1")
                    supporter.core.sharing.createInvite(relay.url, "Sam")
                }
                f.unlockedJournal()
                setApp(f, f.state(Destination.Sharing))
                awaitText(EN.get("sharing_no_supporters"))
                enterText(field("sharing_my_name"), "Alex")
                enterText(reveal(field("sharing_invite_text")), invite)
                reveal(node(EN.get("sharing_pair_action"))).performClick()

                // The safety number: the same twelve groups on both phones.
                awaitText(EN.get("safety_title", "Sam"))
                val supporterNumber = runBlocking {
                    supporter.core.sharing.sync()
                    supporter.core.sharing.refresh()
                    supporter.core.sharing.safetyNumber(supporter.core.sharing.connections.value.single().id)
                }
                val lines = SharingViewModel.safetyNumberLines(supporterNumber)
                assertEquals(3, lines.size)
                lines.forEach { awaitText(it) }
                node(EN.get("safety_match")).performClick()
                awaitText(EN.get("safety_verified"))

                // The consent editor: scopes, purpose and expiry; what is missing is said.
                reveal(node(EN.get("sharing_choose_what"))).performClick()
                awaitText(EN.get("consent_title", "Sam"))
                node(EN.get("scope_checkins")).performClick()
                node(EN.get("consent_give")).performClick()
                awaitText(EN.get("error_purpose_missing"))
                enterText(field("consent_purpose"), "So Sam can check in on me between meetings")
                reveal(node(EN.plural("consent_days", 7, 7))).performClick()
                node(EN.get("consent_give")).performClick()
                awaitText(EN.get("grant_to", "Sam"))
                awaitText(EN.get("grant_purpose", "So Sam can check in on me between meetings"))
                val grant = runBlocking { f.core.sharing.grants.value.single() }
                assertEquals(listOf(Scope.CheckIns), grant.scopes)
                assertTrue(grant.expiresAt - grant.createdAt in 6L * 86_400..8L * 86_400, "seven days")

                // Revoking asks first; Cancel keeps the consent.
                settle()
                reveal(node(EN.get("grant_revoke"))).performClick()
                awaitText(EN.get("grant_revoke_confirm_title", "Sam"))
                node(EN.get("action_cancel")).performClick()
                awaitGone(EN.get("grant_revoke_confirm_title", "Sam"))
                settle()
                assertEquals(GrantStatus.ACTIVE, runBlocking { f.core.sharing.grants.value.single().status })
                reveal(node(EN.get("grant_revoke"))).performClick()
                awaitText(EN.get("grant_revoke_confirm_title", "Sam"))
                onAllNodes(hasText(EN.get("grant_revoke")) and hasAnyAncestor(isDialog())).onFirst().performClick()
                awaitText(EN.get("grant_ended", EN.get("grant_status_revoked")))
                assertEquals(GrantStatus.REVOKED, runBlocking { f.core.sharing.grants.value.single().status })
                awaitText(EN.get("sharing_no_grants"))
            }
        }
    }
}
