import Foundation
import LanternCore

/// Consent-gated sharing, off the main actor. Sync does network I/O: a relay that cannot be
/// reached is `LanternFailure.relayDown` and nothing is lost.
public final class SharingService: Sendable {
    let sharing: Sharing
    init(_ sharing: Sharing) { self.sharing = sharing }

    public func connections() async throws -> [SharingConnection] { try await coreCall { try self.sharing.connections() } }
    public func grants() async throws -> [ConsentGrant] { try await coreCall { try self.sharing.listGrants() } }
    public func createInvite(relayUrl: String, name: String) async throws -> String {
        try await coreCall { try self.sharing.createInvite(relayUrl: relayUrl, name: name) }
    }
    public func pair(invite: String, name: String) async throws -> SharingConnection {
        try await coreCall { try self.sharing.pair(invite: invite, name: name) }
    }
    public func grant(connectionId: String, scopes: [Scope], purpose: String, days: Int) async throws -> ConsentGrant {
        try await coreCall {
            try self.sharing.grant(connectionId: connectionId, scopes: scopes, purpose: purpose, expiresInSeconds: UInt64(days) * 86_400)
        }
    }
    public func revoke(grantId: String) async throws { try await coreCall { try self.sharing.revoke(grantId: grantId) } }
    public func sync() async throws -> SyncSummary { try await coreCall { try self.sharing.sync() } }
    public func inbox(connectionId: String?) async throws -> [SharedItem] {
        try await coreCall { try self.sharing.inbox(connectionId: connectionId) }
    }
    public func receivedGrants(connectionId: String?) async throws -> [ConsentGrant] {
        try await coreCall { try self.sharing.receivedGrants(connectionId: connectionId) }
    }
    public func auditLog() async throws -> [AuditEntry] { try await coreCall { try self.sharing.auditLog() } }
    public func verifyAudit() async throws -> UInt64 { try await coreCall { try self.sharing.verifyAudit() } }
    public func exportAudit() async throws -> String { try await coreCall { try self.sharing.exportAudit() } }
    public func verifyAuditExport(_ export: String, connectionId: String? = nil) async throws -> UInt64 {
        try await coreCall { try self.sharing.verifyAuditExport(export: export, connectionId: connectionId) }
    }

    /// The person turned notifications on: `endpoint` is the operator's APNs gateway URL for
    /// this device (docs/push.md), e.g. `https://gateway.example/wake/<device token>`. Relays
    /// then POST it a token the core chose when an envelope arrives; the gateway turns that
    /// into a background push, and the app syncs.
    public func enablePush(endpoint: String) async throws -> PushStatus {
        try await coreCall { try self.sharing.enablePush(endpoint: endpoint) }
    }
    /// The person turned notifications off.
    public func disablePush() async throws { try await coreCall { try self.sharing.disablePush() } }
    public func pushStatus() async throws -> PushStatus? { try await coreCall { try self.sharing.pushStatus() } }
    /// Whether a background push's payload is one of this installation's wake-ups (then sync).
    public func isPushWake(_ body: Data) async throws -> Bool {
        try await coreCall { try self.sharing.isPushWake(body: body) }
    }
    /// Peer: "I need support now". The result always carries the course's "Get help now"
    /// section (show it at once), who the alert was sent to or queued for, or why it reached no
    /// one. Only a note over `reachLimits().maxNoteChars` throws.
    public func reachOut(note: String?) async throws -> ReachOut {
        try await coreCall { try self.sharing.reachOut(note: note) }
    }
    public func sentAlerts() async throws -> [SentAlertView] { try await coreCall { try self.sharing.sentAlerts() } }
    /// Supporter: answers an alert or a shared item still held (`consentRequired` once it is not).
    public func reply(connectionId: String, to target: ReplyTarget, answer: ReplyAnswer) async throws -> Reply {
        try await coreCall { try self.sharing.reply(connectionId: connectionId, inReplyTo: target, answer: answer) }
    }
    /// Replies received (peer: who answered, to what, when) or sent (supporter), newest first.
    public func replies(connectionId: String? = nil) async throws -> [Reply] {
        try await coreCall { try self.sharing.replies(connectionId: connectionId) }
    }
}
