package org.lantern.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.lantern.core.LanternCore
import org.lantern.presentation.EntryRow
import org.lantern.presentation.JournalLockViewModel
import org.lantern.presentation.JournalViewModel
import org.lantern.presentation.LockMode
import java.text.DateFormat
import java.util.Date

/** The journal tab: the lock screen until unlocked, then the list with search and tag filter. */
@Composable
fun JournalScreen(core: LanternCore, onOpenEntry: (String?) -> Unit, onCheckIn: () -> Unit, onTrends: () -> Unit) {
    SecureScreen()
    JournalGate(core) { JournalList(core, onOpenEntry, onCheckIn, onTrends) }
}

/** Shows [unlocked] once the journal is unlocked, and the lock screen (setup, unlock, recovery) until then. */
@Composable
fun JournalGate(core: LanternCore, unlocked: @Composable () -> Unit) {
    val lock = rememberScreenModel("journal-lock") { JournalLockViewModel(core.journal, it) }
    val ls by lock.state.collectAsState()
    LaunchedEffect(lock) { lock.load() }
    if (ls.mode == LockMode.Unlocked) unlocked() else LockScreen(lock)
}

@Composable
private fun LockScreen(vm: JournalLockViewModel) {
    val s by vm.state.collectAsState()
    val platformKey = LocalPlatform.current.platformKey
    val scope = rememberCoroutineScope()
    ScreenColumn {
        when (s.mode) {
            LockMode.Loading, LockMode.Unlocked -> Unit
            LockMode.SetUp -> {
                Title(tr("lock_setup_title"))
                Text(tr("lock_setup_explain"), style = MaterialTheme.typography.bodyLarge)
                Secret(s.passphrase, vm::onPassphrase, tr("lock_passphrase"))
                Secret(s.confirm, vm::onConfirm, tr("lock_passphrase_again"), onDone = { vm.setUp() })
                ErrorText(s.error)
                Button(onClick = { vm.setUp() }, enabled = !s.busy) { Text(tr("lock_setup_action")) }
            }
            LockMode.Unlock -> {
                Title(tr("lock_title"))
                Secret(s.passphrase, vm::onPassphrase, tr("lock_passphrase"), onDone = { vm.unlock() })
                ErrorText(s.error)
                Button(onClick = { vm.unlock() }, enabled = !s.busy) { Text(tr("lock_unlock")) }
                if (s.platformKeyEnabled && platformKey != null) {
                    OutlinedButton(onClick = {
                        scope.launch { platformKey.authenticate()?.let { vm.unlockWithPlatformKey(it) } }
                    }) { Text(tr("lock_unlock_biometric")) }
                }
                TextButton(onClick = vm::startRecovery) { Text(tr("lock_forgot")) }
            }
            LockMode.Recover -> {
                Title(tr("lock_recover_title"))
                OutlinedTextField(s.recoveryCode, vm::onRecoveryCode, label = { Text(tr("lock_recovery_code")) }, modifier = Modifier.fillMaxWidth())
                Secret(s.passphrase, vm::onPassphrase, tr("lock_new_passphrase"))
                Secret(s.confirm, vm::onConfirm, tr("lock_passphrase_again"))
                ErrorText(s.error)
                Button(onClick = { vm.recover() }, enabled = !s.busy) { Text(tr("lock_recover_action")) }
                TextButton(onClick = vm::cancelRecovery) { Text(tr("action_cancel")) }
            }
            LockMode.ShowRecoveryCode -> {
                Title(tr("lock_recovery_code_title"))
                Text(tr("lock_recovery_code_explain"), style = MaterialTheme.typography.bodyLarge)
                SelectionContainer { Text(s.newRecoveryCode.orEmpty(), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.padding(vertical = 12.dp)) }
                Button(onClick = vm::recoveryCodeSaved) { Text(tr("lock_recovery_code_saved")) }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun JournalList(core: LanternCore, onOpenEntry: (String?) -> Unit, onCheckIn: () -> Unit, onTrends: () -> Unit) {
    val vm = rememberScreenModel("journal-list") { JournalViewModel(core.journal, it) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    val strings = LocalStrings.current
    val dates = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT, strings.locale)
    LazyColumn(Modifier.fillMaxSize().padding(horizontal = 16.dp)) {
        item {
            Title(tr("journal_title"), Modifier.padding(top = 16.dp))
            FlowRow {
                Button(onClick = { onOpenEntry(null) }, Modifier.padding(end = 8.dp)) { Text(tr("journal_new_entry")) }
                OutlinedButton(onClick = onCheckIn, Modifier.padding(end = 8.dp)) { Text(tr("journal_check_in")) }
                OutlinedButton(onClick = onTrends) { Text(tr("journal_trends")) }
            }
            Row(verticalAlignment = Alignment.CenterVertically) {
                OutlinedTextField(
                    s.query, vm::onQueryChange,
                    label = { Text(tr("journal_search_label")) },
                    singleLine = true,
                    keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                    keyboardActions = KeyboardActions(onSearch = { vm.search() }),
                    modifier = Modifier.weight(1f),
                )
                IconButton(onClick = { vm.search() }) { Icon(Icons.Filled.Search, contentDescription = tr("action_search")) }
            }
            s.tagFilter?.let { tag ->
                AssistChip(onClick = { vm.filterByTag(null) }, label = { Text(tr("journal_tag_filter", tag)) })
            }
            if (s.damagedCount > 0) {
                Text(trPlural("journal_damaged", s.damagedCount, s.damagedCount), color = MaterialTheme.colorScheme.error)
            }
            ErrorText(s.error)
        }
        val rows = s.searchResults ?: s.entries
        if (s.searchResults != null) item { TextButton(onClick = vm::clearSearch) { Text(tr("action_clear")) } }
        if (!s.loading && rows.isEmpty()) {
            item { Text(tr(if (s.searchResults != null) "journal_no_results" else "journal_empty"), Modifier.padding(vertical = 16.dp)) }
        }
        items(rows, key = { it.id }) { row ->
            EntryListItem(row, dates.format(Date(row.createdAtMs)), onClick = { onOpenEntry(row.id) }, onTag = { vm.filterByTag(it) })
        }
        if (s.hasMore && s.searchResults == null) item { TextButton(onClick = { vm.loadMore() }) { Text(tr("journal_more")) } }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun EntryListItem(row: EntryRow, date: String, onClick: () -> Unit, onTag: (String) -> Unit) {
    val open = tr("journal_open_entry")
    ListItem(
        overlineContent = { Text(if (row.edited) tr("journal_date_edited", date) else date) },
        headlineContent = { Text(row.preview) },
        supportingContent = {
            FlowRow(verticalArrangement = androidx.compose.foundation.layout.Arrangement.Center) {
                row.mood?.let { Text(tr("mood_value", it), Modifier.padding(end = 8.dp).align(Alignment.CenterVertically)) }
                row.tags.forEach { tag ->
                    val filter = tr("journal_filter_by_tag", tag)
                    AssistChip(
                        onClick = { onTag(tag) },
                        label = { Text(tag) },
                        modifier = Modifier.padding(end = 4.dp).semantics { contentDescription = filter },
                    )
                }
            }
        },
        modifier = Modifier.fillMaxWidth().clickable(onClickLabel = open, role = Role.Button, onClick = onClick),
    )
}
