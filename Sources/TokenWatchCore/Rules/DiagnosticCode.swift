/// Every rule-file diagnostic code, with the one-line explanation `tokenwatch rules explain` prints.
public enum DiagnosticCode: String, CaseIterable, Sendable {
  case syntax = "TW100"
  case unknownFileType = "TW101"
  case missingKey = "TW102"
  case unknownKey = "TW103"
  case wrongType = "TW104"
  case badDuration = "TW105"
  case unknownDetector = "TW106"
  case duplicateID = "TW107"
  case unknownList = "TW108"
  case badValue = "TW109"
  case badListItem = "TW110"
  case duplicateList = "TW111"
  case badPolicy = "TW112"
  case noRules = "TW113"
  case detectorInUse = "TW114"
  case unusedList = "TW120"

  public var explanation: String {
    switch self {
    case .syntax: "The file is not valid YAML (of the supported subset) or JSON."
    case .unknownFileType: "A rules file must have a top-level `detector:` (a rule), `list:` (a list) or `policy:` key."
    case .missingKey: "A required key is missing."
    case .unknownKey: "A key that this kind of file does not have; usually a typo."
    case .wrongType: "A value has the wrong type (for example a list where a number belongs)."
    case .badDuration: "Durations are a whole number and one unit: ms, s, m, h, d or w (`90s`, `10m`, `30d`)."
    case .unknownDetector: "`detector:` names a detector tokenwatch does not have."
    case .duplicateID: "Two rules share an id, or two lists a name."
    case .unknownList: "A rule refers to a list that no file defines, or to a list of the wrong kind."
    case .badValue: "A value is out of range or not one of the allowed words."
    case .badListItem: "A list item is not a valid CIDR block, ASN or issuer."
    case .duplicateList: "Two list files define the same list name."
    case .badPolicy: "The risk or state policy is inconsistent (for example levels that do not increase)."
    case .noRules: "The rules directory has no rule files."
    case .detectorInUse: "Each detector is driven by at most one enabled rule, because a detector keeps its own baselines."
    case .unusedList: "A list is defined but no rule refers to it."
    }
  }
}
