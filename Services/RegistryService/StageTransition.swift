package import WireProtos

/// Which stage moves the registry allows: None → Staging → Production → Archived, with
/// Staging or None also going straight to Archived, and Archived back to Staging for another
/// evaluation. Production is only left for Archived (promoting another version archives it).
package enum StageTransition {
  /// The stages a version in `stage` may move to.
  package static func allowedTargets(from stage: ModelStage) -> [ModelStage] {
    switch stage {
    case .unassigned: [.staging, .archived]
    case .staging: [.production, .archived]
    case .production: [.archived]
    case .archived: [.staging]
    default: []
    }
  }

  /// Whether a version in `from` may move to `to`.
  package static func isAllowed(from: ModelStage, to: ModelStage) -> Bool {
    Self.allowedTargets(from: from).contains(to)
  }

  /// MLflow's name of a stage ("None", "Staging", "Production", "Archived").
  package static func name(of stage: ModelStage) -> String {
    switch stage {
    case .unassigned: "None"
    case .staging: "Staging"
    case .production: "Production"
    case .archived: "Archived"
    default: "stage \(stage.rawValue)"
    }
  }
}
