import Foundation
import LanternCore
import Observation

/// The problem with a new passphrase and its confirmation, or nil when acceptable. The rule
/// (length, common passwords) is the core's: a pure, instant call.
public func passphraseProblem(_ passphrase: String, _ confirm: String) -> UIError? {
    switch checkNewPassphrase(passphrase: passphrase) {
    case .tooShort: return .passphraseTooShort
    case .tooCommon: return .passphraseTooCommon
    case nil: return passphrase != confirm ? .passphrasesDiffer : nil
    }
}

/// The journal lock screen: setup (recovery code shown once), unlock, Face ID, recovery.
@MainActor @Observable
public final class JournalLockModel {
    public enum Mode: Sendable { case loading, setUp, unlock, recover, showRecoveryCode, unlocked }
    public private(set) var mode: Mode = .loading
    public var passphrase = "", confirm = "", recoveryCode = ""
    public private(set) var newRecoveryCode: String?
    public private(set) var platformKeyEnabled = false
    public private(set) var busy = false
    public private(set) var error: UIError?
    private let journal: JournalService

    /// A lock elsewhere replaces this model with a fresh one (the app keys the screen on
    /// `JournalService.lockSignal`), so it needs no lock callback of its own.
    public init(journal: JournalService) { self.journal = journal }

    public func load() async {
        do {
            switch try await journal.state() {
            case .notSetUp: mode = .setUp
            case .unlocked: mode = .unlocked
            default: mode = .unlock
            }
            platformKeyEnabled = (try? await journal.platformKeyEnabled()) ?? false
        } catch { mode = .unlock; self.error = UIError(error) }
    }

    public func setUp() async {
        if let problem = passphraseProblem(passphrase, confirm) { error = problem; return }
        await run {
            self.newRecoveryCode = try await self.journal.setUp(passphrase: self.passphrase)
            self.mode = .showRecoveryCode
        }
        passphrase = ""; confirm = ""
    }

    public func unlock() async {
        guard !passphrase.isEmpty else { error = .passphraseTooShort; return }
        await run { try await self.journal.unlock(passphrase: self.passphrase); self.mode = .unlocked }
        passphrase = ""
    }

    public func unlock(with provider: PlatformKeyProvider) async {
        await run { try await self.journal.unlock(with: provider); self.mode = .unlocked }
    }

    public func startRecovery() { mode = .recover; error = nil }
    public func cancelRecovery() { mode = .unlock; recoveryCode = ""; passphrase = ""; confirm = "" }

    public func recover() async {
        guard !recoveryCode.trimmingCharacters(in: .whitespaces).isEmpty else { error = .wrongRecoveryCode; return }
        if let problem = passphraseProblem(passphrase, confirm) { error = problem; return }
        await run {
            self.newRecoveryCode = try await self.journal.recover(code: self.recoveryCode, newPassphrase: self.passphrase)
            self.mode = .showRecoveryCode
        }
        passphrase = ""; confirm = ""; recoveryCode = ""
    }

    /// The person wrote the code down: forget it and open the journal.
    public func recoveryCodeSaved() { newRecoveryCode = nil; mode = .unlocked }

    public func lock() async { await journal.lock(); mode = .unlock; passphrase = ""; confirm = "" }

    private func run(_ body: @escaping () async throws -> Void) async {
        busy = true; error = nil
        defer { busy = false }
        do { try await body() } catch { self.error = UIError(error) }
    }
}

/// The journal list: newest first, paged, tag filter, full-text search.
@MainActor @Observable
public final class JournalListModel {
    public static let pageSize = 30
    public private(set) var entries: [Entry] = []
    public private(set) var hasMore = false
    public private(set) var damagedCount = 0
    public private(set) var tagFilter: String?
    public var query = ""
    public private(set) var searchResults: [Entry]?
    public private(set) var error: UIError?
    private let journal: JournalService

    public init(journal: JournalService) { self.journal = journal }

    public func load() async {
        await page(reset: true)
        await journal.prepareSearch()
    }
    public func loadMore() async { await page(reset: false) }
    public func filter(tag: String?) async { tagFilter = tag; await page(reset: true) }

    private func page(reset: Bool) async {
        do {
            let p = try await journal.list(offset: reset ? 0 : entries.count, limit: Self.pageSize, tag: tagFilter)
            entries = reset ? p.entries : entries + p.entries
            damagedCount = (reset ? 0 : damagedCount) + p.damagedIds.count
            hasMore = p.hasMore
            error = nil
        } catch { self.error = UIError(error) }
    }

    public func search() async {
        let q = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty else { searchResults = nil; error = .emptyQuery; return }
        do { searchResults = try await journal.search(q) } catch { self.error = UIError(error) }
    }

    public func clearSearch() { query = ""; searchResults = nil; error = nil }

    /// First non-blank line, shortened: what the list shows of an entry.
    public static func preview(_ e: Entry) -> String {
        String(e.text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.prefix(120) ?? "")
    }
}

/// New entry or edit (same id): text, optional mood 1-5, tags.
@MainActor @Observable
public final class EntryEditorModel {
    public private(set) var entryId: String?
    public var text = ""
    public private(set) var mood: Int?
    public private(set) var tags: [String] = []
    public var tagDraft = ""
    public private(set) var done = false
    public private(set) var error: UIError?
    private let journal: JournalService

    public init(journal: JournalService, entryId: String?) { self.journal = journal; self.entryId = entryId }
    public var canSave: Bool { !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    public func load() async {
        guard let id = entryId else { return }
        do {
            let e = try await journal.get(id: id)
            text = e.text; mood = e.mood.map(Int.init); tags = e.tags
        } catch { self.error = UIError(error) }
    }
    /// Picking the current mood again clears it.
    public func pick(mood value: Int) {
        guard (1...5).contains(value) else { error = .moodMissing; return }
        mood = mood == value ? nil : value
    }
    /// Adds the drafted tag as the core normalises it (no duplicates). A blank draft is just
    /// cleared; a tag the core refuses (too long) stays in the field with `invalidInput`.
    public func addTag() {
        if tagDraft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { tagDraft = ""; return }
        guard let tag = try? normalizeTag(tag: tagDraft) else { error = .invalidInput; return }
        if !tags.contains(tag) { tags.append(tag) }
        tagDraft = ""
    }
    public func remove(tag: String) { tags.removeAll { $0 == tag } }

    public func save() async {
        guard canSave else { error = .emptyText; return }
        do {
            let saved = if let id = entryId { try await journal.edit(id: id, text: text, mood: mood, tags: tags) }
                        else { try await journal.add(text: text, mood: mood, tags: tags) }
            entryId = saved.id; done = true
        } catch { self.error = UIError(error) }
    }
    public func delete() async {
        guard let id = entryId else { return }
        do { try await journal.delete(id: id); done = true } catch { self.error = UIError(error) }
    }
}

/// The daily check-in: a mood (required) and a short optional note.
@MainActor @Observable
public final class CheckInModel {
    public static let maxNote = 280
    public private(set) var mood: Int?
    public var note = ""
    public private(set) var checkedInToday = false
    public private(set) var done = false
    public private(set) var error: UIError?
    private let journal: JournalService

    public init(journal: JournalService) { self.journal = journal }
    public var canSave: Bool { mood != nil && note.count <= Self.maxNote }

    public func load() async {
        let start = Calendar.current.startOfDay(for: Date())
        let end = Calendar.current.date(byAdding: .day, value: 1, to: start) ?? start
        do {
            let today = try await journal.checkIns(from: start.unixMs, to: end.unixMs)
            checkedInToday = !today.isEmpty
        } catch { self.error = UIError(error) }
    }
    public func pick(mood value: Int) { if (1...5).contains(value) { mood = value; error = nil } else { error = .moodMissing } }
    public func save() async {
        guard let mood else { error = .moodMissing; return }
        guard note.count <= Self.maxNote else { error = .invalidInput; return }
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try await journal.checkIn(mood: mood, note: trimmed.isEmpty ? nil : trimmed)
            done = true; checkedInToday = true; note = ""
        } catch { self.error = UIError(error) }
    }
}

/// The mood trend chart: daily or weekly averages computed by the core on the device.
@MainActor @Observable
public final class MoodTrendModel {
    public enum Range: Int, CaseIterable, Sendable {
        case week = 7, month = 30, quarter = 91, year = 365
        public var weekly: Bool { self == .quarter || self == .year }
    }
    public private(set) var range: Range = .month
    public private(set) var points: [MoodPoint] = []
    public private(set) var average: Double?
    public private(set) var error: UIError?
    public var enoughData: Bool { points.count >= 2 }
    private let journal: JournalService

    public init(journal: JournalService) { self.journal = journal }

    public func select(_ r: Range) async { range = r; await load() }

    public func load() async {
        let end = Calendar.current.date(byAdding: .day, value: 1, to: Calendar.current.startOfDay(for: Date())) ?? Date()
        let start = end.addingTimeInterval(-Double(range.rawValue) * 86_400)
        let offset = Int32(TimeZone.current.secondsFromGMT() / 60)
        do {
            let t = try await journal.moodTrends(from: start.unixMs, to: end.unixMs, utcOffsetMinutes: offset)
            points = range.weekly ? t.weekly : t.daily
            let samples = points.reduce(0) { $0 + Int($1.samples) }
            average = samples == 0 ? nil : points.reduce(0.0) { $0 + $1.average * Double($1.samples) } / Double(samples)
            error = nil
        } catch { self.error = UIError(error) }
    }
}

extension Date {
    var unixMs: Int64 { Int64(timeIntervalSince1970 * 1000) }
}
