package org.lantern.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.pluralStringResource
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.app.platform.Biometrics
import org.lantern.core.KeystoreKeyProvider
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
    val lock = rememberScreenModel("journal-lock") { JournalLockViewModel(core.journal, it) }
    val ls by lock.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { lock.load() }
    if (ls.mode == LockMode.Unlocked) {
        JournalList(core, onOpenEntry, onCheckIn, onTrends)
    } else {
        LockScreen(lock)
    }
}

@Composable
private fun LockScreen(vm: JournalLockViewModel) {
    val s by vm.state.collectAsStateWithLifecycle()
    val activity = LocalContext.current as? FragmentActivity
    Column(Modifier.padding(24.dp)) {
        when (s.mode) {
            LockMode.Loading, LockMode.Unlocked -> Unit
            LockMode.SetUp -> {
                Title(R.string.lock_setup_title)
                Text(stringResource(R.string.lock_setup_explain))
                Secret(s.passphrase, vm::onPassphrase, R.string.lock_passphrase)
                Secret(s.confirm, vm::onConfirm, R.string.lock_passphrase_again)
                Button(onClick = { vm.setUp() }, enabled = !s.busy) { Text(stringResource(R.string.lock_setup_action)) }
            }
            LockMode.Unlock -> {
                Title(R.string.lock_title)
                Secret(s.passphrase, vm::onPassphrase, R.string.lock_passphrase, onDone = { vm.unlock() })
                Button(onClick = { vm.unlock() }, enabled = !s.busy) { Text(stringResource(R.string.lock_unlock)) }
                if (s.platformKeyEnabled && activity != null) {
                    OutlinedButton(onClick = {
                        Biometrics.authenticate(activity) { vm.unlockWithPlatformKey(KeystoreKeyProvider.forJournal()) }
                    }) { Text(stringResource(R.string.lock_unlock_biometric)) }
                }
                TextButton(onClick = vm::startRecovery) { Text(stringResource(R.string.lock_forgot)) }
            }
            LockMode.Recover -> {
                Title(R.string.lock_recover_title)
                OutlinedTextField(s.recoveryCode, vm::onRecoveryCode, label = { Text(stringResource(R.string.lock_recovery_code)) }, modifier = Modifier.fillMaxWidth())
                Secret(s.passphrase, vm::onPassphrase, R.string.lock_new_passphrase)
                Secret(s.confirm, vm::onConfirm, R.string.lock_passphrase_again)
                Button(onClick = { vm.recover() }, enabled = !s.busy) { Text(stringResource(R.string.lock_recover_action)) }
                TextButton(onClick = vm::cancelRecovery) { Text(stringResource(R.string.action_cancel)) }
            }
            LockMode.ShowRecoveryCode -> {
                Title(R.string.lock_recovery_code_title)
                Text(stringResource(R.string.lock_recovery_code_explain))
                SelectionContainer { Text(s.newRecoveryCode.orEmpty(), style = MaterialTheme.typography.headlineSmall) }
                Button(onClick = vm::recoveryCodeSaved) { Text(stringResource(R.string.lock_recovery_code_saved)) }
            }
        }
        ErrorText(s.error)
    }
}

@Composable
private fun JournalList(core: LanternCore, onOpenEntry: (String?) -> Unit, onCheckIn: () -> Unit, onTrends: () -> Unit) {
    val vm = rememberScreenModel("journal") { JournalViewModel(core.journal, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Row {
                Button(onClick = { onOpenEntry(null) }) { Text(stringResource(R.string.journal_new_entry)) }
                OutlinedButton(onClick = onCheckIn, Modifier.padding(start = 8.dp)) { Text(stringResource(R.string.journal_check_in)) }
                OutlinedButton(onClick = onTrends, Modifier.padding(start = 8.dp)) { Text(stringResource(R.string.journal_trends)) }
            }
            OutlinedTextField(
                s.query, vm::onQueryChange,
                label = { Text(stringResource(R.string.journal_search_label)) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                keyboardActions = KeyboardActions(onSearch = { vm.search() }),
                modifier = Modifier.fillMaxWidth(),
            )
            s.tagFilter?.let { tag ->
                AssistChip(onClick = { vm.filterByTag(null) }, label = { Text(stringResource(R.string.journal_tag_filter, tag)) })
            }
            if (s.damagedCount > 0) Text(pluralStringResource(R.plurals.journal_damaged, s.damagedCount, s.damagedCount), color = MaterialTheme.colorScheme.error)
            ErrorText(s.error)
        }
        val rows = s.searchResults ?: s.entries
        if (s.searchResults != null) item { TextButton(onClick = vm::clearSearch) { Text(stringResource(R.string.action_clear)) } }
        if (!s.loading && rows.isEmpty()) item { Text(stringResource(R.string.journal_empty)) }
        items(rows, key = { it.id }) { row -> EntryListItem(row, onClick = { onOpenEntry(row.id) }, onTag = { vm.filterByTag(it) }) }
        if (s.hasMore && s.searchResults == null) item { TextButton(onClick = { vm.loadMore() }) { Text(stringResource(R.string.journal_more)) } }
    }
}

@Composable
private fun EntryListItem(row: EntryRow, onClick: () -> Unit, onTag: (String) -> Unit) {
    ListItem(
        overlineContent = { Text(DateFormat.getDateTimeInstance().format(Date(row.createdAtMs))) },
        headlineContent = { Text(row.preview) },
        supportingContent = {
            Row {
                row.mood?.let { Text(stringResource(R.string.mood_value, it), Modifier.padding(end = 8.dp)) }
                row.tags.forEach { tag -> AssistChip(onClick = { onTag(tag) }, label = { Text(tag) }, modifier = Modifier.padding(end = 4.dp)) }
            }
        },
        modifier = Modifier.clickable(onClick = onClick),
    )
}

@Composable
internal fun Title(res: Int) =
    Text(stringResource(res), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.padding(bottom = 8.dp).semantics { heading() })

@Composable
internal fun Secret(value: String, onChange: (String) -> Unit, label: Int, onDone: (() -> Unit)? = null) = OutlinedTextField(
    value = value,
    onValueChange = onChange,
    label = { Text(stringResource(label)) },
    singleLine = true,
    visualTransformation = PasswordVisualTransformation(),
    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, imeAction = ImeAction.Done),
    keyboardActions = KeyboardActions(onDone = { onDone?.invoke() }),
    modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
)
