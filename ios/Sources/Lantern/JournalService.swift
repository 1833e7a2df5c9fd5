import Foundation
import LanternCore
import Observation

/// Whether the journal can be read right now.
public enum VaultState: Sendable { case unknown, notSetUp, locked, unlocked }

/// Counts the times the journal locked. Every lock goes through `JournalService` (the person,
/// auto-lock, a call that finds the vault `Locked`), which bumps `generation`; the app keys the
/// journal and settings screens on it, so each lock drops every screen that showed journal
/// content (pushed editors included) and the lock screen comes back, whoever locked.
@MainActor @Observable
public final class LockSignal {
    public private(set) var generation = 0
    nonisolated init() {}
    func locked() { generation += 1 }
}

/// The encrypted journal, off the main actor. Passphrases pass straight to the core and are
/// never stored here.
public final class JournalService: Sendable {
    let journal: Journal
    public let lockSignal = LockSignal()
    init(_ journal: Journal) { self.journal = journal }

    private func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await coreCall(body)
        } catch LanternFailure.locked {
            await lockSignal.locked()
            throw LanternFailure.locked
        }
    }

    public func state() async throws -> VaultState {
        try await call {
            if try !self.journal.isSetUp() { return .notSetUp }
            return self.journal.isUnlocked() ? .unlocked : .locked
        }
    }
    /// First-time setup; returns the recovery code to show once.
    public func setUp(passphrase: String) async throws -> String { try await call { try self.journal.setup(passphrase: passphrase) } }
    public func unlock(passphrase: String) async throws { try await call { try self.journal.unlock(passphrase: passphrase) } }
    /// The provider's own failure (a `PlatformKeyError`) reaches the core typed and comes back as
    /// a `LanternFailure`: `.Cancelled` as `.cancelled`, `.KeyUnavailable` as `.wrongPassphrase`.
    public func unlock(with provider: PlatformKeyProvider) async throws {
        try await call { try self.journal.unlockWithPlatformKey(provider: provider) }
    }
    /// The one way to lock: the core forgets the key, then every screen is told. A journal that
    /// was not unlocked (lock screen, setup in progress) is not signalled, so an auto-lock does
    /// not wipe a half-typed passphrase.
    public func lock() async {
        let wasUnlocked = (try? await coreCall { () -> Bool in
            let unlocked = self.journal.isUnlocked()
            self.journal.lock()
            return unlocked
        }) ?? true
        if wasUnlocked { await lockSignal.locked() }
    }
    public func changePassphrase(old: String, new: String) async throws {
        try await call { try self.journal.changePassphrase(old: old, new: new) }
    }
    /// Resets the passphrase with the recovery code; returns the NEW recovery code.
    public func recover(code: String, newPassphrase: String) async throws -> String {
        try await call { try self.journal.recover(recoveryCode: code, newPassphrase: newPassphrase) }
    }
    public func platformKeyEnabled() async throws -> Bool { try await call { try self.journal.platformKeyEnabled() } }
    public func setPlatformKey(_ provider: PlatformKeyProvider?) async throws {
        guard let provider else { return try await call { try self.journal.disablePlatformKey() } }
        try await call { try self.journal.enablePlatformKey(provider: provider) }
    }

    public func add(text: String, mood: Int?, tags: [String]) async throws -> Entry {
        try await call { try self.journal.addEntry(entry: NewEntry(text: text, mood: mood.map { UInt8($0) }, tags: tags, createdAtMs: nil)) }
    }
    public func get(id: String) async throws -> Entry { try await call { try self.journal.getEntry(id: id) } }
    public func edit(id: String, text: String, mood: Int?, tags: [String]) async throws -> Entry {
        try await call {
            try self.journal.editEntry(id: id, update: EntryUpdate(text: text, mood: mood.map { UInt8($0) }, clearMood: mood == nil, tags: tags))
        }
    }
    public func delete(id: String) async throws { try await call { try self.journal.deleteEntry(id: id) } }
    public func list(offset: Int, limit: Int, tag: String?) async throws -> EntryPage {
        try await call {
            try self.journal.listEntries(query: EntryQuery(offset: UInt32(offset), limit: UInt32(limit), tag: tag, fromMs: nil, toMs: nil))
        }
    }
    public func search(_ query: String, limit: Int = 20) async throws -> [Entry] {
        try await call { try self.journal.search(query: query, limit: UInt32(limit)) }
    }
    public func prepareSearch() async { _ = try? await call { try self.journal.prepareSearch() } }
    public func checkIn(mood: Int, note: String?) async throws -> CheckIn {
        try await call { try self.journal.addCheckin(mood: UInt8(mood), note: note) }
    }
    public func checkIns(from: Int64, to: Int64) async throws -> [CheckIn] {
        try await call { try self.journal.listCheckins(fromMs: from, toMs: to) }
    }
    public func moodTrends(from: Int64, to: Int64, utcOffsetMinutes: Int32) async throws -> MoodTrends {
        try await call { try self.journal.moodTrends(fromMs: from, toMs: to, utcOffsetMinutes: utcOffsetMinutes) }
    }
    public func exportBackup(to path: String, passphrase: String) async throws {
        try await call { try self.journal.exportBackup(path: path, passphrase: passphrase) }
    }
    public func importBackup(from path: String, passphrase: String) async throws -> ImportReport {
        try await call { try self.journal.importBackup(path: path, passphrase: passphrase) }
    }
    public func exportPlaintext() async throws -> String { try await call { try self.journal.exportPlaintext(format: .markdown) } }
}
