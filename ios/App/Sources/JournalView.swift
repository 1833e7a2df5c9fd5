import Lantern
import SwiftUI

/// The journal tab: the lock screen until unlocked, then the list. Draws the journal models.
struct JournalView: View {
    let journal: JournalService
    @State private var lock: JournalLockModel
    init(journal: JournalService) { self.journal = journal; _lock = State(initialValue: JournalLockModel(journal: journal)) }

    var body: some View {
        Group {
            if lock.mode == .unlocked { JournalListView(journal: journal) } else { LockView(model: lock) }
        }
        .task { await lock.load() }
    }
}

struct LockView: View {
    @Bindable var model: JournalLockModel
    var body: some View {
        Form {
            switch model.mode {
            case .loading, .unlocked: ProgressView()
            case .setUp:
                Section(header: Text("lock.setup.title")) {
                    Text("lock.setup.explain")
                    SecureField("lock.passphrase", text: $model.passphrase)
                    SecureField("lock.passphraseAgain", text: $model.confirm)
                    Button("lock.setup.action") { Task { await model.setUp() } }.disabled(model.busy)
                }
            case .unlock:
                Section(header: Text("lock.title")) {
                    SecureField("lock.passphrase", text: $model.passphrase).onSubmit { Task { await model.unlock() } }
                    Button("lock.unlock") { Task { await model.unlock() } }.disabled(model.busy)
                    if model.platformKeyEnabled {
                        Button("lock.unlockBiometric") { Task { await unlockWithBiometrics() } }
                    }
                    Button("lock.forgot") { model.startRecovery() }
                }
            case .recover:
                Section(header: Text("lock.recover.title")) {
                    TextField("lock.recoveryCode", text: $model.recoveryCode).textInputAutocapitalization(.characters)
                    SecureField("lock.newPassphrase", text: $model.passphrase)
                    SecureField("lock.passphraseAgain", text: $model.confirm)
                    Button("lock.recover.action") { Task { await model.recover() } }.disabled(model.busy)
                    Button("action.cancel", role: .cancel) { model.cancelRecovery() }
                }
            case .showRecoveryCode:
                Section(header: Text("lock.recoveryCode.title")) {
                    Text("lock.recoveryCode.explain")
                    Text(model.newRecoveryCode ?? "").font(.title3.monospaced()).textSelection(.enabled)
                    Button("lock.recoveryCode.saved") { model.recoveryCodeSaved() }
                }
            }
            if let error = model.error { ErrorRow(error: error) }
        }
    }

    /// One Face ID prompt, the Keychain's own when the Secure Enclave key is used: no LAContext
    /// crosses an `await` here. A cancelled prompt comes back as `UIError.cancelled`.
    private func unlockWithBiometrics() async {
        await model.unlock(with: KeychainKeyProvider(reason: String(localized: "biometric.reason")))
    }
}

struct JournalListView: View {
    let journal: JournalService
    @State private var model: JournalListModel
    init(journal: JournalService) { self.journal = journal; _model = State(initialValue: JournalListModel(journal: journal)) }

    var body: some View {
        List {
            Section {
                NavigationLink("journal.newEntry") { EntryEditorView(journal: journal, entryId: nil) }
                NavigationLink("journal.checkIn") { CheckInView(journal: journal) }
                NavigationLink("journal.trends") { MoodTrendView(journal: journal) }
            }
            if let tag = model.tagFilter {
                Button("journal.tagFilter \(tag)") { Task { await model.filter(tag: nil) } }
            }
            if model.damagedCount > 0 { Text("journal.damaged \(model.damagedCount)").foregroundStyle(.red) }
            if let error = model.error { ErrorRow(error: error) }
            ForEach(model.searchResults ?? model.entries, id: \.id) { e in
                NavigationLink { EntryEditorView(journal: journal, entryId: e.id) } label: {
                    VStack(alignment: .leading) {
                        Text(Date(timeIntervalSince1970: Double(e.createdAtMs) / 1000), style: .date).font(.caption)
                        Text(JournalListModel.preview(e))
                        HStack {
                            if let mood = e.mood { Text("mood.value \(Int(mood))") }
                            ForEach(e.tags, id: \.self) { tag in
                                Button(tag) { Task { await model.filter(tag: tag) } }.buttonStyle(.bordered)
                            }
                        }
                    }
                }
            }
            if model.hasMore && model.searchResults == nil { Button("journal.more") { Task { await model.loadMore() } } }
        }
        .searchable(text: $model.query, prompt: Text("journal.search"))
        .onSubmit(of: .search) { Task { await model.search() } }
        .onChange(of: model.query) { _, q in if q.isEmpty { model.clearSearch() } }
        .navigationTitle(Text("tab.journal"))
        .task { await model.load() }
    }
}

/// Five mood buttons, each read out with its meaning.
struct MoodPicker: View {
    let mood: Int?
    let pick: (Int) -> Void
    var body: some View {
        HStack {
            ForEach(1...5, id: \.self) { value in
                Button("\(value)") { pick(value) }
                    .buttonStyle(.borderedProminent)
                    .tint(mood == value ? .accentColor : .gray)
                    .accessibilityLabel(Text(LocalizedStringKey("mood.\(value)")))
                    .accessibilityAddTraits(mood == value ? .isSelected : [])
            }
        }
    }
}

struct EntryEditorView: View {
    @State private var model: EntryEditorModel
    @Environment(\.dismiss) private var dismiss
    init(journal: JournalService, entryId: String?) { _model = State(initialValue: EntryEditorModel(journal: journal, entryId: entryId)) }

    var body: some View {
        Form {
            TextEditor(text: $model.text).frame(minHeight: 160).accessibilityLabel(Text("entry.text"))
            Section(header: Text("entry.mood")) { MoodPicker(mood: model.mood) { model.pick(mood: $0) } }
            Section(header: Text("entry.tags")) {
                HStack { TextField("entry.tag", text: $model.tagDraft).onSubmit { model.addTag() }; Button("entry.addTag") { model.addTag() } }
                ForEach(model.tags, id: \.self) { tag in
                    Button { model.remove(tag: tag) } label: { Label(tag, systemImage: "xmark.circle") }
                }
            }
            if let error = model.error { ErrorRow(error: error) }
            Button("action.save") { Task { await model.save() } }.disabled(!model.canSave)
            if model.entryId != nil { Button("action.delete", role: .destructive) { Task { await model.delete() } } }
        }
        .navigationTitle(Text(model.entryId == nil ? "entry.new" : "entry.edit"))
        .onChange(of: model.done) { _, done in if done { dismiss() } }
        .task { await model.load() }
    }
}

struct CheckInView: View {
    @State private var model: CheckInModel
    @Environment(\.dismiss) private var dismiss
    init(journal: JournalService) { _model = State(initialValue: CheckInModel(journal: journal)) }

    var body: some View {
        Form {
            if model.checkedInToday { Text("checkin.alreadyToday") }
            MoodPicker(mood: model.mood) { model.pick(mood: $0) }
            TextField("checkin.note", text: $model.note, axis: .vertical)
            Text("\(model.note.count) / \(CheckInModel.maxNote)").font(.caption)
            if let error = model.error { ErrorRow(error: error) }
            Button("action.save") { Task { await model.save() } }.disabled(!model.canSave)
        }
        .navigationTitle(Text("checkin.title"))
        .onChange(of: model.done) { _, done in if done { dismiss() } }
        .task { await model.load() }
    }
}
