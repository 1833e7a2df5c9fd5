import BackgroundTasks
import Lantern
import SwiftUI

/// The app: opens the core, covers private screens when the app leaves the foreground, locks
/// the journal after the chosen delay, and schedules background sync (BGTaskScheduler).
@main
struct LanternApp: App {
    @Environment(\.scenePhase) private var scenePhase
    @State private var client: LanternClient?
    @State private var autoLock = AutoLock()
    @State private var covered = false

    @State private var openError: UIError?

    init() { BackgroundSync.register() }

    /// Opens the core once; a failure is shown with a retry instead of an endless spinner.
    private func open() async {
        do { client = try await LanternStore.shared.client() } catch { openError = UIError(error) }
    }

    var body: some Scene {
        WindowGroup {
            ZStack {
                if let client {
                    RootView(client: client, autoLock: autoLock)
                } else if let openError {
                    OpenFailedView(error: openError) { self.openError = nil }
                } else {
                    // Re-run when the person retries (openError goes back to nil).
                    ProgressView().task { await open() }
                }
                // Privacy cover: the app switcher snapshot never shows private text.
                if covered { PrivacyCover() }
            }
            .onChange(of: scenePhase) { _, phase in
                switch phase {
                case .active:
                    // Lock before lifting the cover, so the journal is never seen for a frame.
                    if autoLock.foregrounded(at: Date()) {
                        Task { await client?.journal.lock(); covered = false }
                    } else {
                        covered = false
                    }
                case .inactive:
                    covered = true
                case .background:
                    covered = true
                    if autoLock.backgrounded(at: Date()) { Task { await client?.journal.lock() } }
                    BackgroundSync.schedule()
                @unknown default:
                    covered = true
                }
            }
        }
    }
}

/// The core could not be opened (storage unreadable, no space, ...): say so, offer a retry.
struct OpenFailedView: View {
    let error: UIError
    let retry: () -> Void
    var body: some View {
        VStack(spacing: 16) {
            Label("open.failed.title", systemImage: "exclamationmark.triangle").font(.title2)
            Text(LocalizedStringKey(error.key)).multilineTextAlignment(.center)
            Button("action.retry", action: retry).buttonStyle(.borderedProminent)
        }
        .padding()
    }
}

struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Rectangle().fill(.background).ignoresSafeArea()
            Label("privacy.cover", systemImage: "lock.fill").font(.title2)
        }
        .accessibilityLabel(Text("privacy.cover"))
    }
}

struct RootView: View {
    let client: LanternClient
    let autoLock: AutoLock
    @State private var showHelp = false

    var body: some View {
        TabView {
            tab(CourseView(course: client.course), "tab.course", "book")
            // Keyed on the lock count: any lock rebuilds these tabs from the lock screen.
            tab(JournalView(journal: client.journal), "tab.journal", "heart.text.square")
                .id(client.journal.lockSignal.generation)
            tab(SharingView(sharing: client.sharing), "tab.sharing", "person.2")
            tab(InboxView(sharing: client.sharing), "tab.inbox", "tray")
            tab(SettingsView(journal: client.journal, autoLock: autoLock), "tab.settings", "gear")
                .id(client.journal.lockSignal.generation)
        }
        .sheet(isPresented: $showHelp) { NavigationStack { HelpView(course: client.course) } }
    }

    private func tab(_ content: some View, _ title: LocalizedStringKey, _ icon: String) -> some View {
        NavigationStack {
            content.toolbar {
                ToolbarItem(placement: .topBarTrailing) {
                    Button("help.button") { showHelp = true }.accessibilityHint(Text("help.hint"))
                }
            }
        }
        .tabItem { Label(title, systemImage: icon) }
    }
}
