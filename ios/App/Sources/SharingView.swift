import CoreImage.CIFilterBuiltins
import Lantern
import SwiftUI

/// Sharing: supporters, pairing (QR code or text), safety numbers, the consent editor,
/// active grants with one-tap revoke, the audit log. Draws SharingModel.
struct SharingView: View {
    @State private var model: SharingModel
    private let sharing: SharingService
    init(sharing: SharingService) { self.sharing = sharing; _model = State(initialValue: SharingModel(sharing: sharing)) }

    var body: some View {
        Form {
            Section {
                TextField("sharing.myName", text: $model.myName)
                Button("sharing.syncNow") { Task { await model.syncNow() } }.disabled(model.busy)
                if let error = model.error { ErrorRow(error: error) }
            }
            Section(header: Text("sharing.supporters")) {
                if model.supporters.isEmpty { Text("sharing.noSupporters") }
                ForEach(model.supporters, id: \.id) { c in
                    VStack(alignment: .leading) {
                        Text(c.theirName).font(.headline)
                        Text(model.verified(c) ? "safety.verified" : "safety.notVerified").font(.caption)
                        HStack {
                            Button("safety.compare") { model.comparing = c }
                            Button("sharing.chooseWhat") { model.openEditor(c) }
                        }.buttonStyle(.borderless)
                    }
                }
            }
            Section(header: Text("sharing.pair.title")) {
                Text("sharing.pair.explain").font(.callout)
                TextField("sharing.inviteText", text: $model.inviteText, axis: .vertical)
                Button("sharing.pair.action") { Task { await model.pair() } }.disabled(model.busy)
            }
            Section(header: Text("sharing.activeGrants")) {
                if model.activeGrants.isEmpty { Text("sharing.noGrants") }
                ForEach(model.activeGrants, id: \.id) { g in
                    GrantView(grant: g)
                    Button("grant.revoke", role: .destructive) { Task { await model.revoke(g.id) } }
                }
            }
            if !model.pastGrants.isEmpty {
                Section(header: Text("sharing.pastGrants")) { ForEach(model.pastGrants, id: \.id) { GrantView(grant: $0) } }
            }
            Section(header: Text("sharing.supportSomeone")) {
                Text("sharing.invite.explain").font(.callout)
                TextField("sharing.relayUrl", text: $model.relayUrl).textInputAutocapitalization(.never).keyboardType(.URL)
                Button("sharing.createInvite") { Task { await model.createInvite() } }.disabled(model.busy)
                if let invite = model.createdInvite {
                    QRCodeView(text: invite).frame(width: 220, height: 220).accessibilityLabel(Text("sharing.inviteQR"))
                    Text(invite).font(.caption.monospaced()).textSelection(.enabled)
                }
            }
            Section { NavigationLink("sharing.audit") { AuditView(sharing: sharing) } }
        }
        .navigationTitle(Text("tab.sharing"))
        .task { await model.load() }
        .sheet(item: Binding(get: { model.comparing.map(Identified.init) }, set: { if $0 == nil { model.comparing = nil } })) { c in
            SafetyNumberView(connection: c.value) { model.safetyNumbersCompared(match: $0) }
        }
        .sheet(item: Binding(get: { model.editorFor.map(Identified.init) }, set: { if $0 == nil { model.editorFor = nil } })) { c in
            ConsentEditorView(model: model, to: c.value)
        }
    }
}

/// A connection as a sheet item (sheets need Identifiable).
struct Identified: Identifiable {
    let value: SharingConnection
    var id: String { value.id }
    init(_ value: SharingConnection) { self.value = value }
}

struct GrantView: View {
    let grant: ConsentGrant
    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text("grant.to \(grant.recipientName)").font(.headline)
            ForEach(grant.howMuch, id: \.self) { Text("• \($0)") }
            Text("grant.purpose \(grant.purpose)")
            Text("grant.until \(Date(timeIntervalSince1970: TimeInterval(grant.expiresAt)), style: .date)")
            Text(grant.rightToRevoke).font(.caption)
        }
        .accessibilityElement(children: .combine)
    }
}

struct SafetyNumberView: View {
    let connection: SharingConnection
    let done: (Bool) -> Void
    var body: some View {
        VStack(spacing: 16) {
            Text("safety.title \(connection.theirName)").font(.title2)
            Text("safety.explain")
            ForEach(safetyNumberLines(connection.safetyNumber), id: \.self) { Text($0).font(.title3.monospaced()) }
            Button("safety.match") { done(true) }.buttonStyle(.borderedProminent)
            Button("safety.noMatch", role: .destructive) { done(false) }
        }
        .padding()
    }
}

struct ConsentEditorView: View {
    @Bindable var model: SharingModel
    let to: SharingConnection
    @State private var tag = ""
    var body: some View {
        NavigationStack {
            Form {
                Toggle("scope.moodTrends", isOn: $model.draft.moodTrends)
                Toggle("scope.checkins", isOn: $model.draft.checkIns)
                Toggle("scope.course", isOn: $model.draft.courseProgress)
                Toggle("scope.alerts", isOn: $model.draft.alerts)
                Toggle("scope.recovery_count", isOn: $model.draft.recoveryCount)
                HStack { TextField("scope.tag", text: $tag); Button("entry.addTag") { model.draft.add(tag: tag); tag = "" } }
                ForEach(model.draft.tags, id: \.self) { Text("scope.tagChosen \($0)") }
                TextField("consent.purpose", text: $model.draft.purpose, axis: .vertical)
                Picker("consent.expiry", selection: $model.draft.expiryDays) {
                    ForEach(ConsentDraft.expiryChoices, id: \.self) { Text("consent.days \($0)").tag($0) }
                }
                Text("consent.revokeNote").font(.caption)
                if let error = model.error { ErrorRow(error: error) }
            }
            .navigationTitle(Text("consent.title \(to.theirName)"))
            .toolbar {
                ToolbarItem(placement: .confirmationAction) { Button("consent.give") { Task { await model.grant() } } }
                ToolbarItem(placement: .cancellationAction) { Button("action.cancel") { model.editorFor = nil } }
            }
        }
    }
}

struct QRCodeView: View {
    let text: String
    var body: some View {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(text.utf8)
        let context = CIContext()
        if let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 8, y: 8)),
           let cg = context.createCGImage(output, from: output.extent) {
            return AnyView(Image(decorative: cg, scale: 1).interpolation(.none).resizable().scaledToFit())
        }
        return AnyView(EmptyView())
    }
}

struct AuditView: View {
    let sharing: SharingService
    @State private var entries: [AuditEntry] = []
    @State private var intact: Bool?
    @State private var error: UIError?
    var body: some View {
        List {
            Button("audit.verify") {
                Task {
                    do { _ = try await sharing.verifyAudit(); intact = true }
                    catch LanternFailure.integrity { intact = false }
                    catch { self.error = UIError(error) }
                }
            }
            if let intact { Text(intact ? "audit.intact" : "audit.damaged") }
            if let error { ErrorRow(error: error) }
            ForEach(entries.reversed(), id: \.seq) { e in
                Text("\(Date(timeIntervalSince1970: TimeInterval(e.at)), style: .date) · \(e.event)").font(.caption)
            }
        }
        .navigationTitle(Text("sharing.audit"))
        .task { do { entries = try await sharing.auditLog() } catch { self.error = UIError(error) } }
    }
}
