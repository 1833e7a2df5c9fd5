import Foundation
import LanternCore
import Observation

/// Twelve five-digit groups as three lines of four, the way people read them aloud.
public func safetyNumberLines(_ number: String) -> [String] {
    let digits = Array(number.filter(\.isNumber))
    let groups = stride(from: 0, to: digits.count, by: 5).map { String(digits[$0..<min($0 + 5, digits.count)]) }
    return stride(from: 0, to: groups.count, by: 4).map { groups[$0..<min($0 + 4, groups.count)].joined(separator: " ") }
}

/// Sharing (same logic as the Kotlin SharingViewModel): pairing, safety numbers, the consent
/// editor, grants with one-tap revoke, sync now. Granting waits for a matching comparison.
@MainActor @Observable
public final class SharingModel {
    public private(set) var supporters: [SharingConnection] = []
    public private(set) var peers: [SharingConnection] = []
    public private(set) var activeGrants: [ConsentGrant] = []
    public private(set) var pastGrants: [ConsentGrant] = []
    public var myName = "", inviteText = "", relayUrl = ""
    public private(set) var createdInvite: String?
    public var comparing: SharingConnection?
    public var editorFor: SharingConnection?
    public var draft = ConsentDraft()
    public private(set) var lastSync: SyncSummary?
    public private(set) var busy = false
    public private(set) var error: UIError?
    private let sharing: SharingService
    private let defaults: UserDefaults

    public init(sharing: SharingService, defaults: UserDefaults = .standard) { self.sharing = sharing; self.defaults = defaults }

    public func verified(_ c: SharingConnection) -> Bool { defaults.bool(forKey: "safetyNumberVerified.\(c.id)") }

    public func load() async {
        await run {
            let connections = try await self.sharing.connections()
            let grants = try await self.sharing.grants()
            self.supporters = connections.filter { $0.role == .sharing }
            self.peers = connections.filter { $0.role == .supporting }
            self.activeGrants = grants.filter { $0.status == .active }
            self.pastGrants = grants.filter { $0.status != .active }
        }
    }

    public func createInvite() async {
        guard !myName.trimmingCharacters(in: .whitespaces).isEmpty else { error = .nameMissing; return }
        guard !relayUrl.isEmpty else { error = .invalidInput; return }
        await run { self.createdInvite = try await self.sharing.createInvite(relayUrl: self.relayUrl, name: self.myName) }
    }

    public func pair() async {
        guard !inviteText.isEmpty else { error = .inviteMissing; return }
        guard !myName.trimmingCharacters(in: .whitespaces).isEmpty else { error = .nameMissing; return }
        await run {
            self.comparing = try await self.sharing.pair(invite: self.inviteText.trimmingCharacters(in: .whitespacesAndNewlines), name: self.myName)
            self.inviteText = ""
        }
        // The supporter learns of the pairing from a message this sync posts; if the relay is
        // down it stays queued for the next sync, so a failure here is not shown.
        if comparing != nil, let summary = try? await sharing.sync() { lastSync = summary }
        await load()
    }

    public func safetyNumbersCompared(match: Bool) {
        guard let c = comparing else { return }
        defaults.set(match, forKey: "safetyNumberVerified.\(c.id)")
        comparing = nil
    }

    public func openEditor(_ c: SharingConnection) {
        if verified(c) { editorFor = c; draft = ConsentDraft() } else { comparing = c }
    }

    public func grant() async {
        guard let to = editorFor else { return }
        if let problem = draft.problem { error = problem; return }
        await run {
            _ = try await self.sharing.grant(connectionId: to.id, scopes: self.draft.scopes,
                                             purpose: self.draft.purpose.trimmingCharacters(in: .whitespacesAndNewlines),
                                             days: self.draft.expiryDays)
            self.editorFor = nil
        }
        await load()
    }

    public func revoke(_ grantId: String) async {
        await run { try await self.sharing.revoke(grantId: grantId) }
        await load()
    }

    public func syncNow() async {
        await run { self.lastSync = try await self.sharing.sync() }
        await load()
    }

    private func run(_ body: @escaping () async throws -> Void) async {
        busy = true; error = nil
        defer { busy = false }
        do { try await body() } catch { self.error = UIError(error) }
    }
}

/// The supporter's inbox: per peer, what they let me see (why, until when) and what they shared.
@MainActor @Observable
public final class InboxModel {
    public struct Peer: Identifiable, Sendable {
        public let id: String, name: String
        public let consents: [ConsentGrant]
        public let items: [SharedItem]
    }
    public private(set) var peers: [Peer] = []
    public private(set) var error: UIError?
    private let sharing: SharingService
    public init(sharing: SharingService) { self.sharing = sharing }

    public func load() async {
        do {
            var out: [Peer] = []
            for c in try await sharing.connections() where c.role == .supporting {
                out.append(Peer(id: c.id, name: c.theirName,
                                consents: try await sharing.receivedGrants(connectionId: c.id),
                                items: try await sharing.inbox(connectionId: c.id)))
            }
            peers = out
        } catch { self.error = UIError(error) }
    }

    public func syncNow() async {
        do { _ = try await sharing.sync(); error = nil } catch { self.error = UIError(error) }
        await load()
    }
}

/// What the background scheduler should do after one sync (same rule as Kotlin BackgroundSync).
public enum SyncOutcome: Sendable { case newUpdates, nothingNew, retryLater, needsUnlock, failed }

public func backgroundSync(_ sharing: SharingService) async -> SyncOutcome {
    do {
        return try await sharing.sync().applied > 0 ? .newUpdates : .nothingNew
    } catch LanternFailure.relayDown {
        return .retryLater
    } catch LanternFailure.locked {
        return .needsUnlock
    } catch LanternFailure.notSetUp {
        return .needsUnlock
    } catch {
        return .failed
    }
}
