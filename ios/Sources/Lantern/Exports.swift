// The app imports only `Lantern`; the core's generated records and enums it names
// (SharingConnection, ConsentGrant, AuditEntry, SharedItem, Entry, Scope, ...) come with it.
@_exported import LanternCore
