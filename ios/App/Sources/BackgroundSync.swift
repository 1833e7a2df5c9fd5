import BackgroundTasks
import Foundation
import Lantern
import UserNotifications

/// Periodic background sync with BGTaskScheduler. The sync itself and the decision to notify
/// are the core's and the screen models'; the notification never carries private text.
enum BackgroundSync {
    static let identifier = "org.lantern.sync"

    /// Registered from `LanternApp.init`, before launch finishes, as BGTaskScheduler requires.
    /// A background launch (cold start, no view) opens the core itself through `LanternStore`.
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule()
            let completion = Completion(task)
            let work = Task {
                guard let client = try? await LanternStore.shared.client() else {
                    completion.finish(success: false); return
                }
                // The decision (notify, retry, wait for unlock) is the wrapper's backgroundSync().
                let outcome = await backgroundSync(client.sharing)
                if outcome == .newUpdates { await notifyNewUpdates() }
                completion.finish(success: outcome != .failed && outcome != .retryLater)
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// "New updates from someone you support": no name, no content, nothing private. Shown only
    /// if the person turned updates on and iOS allowed it (`UpdateNotifications`).
    static func notifyNewUpdates() async {
        guard UpdateNotifications.wanted() else { return }
        let center = UNUserNotificationCenter.current()
        let status = await center.notificationSettings().authorizationStatus
        guard [.authorized, .provisional, .ephemeral].contains(status) else { return }
        let content = UNMutableNotificationContent()
        content.title = String(localized: "notification.updates.title")
        content.body = String(localized: "notification.updates.body")
        let request = UNNotificationRequest(identifier: "lantern.updates", content: content, trigger: nil)
        try? await center.add(request)
    }
}

/// The BGTask is not Sendable, so it is not captured by the Task that does the work; this box
/// is, and only calls `setTaskCompleted`, which BackgroundTasks allows from any thread. A lock
/// makes sure it is called once.
private final class Completion: @unchecked Sendable {
    private let task: BGTask
    private let lock = NSLock()
    private var done = false
    init(_ task: BGTask) { self.task = task }

    func finish(success: Bool) {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return }
        done = true
        task.setTaskCompleted(success: success)
    }
}
