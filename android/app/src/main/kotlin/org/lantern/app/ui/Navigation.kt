package org.lantern.app.ui

import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Book
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Inbox
import androidx.compose.material.icons.filled.People
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.res.stringResource
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import org.lantern.app.LanternApplication
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.core.VaultState

private data class Tab(val route: String, val label: Int, val icon: ImageVector)

private val tabs = listOf(
    Tab("course", R.string.tab_course, Icons.Filled.Book),
    Tab("journal", R.string.tab_journal, Icons.Filled.Favorite),
    Tab("sharing", R.string.tab_sharing, Icons.Filled.People),
    Tab("inbox", R.string.tab_inbox, Icons.Filled.Inbox),
    Tab("settings", R.string.tab_settings, Icons.Filled.Settings),
)

/** Bottom tabs for the five areas; "Get help now" is one tap away on every screen. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun LanternNavHost(core: LanternCore, app: LanternApplication) {
    val nav = rememberNavController()
    val entry by nav.currentBackStackEntryAsState()
    // When the journal locks (auto-lock, or a call found it locked), private screens that
    // need it give way to the journal's lock screen.
    LaunchedEffect(core) {
        core.journal.vault.collect { state ->
            val route = nav.currentDestination?.route
            if (state == VaultState.Locked && route in JOURNAL_ROUTES) nav.navigateTab("journal")
        }
    }
    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(stringResource(R.string.app_name)) },
                actions = {
                    TextButton(onClick = { nav.navigate("help") }) { Text(stringResource(R.string.help_now_button)) }
                },
            )
        },
        bottomBar = {
            NavigationBar {
                tabs.forEach { tab ->
                    NavigationBarItem(
                        selected = entry?.destination?.route?.startsWith(tab.route) == true,
                        onClick = { nav.navigateTab(tab.route) },
                        icon = { Icon(tab.icon, contentDescription = null) },
                        label = { Text(stringResource(tab.label)) },
                    )
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = "course", modifier = Modifier.padding(padding)) {
            composable("course") { CourseScreen(core, onOpenLesson = { u, l -> nav.navigate("lesson/$u/$l") }) }
            composable("lesson/{unit}/{lesson}") { e ->
                LessonScreen(core, e.arguments?.getString("unit").orEmpty(), e.arguments?.getString("lesson").orEmpty())
            }
            composable("journal") {
                JournalScreen(
                    core,
                    onOpenEntry = { id -> nav.navigate(if (id == null) "entry" else "entry/$id") },
                    onCheckIn = { nav.navigate("checkin") },
                    onTrends = { nav.navigate("trends") },
                )
            }
            composable("entry") { EntryEditorScreen(core, null, onDone = { nav.popBackStack() }) }
            composable("entry/{id}") { e -> EntryEditorScreen(core, e.arguments?.getString("id"), onDone = { nav.popBackStack() }) }
            composable("checkin") { CheckInScreen(core, onDone = { nav.popBackStack() }) }
            composable("trends") { MoodTrendScreen(core) }
            composable("sharing") { SharingScreen(core, app) }
            composable("inbox") { InboxScreen(core) }
            composable("settings") { SettingsScreen(core, app.autoLock) }
            composable("help") { HelpScreen(core) }
        }
    }
}

private val JOURNAL_ROUTES = setOf("entry", "entry/{id}", "checkin", "trends", "settings")

private fun NavHostController.navigateTab(route: String) = navigate(route) {
    popUpTo(graph.startDestinationId) { saveState = true }
    launchSingleTop = true
    restoreState = true
}
