import Lantern
import SwiftUI

/// Course home: search, units with progress, a unit's lessons, bookmarks. Draws CourseModel.
struct CourseView: View {
    @State private var model: CourseModel
    private let course: CourseService
    init(course: CourseService) { self.course = course; _model = State(initialValue: CourseModel(course: course)) }

    var body: some View {
        List {
            if let error = model.error { ErrorRow(error: error) }
            if let results = model.results {
                Section("course.results") {
                    ForEach(results, id: \.sectionId) { hit in
                        NavigationLink(value: LessonRef(unitId: hit.unitId, lessonId: hit.lessonId)) {
                            VStack(alignment: .leading) {
                                Text(hit.sectionTitle).font(.headline)
                                Text("\(hit.unitTitle) › \(hit.lessonTitle)").font(.caption)
                                highlighted(hit.snippet)
                            }
                        }
                    }
                }
            } else if let unitId = model.openUnitId {
                Button("course.allUnits") { model.closeUnit() }
                ForEach(model.lessons, id: \.id) { lesson in
                    NavigationLink(value: LessonRef(unitId: unitId, lessonId: lesson.id)) {
                        VStack(alignment: .leading) {
                            Text(lesson.title)
                            Text("course.lessonProgress \(model.lessonProgress[lesson.id] ?? 0) \(lesson.sections.count)").font(.caption)
                        }
                    }
                }
            } else {
                ForEach(model.units) { unit in
                    Button { Task { await model.openUnit(unit.id) } } label: {
                        VStack(alignment: .leading) {
                            Text(unit.title).font(.headline)
                            ProgressView(value: Double(unit.percentRead), total: 100)
                            Text("course.unitProgress \(unit.percentRead) \(unit.selfChecksCorrect) \(unit.selfChecksTotal)").font(.caption)
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
                if !model.bookmarks.isEmpty {
                    Section("course.bookmarks") {
                        ForEach(model.bookmarks, id: \.title) { b in
                            NavigationLink(b.title, value: LessonRef(unitId: b.unitId, lessonId: b.lessonId))
                        }
                    }
                }
            }
        }
        .navigationTitle(model.courseTitle)
        .searchable(text: $model.query, prompt: Text("course.search"))
        .onSubmit(of: .search) { Task { await model.search() } }
        .onChange(of: model.query) { _, q in if q.isEmpty { model.clearSearch() } }
        .navigationDestination(for: LessonRef.self) { LessonView(course: course, ref: $0) }
        .task { await model.load() }
    }

    private func highlighted(_ snippet: String) -> Text {
        highlightRuns(snippet).reduce(Text(verbatim: "")) { acc, run in acc + (run.match ? Text(run.text).bold() : Text(run.text)) }
    }
}

struct LessonRef: Hashable { let unitId: String; let lessonId: String }

struct ErrorRow: View {
    let error: UIError
    var body: some View {
        Text(LocalizedStringKey(error.key)).foregroundStyle(.red)
            .accessibilityAddTraits(.updatesFrequently)
    }
}
