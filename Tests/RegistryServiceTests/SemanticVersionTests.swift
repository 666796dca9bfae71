import Testing
import WireProtos

@testable import RegistryService

@Suite("Semantic versions")
struct SemanticVersionTests {
  @Test(
    "Valid versions parse, with or without a leading v",
    arguments: [
      ("1.0.0", 1, 0, 0), ("v1.0.0", 1, 0, 0), ("0.1.12", 0, 1, 12), ("v10.20.30", 10, 20, 30),
      ("2147483647.0.0", 2_147_483_647, 0, 0),
    ] as [(String, Int32, Int32, Int32)])
  func parses(text: String, major: Int32, minor: Int32, patch: Int32) throws {
    let version = try SemanticVersion(parsing: text)
    #expect(version == SemanticVersion(major: major, minor: minor, patch: patch))
    #expect(version.description == "\(major).\(minor).\(patch)")
  }

  @Test(
    "Malformed versions are refused with INVALID_ARGUMENT",
    arguments: [
      "", "1", "1.0", "1.0.0.0", "01.0.0", "1.00.0", "1.0.-1", "a.b.c", "1.0.0-rc1", "V1.0.0",
      " 1.0.0",
      "1..0", "2147483648.0.0", "vv1.0.0",
    ])
  func refuses(text: String) {
    let error = #expect(throws: RegistryError.self) { try SemanticVersion(parsing: text) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("semantic version") == true)
  }

  @Test("Bumps increment one part and reset the lower ones")
  func bumps() throws {
    let version = SemanticVersion(major: 1, minor: 2, patch: 3)
    #expect(try version.bumped(.major).description == "2.0.0")
    #expect(try version.bumped(.minor).description == "1.3.0")
    #expect(try version.bumped(.patch).description == "1.2.4")
    let error = #expect(throws: RegistryError.self) {
      try SemanticVersion(major: 1, minor: .max, patch: 0).bumped(.minor)
    }
    #expect(error?.code == .failedPrecondition)
  }

  @Test("Versions order numerically, not as text")
  func ordering() throws {
    let texts = ["1.10.0", "1.2.0", "10.0.0", "1.2.10", "1.2.9", "2.0.0"]
    let sorted = try texts.map { try SemanticVersion(parsing: $0) }.sorted().map(\.description)
    #expect(sorted == ["1.2.0", "1.2.9", "1.2.10", "1.10.0", "2.0.0", "10.0.0"])
  }

  @Test("Stage rules: None → Staging → Production → Archived")
  func stageRules() {
    #expect(StageTransition.isAllowed(from: .unassigned, to: .staging))
    #expect(StageTransition.isAllowed(from: .staging, to: .production))
    #expect(StageTransition.isAllowed(from: .production, to: .archived))
    #expect(StageTransition.isAllowed(from: .archived, to: .staging))
    #expect(!StageTransition.isAllowed(from: .unassigned, to: .production))
    #expect(!StageTransition.isAllowed(from: .archived, to: .production))
    #expect(!StageTransition.isAllowed(from: .production, to: .staging))
    #expect(!StageTransition.isAllowed(from: .staging, to: .staging))
  }
}
