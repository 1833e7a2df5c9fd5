import Foundation
import LanternCore
import Observation

/// When to lock after the app leaves the screen; the delay the person chose is kept in
/// UserDefaults (not private). Times are passed in, so the rule stays a pure decision.
@MainActor @Observable
public final class AutoLock {
    public static let choices: [TimeInterval] = [0, 30, 60, 300, 900]
    public static let defaultDelay: TimeInterval = 60
    private static let key = "autoLockDelay"
    private let defaults: UserDefaults
    private var backgroundedAt: Date?
    /// A stored (so observed) copy of the UserDefaults value: a computed property reading
    /// UserDefaults is invisible to Observation, and the picker never refreshed.
    public private(set) var delay: TimeInterval

    public init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
        let saved = defaults.object(forKey: Self.key) as? TimeInterval
        delay = saved.flatMap { Self.choices.contains($0) ? $0 : nil } ?? Self.defaultDelay
    }

    /// Keeps only the offered choices; anything else leaves the delay as it was.
    public func choose(delay value: TimeInterval) {
        guard Self.choices.contains(value) else { return }
        delay = value
        defaults.set(value, forKey: Self.key)
    }

    /// Returns true when the journal must lock right away.
    public func backgrounded(at now: Date) -> Bool { backgroundedAt = now; return delay == 0 }

    /// Returns true when the journal must lock now that the app is back.
    public func foregrounded(at now: Date) -> Bool {
        guard let since = backgroundedAt else { return false }
        backgroundedAt = nil
        return now.timeIntervalSince(since) >= delay
    }
}

/// Settings: passphrase, recovery code, encrypted backup and import, explicit plaintext export,
/// auto-lock delay, Face ID unlock.
@MainActor @Observable
public final class SettingsModel {
    public enum Done: Sendable { case passphraseChanged, backupWritten, backupImported(Int), platformKeyOn, platformKeyOff }
    public var oldPassphrase = "", newPassphrase = "", confirmPassphrase = "", recoveryCode = "", backupPassphrase = ""
    public private(set) var newRecoveryCode: String?
    public private(set) var platformKeyEnabled = false
    public var confirmingPlaintextExport = false
    public private(set) var plaintextExport: String?
    /// The encrypted backup just written, offered to the share sheet / Files.
    public private(set) var exportedBackup: URL?
    public private(set) var busy = false
    public private(set) var done: Done?
    public private(set) var error: UIError?
    public let autoLock: AutoLock
    private let journal: JournalService

    public init(journal: JournalService, autoLock: AutoLock) { self.journal = journal; self.autoLock = autoLock }

    public func load() async { platformKeyEnabled = (try? await journal.platformKeyEnabled()) ?? false }

    public func changePassphrase() async {
        if let p = passphraseProblem(newPassphrase, confirmPassphrase) { error = p; return }
        await run(.passphraseChanged) {
            try await self.journal.changePassphrase(old: self.oldPassphrase, new: self.newPassphrase)
            self.oldPassphrase = ""; self.newPassphrase = ""; self.confirmPassphrase = ""
        }
    }

    public func resetWithRecoveryCode() async {
        if let p = passphraseProblem(newPassphrase, confirmPassphrase) { error = p; return }
        await run(.passphraseChanged) {
            self.newRecoveryCode = try await self.journal.recover(code: self.recoveryCode, newPassphrase: self.newPassphrase)
            self.recoveryCode = ""; self.newPassphrase = ""; self.confirmPassphrase = ""
        }
    }
    public func recoveryCodeSaved() { newRecoveryCode = nil }

    public func exportBackup(to url: URL) async {
        if let p = passphraseProblem(backupPassphrase, backupPassphrase) { error = p; return }
        await run(.backupWritten) {
            try await self.journal.exportBackup(to: url.path, passphrase: self.backupPassphrase)
            self.exportedBackup = url
        }
        backupPassphrase = ""
    }

    public func importBackup(from url: URL) async {
        guard !backupPassphrase.isEmpty else { error = .passphraseTooShort; return }
        busy = true; defer { busy = false }
        do {
            let report = try await journal.importBackup(from: url.path, passphrase: backupPassphrase)
            done = .backupImported(Int(report.entriesAdded)); backupPassphrase = ""
        } catch { self.error = UIError(error) }
    }

    /// Shows the dialog that warns about an unencrypted copy.
    public func askPlaintextExport() { confirmingPlaintextExport = true }

    /// Called only by the dialog's confirm button. It does not read `confirmingPlaintextExport`:
    /// the alert resets that binding as it closes, which raced with the old guard and could
    /// drop a confirmed export.
    public func confirmPlaintextExport() async {
        confirmingPlaintextExport = false
        do { plaintextExport = try await journal.exportPlaintext() } catch { self.error = UIError(error) }
    }
    public func plaintextExportHandedOver() { plaintextExport = nil }

    public func setPlatformKey(_ provider: PlatformKeyProvider?) async {
        await run(provider == nil ? .platformKeyOff : .platformKeyOn) {
            try await self.journal.setPlatformKey(provider)
            self.platformKeyEnabled = provider != nil
        }
    }

    private func run(_ outcome: Done, _ body: @escaping () async throws -> Void) async {
        busy = true; error = nil; done = nil
        defer { busy = false }
        do { try await body(); done = outcome } catch { self.error = UIError(error) }
    }
}
