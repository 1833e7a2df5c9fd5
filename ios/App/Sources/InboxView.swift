import Lantern
import SwiftUI

/// The supporter's inbox: per peer, the consents they gave (why, until when) and what they shared.
struct InboxView: View {
    @State private var model: InboxModel
    init(sharing: SharingService) { _model = State(initialValue: InboxModel(sharing: sharing)) }

    var body: some View {
        List {
            Button("sharing.syncNow") { Task { await model.syncNow() } }
            if let error = model.error { ErrorRow(error: error) }
            if model.peers.isEmpty { Text("inbox.empty") }
            ForEach(model.peers) { peer in
                Section(header: Text(peer.name).accessibilityAddTraits(.isHeader)) {
                    if peer.consents.isEmpty { Text("inbox.noConsent") }
                    ForEach(peer.consents, id: \.id) { g in
                        Text("inbox.consent \(g.purpose) \(Date(timeIntervalSince1970: TimeInterval(g.expiresAt)), style: .date)")
                    }
                    ForEach(peer.items, id: \.itemId) { item in itemView(item) }
                }
            }
        }
        .navigationTitle(Text("inbox.title"))
        .task { await model.load() }
    }

    /// The core has typed the content: no parsing here.
    @ViewBuilder private func itemView(_ item: SharedItem) -> some View {
        switch item.content {
        case let .entry(text, mood, _, _, _):
            VStack(alignment: .leading) {
                Text(text)
                if let mood { Text("mood.value \(Int(mood))") }
            }
        case let .checkIn(mood, note, _):
            VStack(alignment: .leading) {
                Text("mood.value \(Int(mood))")
                if let note { Text(note) }
            }
        case .moodTrends: Text("trend.title")
        case .courseProgress: Text("inbox.course")
        case let .alert(note, sentAtMs):
            VStack(alignment: .leading) {
                Text("inbox.alert \(Date(timeIntervalSince1970: TimeInterval(sentAtMs) / 1000), style: .time)")
                    .font(.headline)
                if let note { Text(note) }
            }
        // The count only: the peer's start date never reaches this device.
        case let .recoveryCount(days, milestone):
            VStack(alignment: .leading) {
                Text("inbox.recovery_days \(Int(days))")
                if let milestone { Text(describeMilestone(milestone: milestone)) }
            }
        }
    }
}
