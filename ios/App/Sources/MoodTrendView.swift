import Charts
import Lantern
import SwiftUI

/// The mood trend chart (Swift Charts) over MoodTrendModel's points.
struct MoodTrendView: View {
    @State private var model: MoodTrendModel
    init(journal: JournalService) { _model = State(initialValue: MoodTrendModel(journal: journal)) }

    var body: some View {
        Form {
            Picker("trend.range", selection: Binding(get: { model.range }, set: { r in Task { await model.select(r) } })) {
                Text("trend.week").tag(MoodTrendModel.Range.week)
                Text("trend.month").tag(MoodTrendModel.Range.month)
                Text("trend.quarter").tag(MoodTrendModel.Range.quarter)
                Text("trend.year").tag(MoodTrendModel.Range.year)
            }
            .pickerStyle(.segmented)
            if let average = model.average { Text("trend.average \(average, specifier: "%.1f")") }
            if model.enoughData {
                Chart(model.points, id: \.periodStart) { p in
                    LineMark(x: .value("period", p.periodStart), y: .value("mood", p.average))
                    PointMark(x: .value("period", p.periodStart), y: .value("mood", p.average))
                }
                .chartYScale(domain: 1...5)
                .frame(height: 220)
                .accessibilityLabel(Text("trend.chart \(model.points.count) \(model.average ?? 0, specifier: "%.1f")"))
            } else {
                Text("trend.notEnough")
            }
            if let error = model.error { ErrorRow(error: error) }
        }
        .navigationTitle(Text("trend.title"))
        .task { await model.load() }
    }
}
