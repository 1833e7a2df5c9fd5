import Foundation

/// The consent editor's form (same rules as the Kotlin ConsentDraft): scopes, a purpose in the
/// peer's words, and a required expiry of at most a year. The core checks everything again.
public struct ConsentDraft: Equatable, Sendable {
    public static let expiryChoices = [7, 30, 90, 180, 365]
    public static let maxExpiryDays = 365
    public var moodTrends = false, checkIns = false, courseProgress = false
    public var tags: [String] = []
    public var entryIds: [String] = []
    public var purpose = ""
    public var expiryDays = 30

    public init() {}

    public var hasScope: Bool { moodTrends || checkIns || courseProgress || !tags.isEmpty || !entryIds.isEmpty }

    public var problem: UIError? {
        if !hasScope { return .noScopeChosen }
        if purpose.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .purposeMissing }
        if !(1...Self.maxExpiryDays).contains(expiryDays) { return .expiryOutOfRange }
        return nil
    }

    public mutating func add(tag: String) {
        let t = tag.trimmingCharacters(in: .whitespaces).lowercased()
        if !t.isEmpty && !tags.contains(t) { tags.append(t) }
    }

    public mutating func toggle(entry id: String) {
        if let i = entryIds.firstIndex(of: id) { entryIds.remove(at: i) } else { entryIds.append(id) }
    }

    /// The scopes in the core's text form.
    public var scopeTexts: [String] {
        var out: [String] = []
        if moodTrends { out.append("mood-trends") }
        if checkIns { out.append("checkins") }
        out += tags.map { "entries:tag=\($0)" }
        out += entryIds.map { "entry:\($0)" }
        if courseProgress { out.append("course-progress") }
        return out
    }
}
