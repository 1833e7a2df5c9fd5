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
}
