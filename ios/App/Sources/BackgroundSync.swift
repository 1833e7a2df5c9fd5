import BackgroundTasks
import Foundation
import Lantern
import UserNotifications

/// Periodic background sync with BGTaskScheduler. The sync itself and the decision to notify
/// are the core's and the screen models'; the notification never carries private text.
enum BackgroundSync {
    static let identifier = "org.lantern.sync"
    /// Set once the core is open; background launches before that do nothing.
    nonisolated(unsafe) static var client: LanternClient?

    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule()
            let work = Task {
                guard let client else { task.setTaskCompleted(success: true); return }
                // The decision (notify, retry, wait for unlock) is the wrapper's backgroundSync().
                let outcome = await backgroundSync(client.sharing)
                if outcome == .newUpdates { await notifyNewUpdates() }
                task.setTaskCompleted(success: outcome != .failed && outcome != .retryLater)
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// "New updates from someone you support": no name, no content, nothing private.
    static func notifyNewUpdates() async {
        let content = UNMutableNotificationContent()
        content.title = String(localized: "notification.updates.title")
        content.body = String(localized: "notification.updates.body")
        let request = UNNotificationRequest(identifier: "lantern.updates", content: content, trigger: nil)
        try? await UNUserNotificationCenter.current().add(request)
    }
}
