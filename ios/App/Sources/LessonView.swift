import Lantern
import SwiftUI

/// The lesson reader: draws every block kind LessonModel hands it.
struct LessonView: View {
    @State private var model: LessonModel
    init(course: CourseService, ref: LessonRef) {
        _model = State(initialValue: LessonModel(course: course, unitId: ref.unitId, lessonId: ref.lessonId))
    }

    var body: some View {
        List {
            if let error = model.error { ErrorRow(error: error) }
            if model.courseAuthored { Text("course.exercise").font(.caption) }
            ForEach(model.sections) { section in
                Section {
                    ForEach(section.blocks) { block($0) }
                    if section.read {
                        Label("lesson.read", systemImage: "checkmark.circle")
                    } else {
                        Button("lesson.markRead") { Task { await model.markRead(section.id) } }
                    }
                } header: {
                    Text(section.title).font(.title3).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle(model.title)
        .toolbar {
            Button { Task { await model.toggleBookmark() } } label: {
                Image(systemName: model.bookmarked ? "bookmark.fill" : "bookmark")
            }
            .accessibilityLabel(Text(model.bookmarked ? "lesson.bookmark.remove" : "lesson.bookmark.add"))
        }
        .task { await model.load() }
    }

    @ViewBuilder private func block(_ b: ReaderBlock) -> some View {
        switch b {
        case .paragraph(let text): Text(text)
        case .definition(let term, let meaning):
            VStack(alignment: .leading) { Text(term).font(.headline); Text(meaning) }
        case .quote(let text, let source):
            VStack(alignment: .leading) { Text("“\(text)”").italic(); Text("lesson.source \(source)").font(.caption) }
        case .principles(let items, let source):
            VStack(alignment: .leading, spacing: 4) {
                ForEach(Array(items.enumerated()), id: \.offset) { i, item in Text("\(i + 1). \(item)") }
                Text("lesson.source \(source)").font(.caption)
            }
        case .questionAnswer(let q, let a, let revealed):
            VStack(alignment: .leading) {
                Text(q).font(.headline)
                if revealed { Text(a) } else { Button("lesson.showAnswer") { model.reveal(q) } }
            }
        case .video(let title, let url):
            VStack(alignment: .leading) {
                Text(title).font(.headline)
                if let url, let link = URL(string: url) { Link("lesson.watch", destination: link) }
                else { Text("lesson.videoUnavailable").font(.caption) }
            }
        case .reflection(_, let text):
            VStack(alignment: .leading) { Text("lesson.reflect").font(.caption); Text(text) }
        case .selfCheck(let id, let question, let choices, let chosen, let correct, let explanation):
            VStack(alignment: .leading, spacing: 6) {
                Text("lesson.selfCheck").font(.caption)
                Text(question).font(.headline)
                ForEach(Array(choices.enumerated()), id: \.offset) { i, choice in
                    Button { Task { await model.answer(id, choice: i) } } label: {
                        Label(choice, systemImage: chosen == i ? "largecircle.fill.circle" : "circle")
                    }
                    .disabled(correct != nil)
                    .accessibilityAddTraits(chosen == i ? .isSelected : [])
                }
                if let correct {
                    Text(chosen == correct ? "lesson.correct" : "lesson.notQuite").font(.headline)
                    if let explanation { Text(explanation) }
                }
            }
        }
    }
}

/// "Get help now": crisis resources from the content pack.
struct HelpView: View {
    @State private var model: HelpModel
    init(course: CourseService) { _model = State(initialValue: HelpModel(course: course)) }
    var body: some View {
        List {
            if let error = model.error { ErrorRow(error: error) }
            if let help = model.help {
                if help.publisher.development {
                    Text("help.unverified").font(.caption)
                } else {
                    Text("help.publishedBy \(help.publisher.name) \(help.publisher.keyFingerprint)").font(.caption)
                }
                Text(help.note).font(.callout)
                ForEach(help.resources, id: \.title) { r in
                    VStack(alignment: .leading) { Text(r.title).font(.headline).accessibilityAddTraits(.isHeader); Text(r.text) }
                }
            }
        }
        .navigationTitle(model.help?.title ?? "")
        .task { await model.load() }
    }
}
