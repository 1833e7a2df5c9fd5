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

    @ViewBuilder private func itemView(_ item: SharedItem) -> some View {
        let f = InboxModel.fields(item)
        switch item.kind {
        case "entry":
            VStack(alignment: .leading) {
                Text(f["text"] as? String ?? "")
                if let mood = f["mood"] as? Int { Text("mood.value \(mood)") }
            }
        case "checkin":
            VStack(alignment: .leading) {
                if let mood = f["mood"] as? Int { Text("mood.value \(mood)") }
                if let note = f["note"] as? String { Text(note) }
            }
        case "mood-trends": Text("trend.title")
        case "course-progress": Text("inbox.course")
        default: Text("inbox.unknown")
        }
    }
}
