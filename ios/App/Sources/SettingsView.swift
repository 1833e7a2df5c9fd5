import Lantern
import SwiftUI
import UniformTypeIdentifiers

/// Settings: passphrase, recovery code, backup and export, auto-lock delay, Face ID.
struct SettingsView: View {
    @State private var model: SettingsModel
    @State private var exporting = false
    @State private var importing = false
    @State private var updates = UpdateNotifications()
    init(journal: JournalService, autoLock: AutoLock) { _model = State(initialValue: SettingsModel(journal: journal, autoLock: autoLock)) }

    var body: some View {
        Form {
            Section(header: Text("settings.passphrase")) {
                SecureField("settings.currentPassphrase", text: $model.oldPassphrase)
                SecureField("lock.newPassphrase", text: $model.newPassphrase)
                SecureField("lock.passphraseAgain", text: $model.confirmPassphrase)
                Button("settings.changePassphrase") { Task { await model.changePassphrase() } }.disabled(model.busy)
                TextField("lock.recoveryCode", text: $model.recoveryCode)
                Button("lock.recover.action") { Task { await model.resetWithRecoveryCode() } }.disabled(model.busy)
                if let code = model.newRecoveryCode {
                    Text("lock.recoveryCode.explain")
                    Text(code).font(.title3.monospaced()).textSelection(.enabled)
                    Button("lock.recoveryCode.saved") { model.recoveryCodeSaved() }
                }
            }
            Section(header: Text("settings.backup")) {
                SecureField("settings.backupPassphrase", text: $model.backupPassphrase)
                Button("settings.backupExport") { exporting = true }
                if let file = model.exportedBackup {
                    ShareLink(item: file) { Label("settings.backupSave", systemImage: "square.and.arrow.up") }
                }
                Button("settings.backupImport") { importing = true }
                Button("settings.plaintextExport") { model.askPlaintextExport() }
                if let text = model.plaintextExport {
                    ShareLink(item: text) { Label("settings.plaintextShare", systemImage: "square.and.arrow.up") }
                }
            }
            Section(header: Text("settings.autoLock")) {
                Picker("settings.autoLock", selection: Binding(get: { model.autoLock.delay }, set: { model.autoLock.choose(delay: $0) })) {
                    ForEach(AutoLock.choices, id: \.self) { s in
                        if s == 0 { Text("settings.autoLock.now").tag(s) } else { Text("settings.autoLock.after \(Int(s))").tag(s) }
                    }
                }
                Toggle("settings.biometric", isOn: Binding(get: { model.platformKeyEnabled }, set: { on in
                    Task { await model.setPlatformKey(on ? KeychainKeyProvider(reason: String(localized: "biometric.reason")) : nil) }
                }))
            }
            Section(header: Text("settings.updates")) {
                Toggle("settings.updates.notify", isOn: Binding(get: { updates.enabled }, set: { on in
                    Task { await updates.set(on) }
                }))
                if let problem = updates.problem {
                    Text(LocalizedStringKey(problem == .refused ? "settings.updates.refused" : "settings.updates.failed")).foregroundStyle(.red)
                    if problem == .refused { Button("settings.updates.openSettings") { updates.openSystemSettings() } }
                }
            }
            if let error = model.error { ErrorRow(error: error) }
        }
        .navigationTitle(Text("tab.settings"))
        .task { await updates.refresh() }
        .alert(Text("settings.plaintext.title"), isPresented: $model.confirmingPlaintextExport) {
            Button("settings.plaintext.confirm", role: .destructive) {
                Task { await model.confirmPlaintextExport() }
            }
            Button("action.cancel", role: .cancel) {}
        } message: { Text("settings.plaintext.warning") }
        .fileImporter(isPresented: $importing, allowedContentTypes: [.data]) { result in
            if case .success(let url) = result {
                Task {
                    let access = url.startAccessingSecurityScopedResource()
                    defer { if access { url.stopAccessingSecurityScopedResource() } }
                    await model.importBackup(from: url)
                }
            }
        }
        .onChange(of: exporting) { _, go in
            guard go else { return }
            exporting = false
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-backup.lantern")
            Task { await model.exportBackup(to: url) } // then saved by the person through the ShareLink above
        }
        .task { await model.load() }
    }
}
