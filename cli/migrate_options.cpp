#include "cli/migrate_options.h"

#include "engine/sql/binlog_settings.h"

#include <cctype>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/connection_options.h"
#include "cli/ghost_compat.h"
#include "engine/control/command.h"
#include "engine/control/runtime_settings.h"
#include "engine/migrator.h"
#include "engine/schedule/cut_over_deadline.h"
#include "engine/sql/changelog.h"
#include "engine/verify/plan_compare.h"

namespace po = boost::program_options;

namespace ghostcut::cli {
namespace {

// Integers are read signed and range-checked: Boost would silently wrap "-1" into an unsigned.
template <typename T>
T ranged(const po::variables_map& vm, const char* name, std::int64_t lo, std::int64_t hi, const char* unit = "") {
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v < lo || v > hi)
    throw MigrateUsageError("--" + std::string(name) + " must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + unit + ", got " + std::to_string(v));
  return static_cast<T>(v);
}

// The engine's defaults and ranges, as flag values: the CLI has no literals of its own.
const engine::MigratorConfig kMigrator{};
const engine::CopierConfig kCopier{};
const engine::CutOverConfig kCutOver{};
const engine::ThrottlerConfig kThrottle{};
const engine::ControlServerConfig kControl{};
const engine::ConflictRetryPolicy kConflictRetry{};

template <typename Rep, typename Period>
std::int64_t count_in_ms(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
template <typename Rep, typename Period>
std::int64_t count_in_s(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}
// "text (lo-hi)" for a flag's help.
std::string ranged_help(const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  return text + " (" + std::to_string(lo) + "-" + std::to_string(hi) + ")";
}

}  // namespace

engine::InspectorConfig MigrateConfig::inspector_config() const {
  engine::InspectorConfig c;
  c.allow_foreign_keys = allow_foreign_keys;
  c.allow_add_unique_key = allow_add_unique_key;
  c.drop_leftover_tables = drop_leftover_tables;
  c.resume = !no_resume;
  c.start_over = no_resume;
  c.triggers = triggers;
  c.triggers.reverse_sync = keep_old_table_in_sync_seconds > 0;
  return c;
}

po::options_description migrate_options_description() {
  po::options_description all("ghostcut migrate options");
  all.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(),
      "INI file with these options (name = value, no dashes); the command line wins");
  add_connection_options(all);  // includes --database

  po::options_description migration("Migration");
  migration.add_options()("table", po::value<std::string>(), "table to migrate (tbl, or db.tbl instead of --database)")(
      "alter", po::value<std::string>(),
      "the ALTER clause, e.g. \"ADD COLUMN c INT\" (\"ALTER TABLE t ...\" also accepted)")(
      "execute", po::bool_switch(), "really migrate; without it: inspect, print the plan and change nothing")(
      "allow-foreign-keys", po::bool_switch(),
      "go ahead although foreign keys involve the table (they are not migrated)")(
      "allow-add-unique-key", po::bool_switch(),
      "allow an ALTER that adds a unique key (current rows are checked for duplicates first)")(
      "drop-leftover-tables", po::bool_switch(),
      "drop <table>_gho/_ghc/_del tables left by an earlier run before starting")(
      "initially-drop-ghost-table", po::bool_switch(), "gh-ost alias of --drop-leftover-tables")(
      "initially-drop-old-table", po::bool_switch(), "gh-ost alias of --drop-leftover-tables")(
      "no-resume", po::bool_switch(),
      "start over: drop an interrupted run's <table>_gho/_ghc instead of resuming it from its checkpoint")(
      "server-id", po::value<std::int64_t>(),
      "replica server id for reading the binlog (default: random, >= 1000000000)")(
      "include-triggers", po::value<std::string>()->implicit_value("true"),
      "migrate a table with triggers: they are recreated on the new table in the cut-over (gh-ost's flag)")(
      "trigger-suffix", po::value<std::string>(),
      "with --include-triggers (required): the new table's triggers are named <name><suffix> ([A-Za-z0-9_])")(
      "remove-trigger-suffix-if-exists", po::value<std::string>()->implicit_value("true"),
      "with --include-triggers: a trigger whose name ends with the suffix gets the name without it");
  all.add(migration);

  po::options_description copy("Copy");
  copy.add_options()("defer-secondary-indexes", po::value<std::string>()->default_value("auto")->implicit_value("on"),
                     "auto|on|off: copy without the ghost's plain secondary keys and build them after the copy in "
                     "one ALTER (the server's sorted build is faster; a replica replays that ALTER serially and lags "
                     "by its duration, so auto does it only when no session reads the binlog)")(
      "threads", po::value<std::int64_t>()->default_value(engine::kDefaultThreads),
      ranged_help("row-copy threads", engine::kMinThreads, engine::kMaxThreads).c_str())(
      "chunk-size", po::value<std::int64_t>()->default_value(engine::kDefaultChunkSize),
      ("rows per copy chunk; 0 = adaptive (" + std::to_string(engine::kMinChunkSize) + "-" +
       std::to_string(engine::kMaxChunkSize) + " otherwise)")
          .c_str())("target-chunk-time-ms",
                    po::value<std::int64_t>()->default_value(count_in_ms(kCopier.target_chunk_time)),
                    "adaptive chunking aims at this time per chunk (10-60000)")(
      "dml-batch-size", po::value<std::int64_t>()->default_value(engine::kDefaultDmlBatchSize),
      ranged_help("binlog row changes applied per transaction", engine::kMinDmlBatchSize, engine::kMaxDmlBatchSize)
          .c_str())("nice-ratio", po::value<double>()->default_value(engine::kDefaultNiceRatio),
                    "sleep this fraction of each chunk's time after it (0-100)")(
      "lock-conflict-retry-seconds", po::value<std::int64_t>()->default_value(count_in_s(kConflictRetry.limit)),
      "retry a copy chunk or applier batch that loses lock conflicts (deadlock, lock wait timeout) this long before failing (1-86400)");
  all.add(copy);

  po::options_description throttle("Throttle");
  throttle.add_options()("max-lag-millis", po::value<std::int64_t>()->default_value(engine::kDefaultMaxLagMillis),
                         ranged_help("throttle while a control replica lags more than this", engine::kMinMaxLagMillis,
                                     engine::kMaxMaxLagMillis)
                             .c_str())("throttle-control-replicas", po::value<std::vector<std::string>>()->composing(),
                                       "replicas whose lag throttles: host[:port][,host[:port]...] (repeatable)")(
      "heartbeat-interval-millis", po::value<std::int64_t>()->default_value(engine::kDefaultHeartbeatInterval.count()),
      "changelog heartbeat interval; replica lag is read from it (100-60000)")(
      "max-load", po::value<std::string>(), "throttle while a status variable reaches a threshold: Var=N[,Var=N...]")(
      "critical-load", po::value<std::string>(),
      "abort (or hibernate) when a status variable reaches a threshold: Var=N[,...]")(
      "critical-load-interval-millis",
      po::value<std::int64_t>()->default_value(count_in_ms(kThrottle.critical_load_interval)),
      "re-check critical-load after this long before acting; 0 = act at once (0-3600000)")(
      "critical-load-hibernate-seconds",
      po::value<std::int64_t>()->default_value(count_in_s(kThrottle.critical_load_hibernate)),
      "on critical load, throttle this long instead of aborting; 0 = abort (0-86400)")(
      "throttle-query", po::value<std::string>(), "throttle while this SELECT returns a value > 0")(
      "throttle-flag-file", po::value<std::string>(), "throttle while this file exists");
  all.add(throttle);

  po::options_description cut("Cut-over");
  cut.add_options()("cut-over-lag-threshold-ms",
                    po::value<std::int64_t>()->default_value(count_in_ms(kMigrator.cut_over_lag_threshold)),
                    "cut over only when the binlog backlog is below this (1-3600000)")(
      "max-applier-lag-ms", po::value<std::int64_t>()->default_value(count_in_ms(kMigrator.max_applier_lag)),
      "binlog first: the copy waits while the applier is further behind the binlog than this (0 = never; 0-3600000)")(
      "cut-over-lock-timeout-seconds", po::value<std::int64_t>()->default_value(count_in_s(kCutOver.lock_timeout)),
      "lock wait timeout for the cut-over (1-60)")("cut-over-retries",
                                                   po::value<std::int64_t>()->default_value(kCutOver.retries),
                                                   "cut-over attempts before giving up (1-1000)")(
      "postpone-cut-over-flag-file", po::value<std::string>(), "do not cut over while this file exists")(
      "cut-over-window", po::value<std::vector<std::string>>()->composing(),
      "cut over only inside this window, e.g. \"Mon-Fri 22:30-01:00 UTC\" (repeatable)")(
      "cut-over-when-quiet", po::value<double>(), "cut over only while the table changes fewer rows/s than this")(
      "quiet-window-seconds", po::value<std::int64_t>()->default_value(count_in_s(kMigrator.quiet_window)),
      "sliding window over which --cut-over-when-quiet measures (1-3600)")(
      "cut-over-deadline", po::value<std::string>(),
      "fail (original untouched) if not cut over by then: \"2026-11-27 06:00\", \"06:00\", \"+2h\"")(
      "cut-over-at-deadline", po::bool_switch(), "at --cut-over-deadline cut over anyway instead of failing");
  all.add(cut);

  po::options_description control("Control");
  control.add_options()(
      "serve-socket-file", po::value<std::string>(),
      "unix socket for `ghostcut ctl` (default $XDG_RUNTIME_DIR/ghostcut/ghostcut.<db>.<table>.sock, else /tmp/ghostcut-<uid>/...; mode 0600)")(
      "no-serve-socket", po::bool_switch(), "serve no unix control socket")(
      "serve-tcp-port", po::value<std::int64_t>(), "also serve control commands on this TCP port (1-65535)")(
      "serve-tcp-bind", po::value<std::string>()->default_value(kControl.tcp_bind),
      "address the control TCP port binds to")(
      "serve-tcp-token-file", po::value<std::string>(),
      "token TCP control clients must send before changing anything (mode 0600, owned by you; created with a random token when absent; default <socket dir>/ghostcut.<db>.<table>.token)");
  all.add(control);

  po::options_description hooks("Hooks");
  hooks.add_options()("hooks-path", po::value<std::string>(),
                      "directory of hook executables (on-startup, on-before-cut-over, on-success, ...)")(
      "hooks-timeout-seconds", po::value<std::int64_t>()->default_value(count_in_s(kMigrator.hooks_timeout)),
      "a hook running longer is killed (1-3600)")(
      "hooks-status-interval", po::value<std::int64_t>()->default_value(count_in_s(kMigrator.hooks_status_interval)),
      "seconds between on-status hooks (1-86400)");
  all.add(hooks);

  po::options_description output("Output");
  output.add_options()("log-format", po::value<std::string>()->default_value("text"),
                       "text or json (one JSON object per line)")(
      "quiet", po::bool_switch(), "log warnings and errors only")("verbose", po::bool_switch(), "log more detail")(
      "debug", po::bool_switch(), "log everything (very verbose)")(
      "status-interval-seconds", po::value<std::int64_t>()->default_value(count_in_s(kMigrator.progress_interval)),
      "seconds between progress log lines (1-3600)")(
      "metrics-port", po::value<std::int64_t>(),
      "serve Prometheus metrics on this port at /metrics (0-65535; 0 = any free port)")(
      "metrics-bind", po::value<std::string>()->default_value(kMigrator.metrics_bind),
      "address the metrics port binds to");
  all.add(output);

  po::options_description safety("Safety");
  safety.add_options()("ok-to-drop-table", po::bool_switch(), "drop the old table after cut-over (default: keep it)")(
      "cleanup-on-failure", po::bool_switch(), "drop the ghost and changelog tables when the migration fails")(
      "checksum", po::value<std::string>()->default_value("on"),
      "on|off: compare both tables chunk by chunk before the cut-over and copy a differing row again (on by default)")(
      "skip-checksum", po::bool_switch(), "the same as --checksum=off")(
      "checksum-during-copy", po::value<std::string>()->default_value("on"),
      "on|off: compare the chunks already copied while the copy goes on, where that needs no lock (MariaDB, Percona Server; one integer chunk key), and after the copy again what the applier wrote there since; off: the whole comparison after the copy (it also sees a row changed with sql_log_bin=0)")(
      "no-analyze-ghost", po::bool_switch(),
      "do not run ANALYZE TABLE on the ghost before the cut-over (run by default, so the first queries after the swap see the full table's statistics)")(
      "keep-old-table-in-sync", po::value<std::string>(),
      "after the cut-over, apply the new table's changes to the old one for DURATION (e.g. 30m, 24h; 1s-7d) so `ghostcut ctl revert=<table>` (or, after a restart, `ghostcut revert`) can swap it back with nothing lost; the sync is checkpointed in <table>_ghc, and the same command run again after a crash resumes it");
  all.add(safety);
  all.add(ghost_compat_options());

  po::options_description phased("Phased change");
  phased.add_options()(
      "attempt-instant", po::bool_switch(),
      "do an ALTER the server can do as metadata-only natively (ALTER ... ALGORITHM=INSTANT, retried like the cut-over) instead of copying (the default)")(
      "no-attempt-instant", po::bool_switch(), "always copy, even when the server could do the ALTER instantly")(
      "backfill", po::value<std::vector<std::string>>()->composing(),
      "col=EXPR: fill the new column col from an SQL expression over the old row's columns, in the copy and for rows from the binlog (repeatable; rules out the instant path)")(
      "plan-format", po::value<std::string>()->default_value("text"),
      "text or json: the dry run prints the plan with its cost estimate as text, or as one JSON object")(
      "allow-nondeterministic-backfill", po::bool_switch(),
      "let a --backfill expression call NOW(), RAND(), UUID() and the like (copied and binlog rows then get values of different moments)")(
      "check-queries", po::value<std::string>(),
      "FILE of SELECTs (one per line, or ;-separated) EXPLAINed on the original and on the ghost before each cut-over attempt; a worse plan is a regression (see --on-plan-regression)")(
      "check-top-digests", po::value<int>()->default_value(10),
      "also check the N SELECT digests that read the table and took the most time, from performance_schema where it is on (0-100; 0: none)")(
      "on-plan-regression", po::value<std::string>()->default_value("postpone"),
      "postpone (hold the cut-over and re-check before each attempt; `ctl cut-over` goes ahead anyway), fail (the original intact), or warn")(
      "kill-blockers-after", po::value<std::string>(),
      "SECONDS (or 90s, 5m): before each cut-over or instant attempt, kill sessions that have held the table's metadata lock this long (needs exact holders: MySQL performance_schema, MariaDB's metadata_lock_info plugin)");
  all.add(phased);
  return all;
}

namespace {
// #15: --check-queries (read and split here: an unreadable or empty file is a usage error),
// --check-top-digests, --on-plan-regression, --kill-blockers-after.
void parse_plan_check_flags(const boost::program_options::variables_map& vm, MigrateConfig& c) {
  if (vm.count("check-queries")) {
    c.check_queries_file = vm["check-queries"].as<std::string>();
    std::ifstream in(c.check_queries_file);
    if (!in) throw MigrateUsageError("--check-queries: cannot read " + c.check_queries_file);
    std::stringstream text;
    text << in.rdbuf();
    c.check_queries = engine::split_check_queries(text.str());
    if (c.check_queries.empty()) throw MigrateUsageError("--check-queries: no statement in " + c.check_queries_file);
  }
  c.check_top_digests = vm["check-top-digests"].as<int>();
  if (c.check_top_digests < 0 || c.check_top_digests > 100)
    throw MigrateUsageError("--check-top-digests must be 0-100, got " + std::to_string(c.check_top_digests));
  c.on_plan_regression = vm["on-plan-regression"].as<std::string>();
  if (c.on_plan_regression != "postpone" && c.on_plan_regression != "fail" && c.on_plan_regression != "warn")
    throw MigrateUsageError("--on-plan-regression must be postpone, fail or warn, got '" + c.on_plan_regression + "'");
  if (vm.count("kill-blockers-after")) {
    const auto d = parse_duration_seconds(vm["kill-blockers-after"].as<std::string>());
    if (!d || *d < 1 || *d > 86'400)
      throw MigrateUsageError("--kill-blockers-after takes 1s to 24h (e.g. 30, 90s, 5m), got '" +
                              vm["kill-blockers-after"].as<std::string>() + "'");
    c.kill_blockers_after_seconds = *d;
  }
}
}  // namespace

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) {
  std::int64_t n = 0;
  std::size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    n = n * 10 + (text[i] - '0');
    if (n > 1'000'000'000) return std::nullopt;
  }
  if (i == 0) return std::nullopt;
  const std::string_view unit = text.substr(i);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86'400;
  return std::nullopt;
}

ParsedMigrate parse_migrate_args(const std::vector<std::string>& args, bool alter_required) {
  ParsedMigrate out;
  const auto desc = migrate_options_description();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).style(kCommandLineStyle).run(), vm);
    if (vm.count("help")) {
      out.help = true;
      return out;
    }
    if (vm.count("check-flag") && vm["check-flag"].as<bool>()) {
      out.check_flag = true;
      return out;
    }
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw MigrateUsageError("cannot read --config file " + path);
      warn_if_readable_by_others(path);  // it may hold password = …
      // Values already stored (the command line) are kept: store() never overwrites.
      po::store(po::parse_config_file(in, desc, false), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw MigrateUsageError(e.what());
  }

  MigrateConfig& c = out.config;
  try {
    c.connection = connection_settings(vm);
  } catch (const MigrateUsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw MigrateUsageError(e.what());
  }
  if (vm.count("database")) c.database = vm["database"].as<std::string>();
  if (vm.count("table")) c.table = vm["table"].as<std::string>();
  if (auto dot = c.table.find('.'); dot != std::string::npos && c.database.empty()) {
    c.database = c.table.substr(0, dot);
    c.table = c.table.substr(dot + 1);
  }
  if (c.table.empty()) throw MigrateUsageError("--table is required");
  if (c.database.empty()) throw MigrateUsageError("--database is required (or --table db.tbl)");
  c.connection.database = c.database;
  if (!vm.count("alter") && alter_required)
    throw MigrateUsageError("--alter is required, e.g. --alter \"ADD COLUMN c INT\"");
  if (vm.count("alter")) c.alter = vm["alter"].as<std::string>();

  c.execute = vm["execute"].as<bool>();
  c.allow_foreign_keys = vm["allow-foreign-keys"].as<bool>();
  c.allow_add_unique_key = vm["allow-add-unique-key"].as<bool>();
  c.drop_leftover_tables = vm["drop-leftover-tables"].as<bool>() || vm["initially-drop-ghost-table"].as<bool>() ||
                           vm["initially-drop-old-table"].as<bool>();
  c.no_resume = vm["no-resume"].as<bool>();
  // gh-ost's boolean flags also come as --flag=true/false in runbooks.
  auto switch_value = [&](const char* name) {
    if (!vm.count(name)) return false;
    const auto& v = vm[name].as<std::string>();
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    throw MigrateUsageError("--" + std::string(name) + " takes no value (or true/false), got '" + v + "'");
  };
  c.triggers.include = switch_value("include-triggers");
  if (vm.count("trigger-suffix")) c.triggers.suffix = vm["trigger-suffix"].as<std::string>();
  c.triggers.remove_suffix = switch_value("remove-trigger-suffix-if-exists");
  if (const auto bad = engine::check_trigger_options(c.triggers); !bad.empty()) throw MigrateUsageError(bad.front());
  c.no_analyze_ghost = vm["no-analyze-ghost"].as<bool>();
  if (const auto v = vm["defer-secondary-indexes"].as<std::string>(); v == "on")
    c.defer_secondary_indexes = engine::KeyDeferral::kOn;
  else if (v == "off") c.defer_secondary_indexes = engine::KeyDeferral::kOff;
  else if (v != "auto") throw MigrateUsageError("--defer-secondary-indexes takes auto, on or off, got '" + v + "'");
  c.server_id =
      vm.count("server-id") ? ranged<std::uint32_t>(vm, "server-id", 1, 4294967295LL) : engine::random_server_id();

  c.threads = ranged<int>(vm, "threads", engine::kMinThreads, engine::kMaxThreads);
  const std::int64_t chunk = vm["chunk-size"].as<std::int64_t>();
  if (chunk != 0 && (chunk < static_cast<std::int64_t>(engine::kMinChunkSize) ||
                     chunk > static_cast<std::int64_t>(engine::kMaxChunkSize)))
    throw MigrateUsageError("--chunk-size must be 0 (adaptive) or between " + std::to_string(engine::kMinChunkSize) +
                            " and " + std::to_string(engine::kMaxChunkSize) + ", got " + std::to_string(chunk));
  c.chunk_size = static_cast<std::uint64_t>(chunk);
  c.target_chunk_time_ms = ranged<int>(vm, "target-chunk-time-ms", 10, 60000, " ms");
  c.dml_batch_size = ranged<int>(vm, "dml-batch-size", engine::kMinDmlBatchSize, engine::kMaxDmlBatchSize);
  c.nice_ratio = vm["nice-ratio"].as<double>();
  if (!(c.nice_ratio >= 0 && c.nice_ratio <= engine::kMaxNiceRatio))
    throw MigrateUsageError("--nice-ratio must be between 0 and 100, got " + std::to_string(c.nice_ratio));
  c.max_lag_millis = ranged<int>(vm, "max-lag-millis", engine::kMinMaxLagMillis, engine::kMaxMaxLagMillis, " ms");
  c.heartbeat_interval_millis = ranged<int>(vm, "heartbeat-interval-millis", 100, 60000, " ms");
  auto str = [&](const char* name, std::string& out) {
    if (vm.count(name)) out = vm[name].as<std::string>();
  };
  str("throttle-flag-file", c.throttle_flag_file);
  if (vm.count("throttle-control-replicas"))
    for (const auto& list : vm["throttle-control-replicas"].as<std::vector<std::string>>()) {
      std::size_t from = 0;
      while (from <= list.size()) {
        const auto comma = std::min(list.find(',', from), list.size());
        if (comma > from) c.throttle_control_replicas.push_back(list.substr(from, comma - from));
        from = comma + 1;
      }
    }
  str("max-load", c.max_load);
  str("critical-load", c.critical_load);
  c.critical_load_interval_millis = ranged<int>(vm, "critical-load-interval-millis", 0, 3'600'000, " ms");
  c.critical_load_hibernate_seconds = ranged<int>(vm, "critical-load-hibernate-seconds", 0, 86400, " s");
  str("throttle-query", c.throttle_query);
  // The same parser and ranges as the control commands, so a value works in both places.
  auto check_as_command = [](const char* flag, const std::string& value) {
    if (value.empty()) return;
    if (auto r = engine::parse_command(std::string(flag) + "=" + value); !r)
      throw MigrateUsageError("--" + std::string(flag) + ": " + r.error().context);
  };
  check_as_command("max-load", c.max_load);
  check_as_command("critical-load", c.critical_load);
  check_as_command("throttle-query", c.throttle_query);
  std::string replicas;
  for (const auto& r : c.throttle_control_replicas) replicas += (replicas.empty() ? "" : ",") + r;
  check_as_command("throttle-control-replicas", replicas);

  c.lock_conflict_retry_seconds = ranged<int>(vm, "lock-conflict-retry-seconds", 1, 86'400, " s");
  c.cut_over_lag_threshold_ms = ranged<int>(vm, "cut-over-lag-threshold-ms", 1, 3'600'000, " ms");
  c.max_applier_lag_ms = ranged<int>(vm, "max-applier-lag-ms", 0, 3'600'000, " ms");
  c.cut_over_lock_timeout_seconds = ranged<int>(vm, "cut-over-lock-timeout-seconds", 1, 60, " s");
  c.cut_over_retries = ranged<int>(vm, "cut-over-retries", 1, 1000);
  if (vm.count("postpone-cut-over-flag-file"))
    c.postpone_cut_over_flag_file = vm["postpone-cut-over-flag-file"].as<std::string>();
  if (vm.count("cut-over-window")) c.cut_over_windows = vm["cut-over-window"].as<std::vector<std::string>>();
  if (auto why = engine::validate_cut_over_windows(c.cut_over_windows))
    throw MigrateUsageError("--cut-over-window: " + *why);
  if (vm.count("cut-over-when-quiet")) {
    const double q = vm["cut-over-when-quiet"].as<double>();
    if (!(q > 0 && q < 1e12)) throw MigrateUsageError("--cut-over-when-quiet must be a positive rows/s rate");
    c.cut_over_when_quiet = q;
  }
  c.quiet_window_seconds = ranged<int>(vm, "quiet-window-seconds", 1, 3600, " s");
  str("cut-over-deadline", c.cut_over_deadline);
  if (!c.cut_over_deadline.empty()) {
    auto at = engine::parse_cut_over_deadline(c.cut_over_deadline, std::chrono::system_clock::now());
    if (!at) throw MigrateUsageError("--cut-over-deadline: " + at.error().context);
    c.cut_over_deadline_at = *at;
  }
  c.cut_over_at_deadline = vm["cut-over-at-deadline"].as<bool>();
  if (c.cut_over_at_deadline && c.cut_over_deadline.empty())
    throw MigrateUsageError("--cut-over-at-deadline needs --cut-over-deadline");

  str("serve-socket-file", c.serve_socket_file);
  c.no_serve_socket = vm["no-serve-socket"].as<bool>();
  if (vm.count("serve-tcp-port")) c.serve_tcp_port = ranged<std::uint16_t>(vm, "serve-tcp-port", 1, 65535);
  c.serve_tcp_bind = vm["serve-tcp-bind"].as<std::string>();
  str("serve-tcp-token-file", c.serve_tcp_token_file);

  str("hooks-path", c.hooks_path);
  c.hooks_timeout_seconds = ranged<int>(vm, "hooks-timeout-seconds", 1, 3600, " s");
  c.hooks_status_interval_seconds = ranged<int>(vm, "hooks-status-interval", 1, 86400, " s");

  c.log_format = vm["log-format"].as<std::string>();
  if (c.log_format != "text" && c.log_format != "json")
    throw MigrateUsageError("--log-format must be text or json, got '" + c.log_format + "'");
  c.quiet = vm["quiet"].as<bool>();
  c.verbose = vm["verbose"].as<bool>();
  c.debug = vm["debug"].as<bool>();
  if (int(c.quiet) + int(c.verbose) + int(c.debug) > 1)
    throw MigrateUsageError("choose one of --quiet, --verbose and --debug");
  c.status_interval_seconds = ranged<int>(vm, "status-interval-seconds", 1, 3600, " s");
  if (vm.count("metrics-port")) c.metrics_port = ranged<std::uint16_t>(vm, "metrics-port", 0, 65535);
  c.metrics_bind = vm["metrics-bind"].as<std::string>();

  c.ok_to_drop_table = vm["ok-to-drop-table"].as<bool>();
  c.cleanup_on_failure = vm["cleanup-on-failure"].as<bool>();
  c.skip_checksum = vm["skip-checksum"].as<bool>();
  if (const auto v = vm["checksum"].as<std::string>(); v == "off") c.skip_checksum = true;
  else if (v != "on") throw MigrateUsageError("--checksum takes on or off, got '" + v + "'");
  if (const auto v = vm["checksum-during-copy"].as<std::string>(); v == "off") c.no_checksum_during_copy = true;
  else if (v != "on") throw MigrateUsageError("--checksum-during-copy takes on or off, got '" + v + "'");
  if (vm.count("keep-old-table-in-sync")) {
    const auto d = parse_duration_seconds(vm["keep-old-table-in-sync"].as<std::string>());
    if (!d || *d < 1 || *d > 7 * 86'400)
      throw MigrateUsageError(
          "--keep-old-table-in-sync takes a duration from 1s to 7d (e.g. 90s, 30m, 24h, 2d), got '" +
          vm["keep-old-table-in-sync"].as<std::string>() + "'");
    c.keep_old_table_in_sync_seconds = *d;
  }
  apply_ghost_compat(vm, c);
  c.no_attempt_instant = vm["no-attempt-instant"].as<bool>();
  if (vm.count("backfill")) c.backfills = vm["backfill"].as<std::vector<std::string>>();
  c.allow_nondeterministic_backfill = vm["allow-nondeterministic-backfill"].as<bool>();
  c.plan_format = vm["plan-format"].as<std::string>();
  if (c.plan_format != "text" && c.plan_format != "json")
    throw MigrateUsageError("--plan-format must be text or json, got '" + c.plan_format + "'");
  if (c.no_attempt_instant && vm["attempt-instant"].as<bool>())
    throw MigrateUsageError("choose one of --attempt-instant and --no-attempt-instant");
  parse_plan_check_flags(vm, c);
  return out;
}

}  // namespace ghostcut::cli
