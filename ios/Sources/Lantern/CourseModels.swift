import Foundation
import LanternCore
import Observation

/// Splits a core snippet whose matches are wrapped in `**` into (text, isMatch) runs.
public func highlightRuns(_ snippet: String) -> [(text: String, match: Bool)] {
    let parts = snippet.components(separatedBy: "**")
    return parts.enumerated().compactMap { i, text in
        text.isEmpty ? nil : (text, i % 2 == 1 && i < parts.count - 1)
    }
}

/// Course home: units with progress and score, a unit's lessons, offline search, bookmarks.
@MainActor @Observable
public final class CourseModel {
    public struct UnitRow: Identifiable, Sendable {
        public let id: String, title: String
        public var sectionsRead: Int, sectionsTotal: Int, selfChecksCorrect: Int, selfChecksTotal: Int
        public var percentRead: Int { sectionsTotal == 0 ? 0 : sectionsRead * 100 / sectionsTotal }
    }

    public private(set) var courseTitle = ""
    public private(set) var units: [UnitRow] = []
    public private(set) var openUnitId: String?
    public private(set) var lessons: [LessonSummary] = []
    public private(set) var lessonProgress: [String: Int] = [:]
    public var query = ""
    public private(set) var results: [SearchHit]?
    public private(set) var bookmarks: [Bookmark] = []
    public private(set) var error: UIError?
    private let course: CourseService

    public init(course: CourseService) { self.course = course }

    public func load() async {
        do {
            courseTitle = try await course.packInfo().title
            let summaries = try await course.units()
            let progress = Dictionary(uniqueKeysWithValues: try await course.progress().map { ($0.unitId, $0) })
            units = summaries.map { u in
                let p = progress[u.id]
                return UnitRow(id: u.id, title: u.title, sectionsRead: Int(p?.sectionsRead ?? 0),
                               sectionsTotal: Int(p?.sectionsTotal ?? u.sectionCount),
                               selfChecksCorrect: Int(p?.selfChecksCorrect ?? 0), selfChecksTotal: Int(p?.selfChecksTotal ?? 0))
            }
            bookmarks = try await course.bookmarks()
            error = nil
        } catch { self.error = UIError(error) }
    }

    public func openUnit(_ id: String) async {
        do {
            lessons = try await course.lessons(unitId: id)
            let p = try await course.progress().first { $0.unitId == id }
            lessonProgress = Dictionary(uniqueKeysWithValues: (p?.lessons ?? []).map { ($0.lessonId, Int($0.sectionsRead)) })
            openUnitId = id
        } catch { self.error = UIError(error) }
    }

    public func closeUnit() { openUnitId = nil; lessons = [] }

    /// Searches offline; a blank query is refused here, not sent to the core.
    public func search() async {
        let q = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty else { results = nil; error = .emptyQuery; return }
        do { results = try await course.search(q); error = nil } catch { self.error = UIError(error) }
    }

    public func clearSearch() { query = ""; results = nil; error = nil }
}

/// One block of the reader; every block kind of the course has its own case.
public enum ReaderBlock: Identifiable, Sendable {
    case paragraph(String)
    case definition(term: String, meaning: String)
    case quote(text: String, source: String)
    case principles(items: [String], source: String)
    case questionAnswer(question: String, answer: String, revealed: Bool)
    /// `url` nil: shown as "needs a connection", never as a broken link.
    case video(title: String, url: String?)
    case reflection(id: String, text: String)
    case selfCheck(id: String, question: String, choices: [String], chosen: Int?, correctChoice: Int?, explanation: String?)

    public var id: String {
        switch self {
        case .paragraph(let t): return "p:\(t.hashValue)"
        case .definition(let term, _): return "d:\(term)"
        case .quote(let t, _): return "q:\(t.hashValue)"
        case .principles(let items, _): return "l:\(items.count):\(items.first ?? "")"
        case .questionAnswer(let q, _, _): return "qa:\(q)"
        case .video(let t, _): return "v:\(t)"
        case .reflection(let id, _), .selfCheck(let id, _, _, _, _, _): return id
        }
    }

    init(_ block: LessonBlock) {
        switch block {
        case .paragraph(let text): self = .paragraph(text)
        case .definition(let term, let meaning): self = .definition(term: term, meaning: meaning)
        case .quote(let text, let source): self = .quote(text: text, source: source)
        case .principles(let items, let source): self = .principles(items: items, source: source)
        case .questionAnswer(let q, let a): self = .questionAnswer(question: q, answer: a, revealed: false)
        case .video(let title, let url): self = .video(title: title, url: url)
        case .reflectionPrompt(let id, let text): self = .reflection(id: id, text: text)
        case .selfCheck(let id, let q, let choices):
            self = .selfCheck(id: id, question: q, choices: choices, chosen: nil, correctChoice: nil, explanation: nil)
        }
    }
}

/// The lesson reader: typed blocks, sections marked read, self-checks with the core's verdict.
@MainActor @Observable
public final class LessonModel {
    public struct Section: Identifiable, Sendable {
        public let id: String, title: String
        public var blocks: [ReaderBlock]
        public var read: Bool
    }

    public private(set) var unitTitle = "", title = ""
    public private(set) var courseAuthored = false
    public private(set) var sections: [Section] = []
    public private(set) var bookmarked = false
    public private(set) var error: UIError?
    public let unitId: String, lessonId: String
    private let course: CourseService

    public init(course: CourseService, unitId: String, lessonId: String) {
        self.course = course; self.unitId = unitId; self.lessonId = lessonId
    }

    public func load() async {
        do {
            let lesson = try await course.openLesson(unitId: unitId, lessonId: lessonId)
            let read = try await course.progress().first { $0.unitId == unitId }?
                .lessons.first { $0.lessonId == lessonId }.map { Int($0.sectionsRead) } ?? 0
            unitTitle = lesson.unitTitle; title = lesson.title; courseAuthored = lesson.courseAuthored
            sections = lesson.sections.enumerated().map { i, s in
                Section(id: s.id, title: s.title, blocks: s.blocks.map(ReaderBlock.init), read: i < read)
            }
            bookmarked = try await course.bookmarks().contains { $0.unitId == unitId && $0.lessonId == lessonId && $0.sectionId == nil }
        } catch { self.error = UIError(error) }
    }

    public func markRead(_ sectionId: String) async {
        do {
            try await course.markSectionRead(unitId: unitId, lessonId: lessonId, sectionId: sectionId)
            if let i = sections.firstIndex(where: { $0.id == sectionId }) { sections[i].read = true }
        } catch { self.error = UIError(error) }
    }

    public func answer(_ exerciseId: String, choice: Int) async {
        do {
            let r = try await course.answerSelfCheck(exerciseId: exerciseId, choice: choice)
            update { block in
                guard case .selfCheck(let id, let q, let choices, _, _, _) = block, id == exerciseId else { return block }
                return .selfCheck(id: id, question: q, choices: choices, chosen: choice,
                                  correctChoice: Int(r.correctChoice), explanation: r.explanation)
            }
        } catch { self.error = UIError(error) }
    }

    public func reveal(_ question: String) {
        update { block in
            guard case .questionAnswer(let q, let a, _) = block, q == question else { return block }
            return .questionAnswer(question: q, answer: a, revealed: true)
        }
    }

    public func toggleBookmark() async {
        do { try await course.setBookmark(!bookmarked, unitId: unitId, lessonId: lessonId); bookmarked.toggle() }
        catch { self.error = UIError(error) }
    }

    private func update(_ change: (ReaderBlock) -> ReaderBlock) {
        for i in sections.indices { sections[i].blocks = sections[i].blocks.map(change) }
    }
}

/// "Get help now": the crisis resources the content pack carries (offline, no unlock needed).
@MainActor @Observable
public final class HelpModel {
    public private(set) var help: HelpSection?
    public private(set) var error: UIError?
    private let course: CourseService
    public init(course: CourseService) { self.course = course }
    public func load() async {
        do { help = try await course.helpNow() } catch { self.error = UIError(error) }
    }
}
