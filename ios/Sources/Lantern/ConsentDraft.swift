import Foundation
import LanternCore

/// The consent editor's form (same rules as the Kotlin ConsentDraft): typed scopes, a purpose in
/// the peer's words, and a required expiry within the core's grant limits. Tag normalisation,
/// the scopes and the limits are the core's; the core checks everything again.
public struct ConsentDraft: Equatable, Sendable {
    public var moodTrends = false, checkIns = false, courseProgress = false, alerts = false, recoveryCount = false
    public var tags: [String] = []
    public var entryIds: [String] = []
    public var purpose = ""
    public var expiryDays = 30

    public init() {}

    private static let secondsPerDay: UInt64 = 86_400
    /// The shortest expiry the editor offers, in whole days, from the core's limit.
    public static var minExpiryDays: Int { Int((grantLimits().minSeconds + secondsPerDay - 1) / secondsPerDay) }
    /// The longest expiry, in whole days, from the core's limit.
    public static var maxExpiryDays: Int { Int(grantLimits().maxSeconds / secondsPerDay) }
    /// The expiry choices the editor offers, in days (within the core's limits).
    public static var expiryChoices: [Int] { [7, 30, 90, 180, 365].filter { (minExpiryDays...maxExpiryDays).contains($0) } }

    public var hasScope: Bool { moodTrends || checkIns || courseProgress || alerts || recoveryCount || !tags.isEmpty || !entryIds.isEmpty }

    public var problem: UIError? {
        if !hasScope { return .noScopeChosen }
        if purpose.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .purposeMissing }
        if !(Self.minExpiryDays...Self.maxExpiryDays).contains(expiryDays) { return .expiryOutOfRange }
        return nil
    }

    /// Adds a tag as the core normalises it; a tag the core refuses (empty, too long) is not added.
    public mutating func add(tag: String) {
        guard let t = try? normalizeTag(tag: tag), !tags.contains(t) else { return }
        tags.append(t)
    }

    public mutating func toggle(entry id: String) {
        if let i = entryIds.firstIndex(of: id) { entryIds.remove(at: i) } else { entryIds.append(id) }
    }

    /// The scopes, typed, for the core to sign.
    public var scopes: [Scope] {
        var out: [Scope] = []
        if moodTrends { out.append(.moodTrends) }
        if checkIns { out.append(.checkIns) }
        out += tags.map { .entriesWithTag(tag: $0) }
        out += entryIds.map { .entry(id: $0) }
        if courseProgress { out.append(.courseProgress) }
        if alerts { out.append(.alerts) }
        if recoveryCount { out.append(.recoveryCount) }
        return out
    }
}
