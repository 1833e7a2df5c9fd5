import Foundation
import LanternCore

/// Runs a blocking core call off the calling actor (docs/design.md "Threading": every exported call
/// may block on disk or network, so the UI never calls the core directly) and turns the core's
/// `LanternError` into `LanternFailure`.
func coreCall<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) {
        do {
            return try body()
        } catch let error as LanternError {
            throw LanternFailure(error)
        }
    }.value
}

/// The app's handle on the core, opened once on the app's private data directory.
public final class LanternClient: Sendable {
    let core: Lantern
    public let course: CourseService
    public let journal: JournalService
    public let sharing: SharingService
    public let reminders: RemindersService
    public let recovery: RecoveryService

    private init(core: Lantern) {
        self.core = core
        self.course = CourseService(core.course())
        self.journal = JournalService(core.journal())
        self.sharing = SharingService(core.sharing())
        self.reminders = RemindersService(core.reminders())
        self.recovery = RecoveryService(core.recovery())
    }

    /// Opens the core in Application Support/Lantern (created if needed), off the main actor.
    /// The directory is excluded from iCloud backup and protected until first unlock.
    public static func open(directory: URL? = nil) async throws -> LanternClient {
        let dir = try directory ?? FileManager.default
            .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("Lantern", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        var url = dir
        try url.setResourceValues(values)
        let path = dir.path
        return LanternClient(core: try await coreCall { try Lantern.open(dataDir: path) })
    }
}

/// The process's one open core, shared by the foreground app and a background launch
/// (BGTaskScheduler can start the app with no view at all): whoever asks first opens it, later
/// callers get the same client. A failed open is not cached, so the next ask tries again.
public actor LanternStore {
    public static let shared = LanternStore()
    private var opened: LanternClient?
    private var opening: Task<LanternClient, Error>?

    public func client() async throws -> LanternClient {
        if let opened { return opened }
        if let opening { return try await opening.value }
        let task = Task { try await LanternClient.open() }
        opening = task
        defer { opening = nil }
        let client = try await task.value
        opened = client
        return client
    }
}
