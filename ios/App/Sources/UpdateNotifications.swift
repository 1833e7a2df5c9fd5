import Foundation
import Observation
import UIKit
import UserNotifications

/// "Tell me when someone I support shares something": off until the person turns it on, and
/// only then is iOS asked for permission (requestAuthorization), so the system prompt appears
/// at a moment that explains itself. A refusal leaves the switch off and says where to change
/// it; BackgroundSync still syncs but posts nothing.
@MainActor @Observable
final class UpdateNotifications {
    enum Problem: Equatable { case refused, failed }
    private static let key = "updateNotifications"
    private let defaults: UserDefaults
    private(set) var enabled: Bool
    private(set) var problem: Problem?

    init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
        enabled = defaults.bool(forKey: Self.key)
    }

    /// The switch: turning on asks iOS first (the prompt shows only the first time; later
    /// calls return the person's earlier answer at once).
    func set(_ on: Bool) async {
        problem = nil
        guard on else { store(false); return }
        do {
            let granted = try await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
            store(granted)
            if !granted { problem = .refused }
        } catch {
            store(false); problem = .failed
        }
    }

    /// The person may have changed it in the Settings app meanwhile: re-read on appear.
    func refresh() async {
        let status = await UNUserNotificationCenter.current().notificationSettings().authorizationStatus
        if enabled && status == .denied { store(false); problem = .refused }
    }

    func openSystemSettings() {
        if let url = URL(string: UIApplication.openNotificationSettingsURLString) { UIApplication.shared.open(url) }
    }

    private func store(_ on: Bool) { enabled = on; defaults.set(on, forKey: Self.key) }

    /// Read by BackgroundSync, off the main actor: the stored choice, not the model.
    nonisolated static func wanted(_ defaults: UserDefaults = .standard) -> Bool { defaults.bool(forKey: key) }
}
