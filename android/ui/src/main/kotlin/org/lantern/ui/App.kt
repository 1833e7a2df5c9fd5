package org.lantern.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Person
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.Share
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.NavigationRail
import androidx.compose.material3.NavigationRailItem
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.Stable
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.core.VaultState
import org.lantern.presentation.AutoLock
import org.lantern.presentation.Preferences

/** Where the person is. [key] also names the screen's presentation models (see [ScreenModels]). */
sealed class Destination(val key: String, val tab: String) {
    data object Course : Destination("course", "course")
    /** A lesson, opened at [sectionId] when it comes from a search hit or a bookmark. */
    data class Lesson(val unitId: String, val lessonId: String, val sectionId: String? = null) :
        Destination("course/lesson/$unitId/$lessonId", "course")
    data object Journal : Destination("journal", "journal")
    data class Entry(val id: String?) : Destination("journal/entry/${id ?: "new"}", "journal")
    data object CheckIn : Destination("journal/checkin", "journal")
    data object Trends : Destination("journal/trends", "journal")
    data object Sharing : Destination("sharing", "sharing")
    data object Caseload : Destination("caseload", "caseload")
    data class Peer(val connectionId: String) : Destination("caseload/peer/$connectionId", "caseload")
    data object Settings : Destination("settings", "settings")
    data object Help : Destination("help", "help")


    /** Screens that show private data: they give way to the lock screen when the journal locks. */
    val showsJournal: Boolean get() = this is Entry || this == CheckIn || this == Trends || this is Peer
}


/** Navigation and screen models of one running UI; Android keeps it across configuration changes. */
@Stable
class AppState(val models: ScreenModels, start: Destination = Destination.Course) {
    private val stack = mutableStateListOf(start)

    val current: Destination get() = stack.last()
    val canGoBack: Boolean get() = stack.size > 1

    fun open(destination: Destination) {
        if (current != destination) stack.add(destination)
    }

    /** Goes back one screen; false when already at a tab's first screen. */
    fun back(): Boolean {
        if (stack.size <= 1) return false
        models.clear(stack.removeAt(stack.lastIndex).key)
        return true
    }

    /** Opens a tab at its first screen, closing the screens above. */
    fun selectTab(root: Destination) {
        while (stack.size > 1) models.clear(stack.removeAt(stack.lastIndex).key)
        stack[0] = root
    }
}

private class Tab(val root: Destination, val labelKey: String, val icon: ImageVector)

/**
 * The whole app: a top bar with "Get help now" (one tap from every screen), the screens, and
 * tabs (a bottom bar on phones, a rail on wide windows).
 */
@Composable
fun LanternApp(
    core: LanternCore,
    platform: Platform,
    autoLock: AutoLock,
    preferences: Preferences,
    state: AppState,
) {
    val tabs = listOf(
        Tab(Destination.Course, "tab_course", Icons.Filled.Home),
        Tab(Destination.Journal, "tab_journal", Icons.Filled.Favorite),
        Tab(Destination.Sharing, "tab_sharing", Icons.Filled.Share),
        Tab(Destination.Caseload, "tab_caseload", Icons.Filled.Person),
        Tab(Destination.Settings, "tab_settings", Icons.Filled.Settings),
    )

    // When the journal locks (auto-lock, or a call found it locked), screens showing journal
    // data give way to the journal's lock screen.
    LaunchedEffect(core) {
        core.journal.vault.collect { vault ->
            if (vault == VaultState.Locked && state.current.showsJournal) state.selectTab(Destination.Journal)
        }
    }

    CompositionLocalProvider(LocalPlatform provides platform, LocalScreenModels provides state.models) {
        Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
            BoxWithConstraints {
                val wide = maxWidth >= 600.dp
                // Labels go when one would not fit whole (large text, a long translation): the
                // icons stay, named for screen readers.
                val labels = tabs.map { tr(it.labelKey) }
                val itemWidth = if (wide) RAIL_ITEM_WIDTH else (maxWidth - NAV_ITEM_GAP * (tabs.size - 1)) / tabs.size
                val withLabels = labelsFit(labels, itemWidth - LABEL_INSET)
                Row(Modifier.fillMaxSize()) {
                    if (wide) {
                        NavigationRail {
                            tabs.forEachIndexed { i, tab ->
                                NavigationRailItem(
                                    selected = state.current.tab == tab.root.tab,
                                    onClick = { state.selectTab(tab.root) },
                                    icon = { Icon(tab.icon, contentDescription = if (withLabels) null else labels[i]) },
                                    label = if (withLabels) ({ Text(labels[i], maxLines = 1) }) else null,
                                )
                            }
                        }
                    }
                    Column(Modifier.weight(1f)) {
                        TopBar(state)
                        Box(Modifier.weight(1f).fillMaxWidth()) { Screen(core, autoLock, preferences, state) }
                        if (!wide) {
                            NavigationBar {
                                tabs.forEachIndexed { i, tab ->
                                    NavigationBarItem(
                                        selected = state.current.tab == tab.root.tab,
                                        onClick = { state.selectTab(tab.root) },
                                        icon = { Icon(tab.icon, contentDescription = if (withLabels) null else labels[i]) },
                                        label = if (withLabels) ({ Text(labels[i], maxLines = 1) }) else null,
                                    )
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/**
 * App name, back, and "Get help now". With large text the button moves under the name instead
 * of squeezing it: neither is ever cut.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun TopBar(state: AppState) {
    Surface(color = MaterialTheme.colorScheme.surfaceContainer) {
        FlowRow(
            Modifier.fillMaxWidth().heightIn(min = 64.dp).padding(horizontal = 4.dp),
            horizontalArrangement = Arrangement.SpaceBetween,
        ) {
            Row(Modifier.align(Alignment.CenterVertically), verticalAlignment = Alignment.CenterVertically) {
                if (state.canGoBack) {
                    IconButton(onClick = { state.back() }) {
                        Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = tr("action_back"))
                    }
                }
                Text(
                    tr("app_name"),
                    style = MaterialTheme.typography.titleLarge,
                    modifier = Modifier.padding(horizontal = 12.dp),
                )
            }
            Button(
                onClick = { state.open(Destination.Help) },
                colors = ButtonDefaults.buttonColors(
                    containerColor = MaterialTheme.colorScheme.primary,
                    contentColor = MaterialTheme.colorScheme.onPrimary,
                ),
                modifier = Modifier.align(Alignment.CenterVertically).padding(8.dp),
            ) { Text(tr("help_now_button")) }
        }
    }
}

/** Whether each of [labels] fits on one line in [width] in the navigation bar's label style. */
@Composable
private fun labelsFit(labels: List<String>, width: Dp): Boolean {
    val measurer = rememberTextMeasurer()
    val style = MaterialTheme.typography.labelMedium
    val widthPx = with(LocalDensity.current) { width.roundToPx() }
    // Measured again only when the labels, the width or the text size change, not per recomposition.
    return remember(labels, widthPx, style, measurer) {
        labels.all { measurer.measure(it, style, maxLines = 1, softWrap = false).size.width <= widthPx }
    }
}

/** The gap between two items of Material 3's navigation bar. */
private val NAV_ITEM_GAP = 8.dp
/** What a navigation item keeps free beside its label (measured: ~10 dp of a bar item at 360 dp). */
private val LABEL_INSET = 12.dp
/** A navigation rail item's width in Material 3. */
private val RAIL_ITEM_WIDTH = 80.dp

@Composable
private fun Screen(core: LanternCore, autoLock: AutoLock, preferences: Preferences, state: AppState) {
    when (val d = state.current) {
        Destination.Course -> CourseScreen(core, onOpenLesson = { u, l, section -> state.open(Destination.Lesson(u, l, section)) })
        is Destination.Lesson -> LessonScreen(core, d.key, d.unitId, d.lessonId, d.sectionId)
        Destination.Journal -> JournalScreen(
            core,
            onOpenEntry = { id -> state.open(Destination.Entry(id)) },
            onCheckIn = { state.open(Destination.CheckIn) },
            onTrends = { state.open(Destination.Trends) },
        )
        is Destination.Entry -> EntryEditorScreen(core, d.key, d.id, onDone = { state.back() })
        Destination.CheckIn -> CheckInScreen(core, d.key, onDone = { state.back() })
        Destination.Trends -> MoodTrendScreen(core, d.key)
        Destination.Sharing -> SharingScreen(core, preferences)
        Destination.Caseload -> CaseloadScreen(core, preferences, onOpenPeer = { id -> state.open(Destination.Peer(id)) })
        is Destination.Peer -> PeerScreen(core, preferences, d.connectionId)
        Destination.Settings -> SettingsScreen(core, autoLock, preferences)
        Destination.Help -> HelpScreen(core)
    }
}

/** A heading for screens whose title is data (course title, lesson title). */
internal fun Modifier.asHeading(): Modifier = semantics { heading() }
