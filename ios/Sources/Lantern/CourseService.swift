import Foundation
import LanternCore

/// The course, off the main actor. Thin: one async method per core call.
public final class CourseService: Sendable {
    let course: Course
    init(_ course: Course) { self.course = course }

    public func packInfo() async throws -> PackInfo { try await coreCall { self.course.packInfo() } }
    public func units() async throws -> [UnitSummary] { try await coreCall { self.course.listUnits() } }
    public func lessons(unitId: String) async throws -> [LessonSummary] {
        try await coreCall { try self.course.listLessons(unitId: unitId) }
    }
    public func openLesson(unitId: String, lessonId: String) async throws -> LessonContent {
        try await coreCall { try self.course.openLesson(unitId: unitId, lessonId: lessonId) }
    }
    public func progress() async throws -> [UnitProgress] { try await coreCall { try self.course.progress() } }
    public func markSectionRead(unitId: String, lessonId: String, sectionId: String) async throws {
        try await coreCall { try self.course.markSectionRead(unitId: unitId, lessonId: lessonId, sectionId: sectionId) }
    }
    public func answerSelfCheck(exerciseId: String, choice: Int) async throws -> SelfCheckResult {
        try await coreCall { try self.course.answerSelfCheck(exerciseId: exerciseId, choice: UInt32(choice)) }
    }
    public func bookmarks() async throws -> [Bookmark] { try await coreCall { try self.course.bookmarks() } }
    public func setBookmark(_ on: Bool, unitId: String, lessonId: String) async throws {
        _ = try await coreCall {
            on ? try self.course.addBookmark(unitId: unitId, lessonId: lessonId, sectionId: nil)
               : try self.course.removeBookmark(unitId: unitId, lessonId: lessonId, sectionId: nil)
        }
    }
    public func search(_ query: String) async throws -> [SearchHit] { try await coreCall { try self.course.search(query: query) } }
    public func helpNow() async throws -> HelpSection { try await coreCall { self.course.helpNow() } }
}
