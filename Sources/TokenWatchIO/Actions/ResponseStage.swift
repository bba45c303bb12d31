import TokenWatchCore

/// Turns the engine's risk records into actions. In dry-run (replay's default) it only says what
/// it would do; live, it hands actions to the dispatcher, which journals and delivers them.
public final class ResponseStage {
  public enum Mode {
    case dryRun
    case live(ActionDispatcher)
  }

  private var planner: ResponsePlanner
  private let mode: Mode
  private let emit: (ActionOutcome) -> Void

  public init(policy: ResponsePolicy, mode: Mode, emit: @escaping (ActionOutcome) -> Void) {
    planner = ResponsePlanner(policy: policy)
    self.mode = mode
    self.emit = emit
  }

  /// The planner's cooldown memory, carried across restarts by `--state`.
  public var cooldowns: [String: EventTime] {
    get { planner.cooldowns }
    set { planner.cooldowns = newValue }
  }

  public func handle(_ record: RiskRecord) {
    for decision in planner.plan(record) {
      switch decision {
      case .act(let action):
        switch mode {
        case .dryRun: emit(outcome(action, .dryRun, "would " + describe(action.hook) + " (replay is dry-run; --live-actions to act)"))
        case .live(let dispatcher): dispatcher.submit(action)
        }
      case .neverAct(let action):
        emit(outcome(action, .neverAct, "\(record.upn ?? record.user) is on the never_act list: not acted on"))
      case .coolingDown(let action, let last):
        emit(outcome(action, .coolingDown, "already acted on this user at level \(record.level.name) at \(last.rfc3339) (cooldown \(planner.policy.cooldown))"))
      }
    }
  }

  private func describe(_ hookName: String) -> String {
    guard let hook = planner.policy.hooks[hookName] else { return "run \(hookName)" }
    switch hook.kind {
    case .exec(let argv): return "run \(argv.joined(separator: " ")) with the action on stdin"
    case .webhook(let url, _): return "POST the action to \(url)"
    case .ssf(let options): return "push an SSF \(options.event) event to \(options.url)"
    case .file(let path): return "append the action to \(path)"
    }
  }

  private func outcome(_ action: ActionRequest, _ result: ActionOutcome.Result, _ detail: String) -> ActionOutcome {
    ActionOutcome(
      actionID: action.id, hook: action.hook, hookKind: planner.policy.hooks[action.hook]?.kind.name ?? "unknown",
      user: action.risk.upn ?? action.risk.user, level: action.risk.level, attempt: 0, result: result, detail: detail)
  }
}
