enum Usage {
  static let version = "tokenwatch 0.1.0"

  static let main = """
    tokenwatch: a streaming detector of stolen identity tokens.

    USAGE: tokenwatch <command> [options]

    COMMANDS:
      replay     Replay historical log files (or - for stdin) and print alerts.
      watch      Run as a service on stdin and/or sockets; print alerts as they happen.
      rules      Check, list or explain the rules (rules check | list | explain CODE).
      simulate   Generate the labelled scenario datasets and bulk test data.
      trail      Print every event of one token, session or user, in time order.
      normalize  Convert vendor logs to tokenwatch's native event schema.
      actions    List or discard the response actions still pending in a journal.

    Run 'tokenwatch <command> --help' for a command's options.
    Exit status: 0 ok (alerts are not failures), 1 runtime failure, 64 usage error,
    65 bad input with --strict-input.
    """

  static let detectionOptions = """
      --rules DIR            Rules directory (default: $TOKENWATCH_RULES, else ./rules).
      --input-format F       Force one input format: entra, graph, okta, native
                             (default: detected per line).
      --max-delay D          Out-of-order tolerance in event time (default 10m). Events up to
                             this late give the same alerts as sorted input; later ones are
                             processed, flagged late and counted.
      --max-buffered N       Most events held in that window (default 1000000, about 450 MB);
                             when full, the oldest are released early (TW210, counted).
      --output F             ndjson or text (default: text on a terminal, else ndjson).
      --color WHEN           auto, always or never (default auto; NO_COLOR disables).
      --max-line-bytes N     Longest accepted line (default 1048576); longer lines are skipped
                             and reported.
      --strict-input         Stop with status 65 at the first bad or unknown line.
      --quiet                No summary on stderr.
      --journal FILE         Action journal for live hooks (default tokenwatch-actions.journal).
      --actions-log FILE     Write action records here instead of stdout.
      --drain-timeout D      At the end, how long to keep delivering actions (default 30s);
                             the rest stay pending in the journal for the next start.
      -h, --help             Show this help.
    """

  static let replay = """
    USAGE: tokenwatch replay [options] FILE...

    Replays historical files (NDJSON, Event Hub {"records":[...]} batches, or a file that is one
    JSON array) in event-time order across all files, then prints a summary on stderr.
    Use - to read stdin. With a response policy, replay only prints the actions it would take.

    OPTIONS:
    \(detectionOptions)
      --live-actions         Really fire the response hooks (replay is a dry run by default).
      --shard I/N            Detect only for the users whose stable hash falls in shard I of N.
      --progress, --no-progress
                             A progress line on stderr every 5 s (default: on when stderr is a
                             terminal).
    """

  static let watch = """
    USAGE: tokenwatch watch [options] [--listen ADDR]... [-]

    A long-running service: reads NDJSON events from stdin and/or sockets and writes each alert
    as soon as the reorder window releases its event. Without --listen it reads stdin; with
    --listen it reads the sockets, and stdin too when given -.
    Signals: SIGINT/SIGTERM stop accepting, process what was read, flush, checkpoint, exit 0.
    SIGHUP reloads the rules; invalid rules are reported and the running rules stay.

    OPTIONS:
    \(detectionOptions)
      --idle-flush D         When the input has been quiet this long (wall clock), release every
                             buffered event at once rather than wait for newer events to move
                             the watermark (default 2s; 0s waits for the watermark alone).
                             Events older than what was released then count as late.
      --dry-run-actions      Print the actions instead of firing them (watch fires the hooks of
                             a configured response policy by default).
      --shard I/N            Detect only for the users whose stable hash falls in shard I of N
                             (run N instances on the same stream; see the README).

    INPUT:
      --listen ADDR          tcp://HOST:PORT or unix:/path/to.sock (repeatable). Each connection
                             carries NDJSON lines (LF or CRLF) or syslog messages with a JSON
                             payload, LF-terminated or octet-counted (RFC 6587), as sent by
                             rsyslog and syslog-ng.
      --allow-remote         Allow listening on a non-loopback address (loopback only otherwise).
      --max-connections N    Concurrent connections across all listeners (default 4096).
      --connection-idle-timeout D
                             Close a connection silent this long (default 10m; 0 never).
      --queue-bytes N        Read-ahead limit (default 33554432). When the engine falls behind,
                             reading stops here and senders wait: back-pressure, not memory.

    OPERATIONS:
      --state DIR            Keep detector state in DIR: loaded at start, checkpointed every
                             --checkpoint-interval (default 5m) and at shutdown (write, fsync,
                             rename). Also holds the action journal. One instance per DIR.
      --discard-state        If the checkpoint in DIR cannot be read, set it aside and start
                             empty (without it, an unreadable checkpoint stops the start).
      --stats-interval D     Print a one-line JSON stats record on stderr this often.
      --metrics ADDR         Serve the same figures as Prometheus text at http://ADDR/metrics
                             (e.g. tcp://127.0.0.1:9464).
    """

  static let rules = """
    USAGE: tokenwatch rules check [DIR]     Validate every rule, list and policy; exit 1 on errors.
           tokenwatch rules list [DIR]      Show the loaded rules and lists.
           tokenwatch rules explain CODE    Explain a diagnostic code (e.g. TW103).

    DIR defaults to --rules, then $TOKENWATCH_RULES, then ./rules.
    """

  static let simulate = """
    USAGE: tokenwatch simulate [--seed N] [--scenario NAME | --demo | --all] [--out DIR]
           tokenwatch simulate --bulk N [--format native|entra|okta|graph|mixed] [--seed N]

    Generates labelled scenarios deterministically: the same seed gives the same bytes.
    Without --out, events go to stdout. With --out DIR, each scenario is written to
    DIR/<name>/events.ndjson and DIR/<name>/scenario.json.
      --list                 List scenario names.
    """

  static let actions = """
    USAGE: tokenwatch actions list [--journal FILE]
           tokenwatch actions discard [--journal FILE] (--all | ID...)

    The actions still pending in a journal (default tokenwatch-actions.journal): after the circuit
    breaker paused dispatch, or a receiver was down. `list` prints them as JSON; `discard` marks
    them done so no later run delivers them.
    """

  static let trail = """
    USAGE: tokenwatch trail [--input-format F] ID FILE...

    Prints, in event-time order and in the native schema, every event whose token, session,
    user or UPN is ID: the full trail of one credential or person.
    """

  static let normalize = """
    USAGE: tokenwatch normalize [--input-format F] FILE...

    Converts vendor records (Entra, Graph activity, Okta) to native schema v1 NDJSON.
    """
}
