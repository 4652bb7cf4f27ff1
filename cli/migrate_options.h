// `ghostcut migrate` flags: MigrateConfig (plain values; the defaults are the engine's, gh-ost's), the option
// groups shown by --help, and parsing + range validation. Flags may also come from an INI file
// (--config FILE, same names, no leading dashes); the command line wins over the file.
#pragma once
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/connection_settings.h"
#include "engine/create/deferred_indexes.h"
#include "engine/inspect/inspector.h"

namespace ghostcut::cli {

// Every field is set by parse_migrate_args; the flags' defaults are the engine's (migrate_options.cpp).
struct MigrateConfig {
  ConnectionSettings connection;  // from cli/connection_options.h (password never logged)

  // Migration
  std::string database;  // --database (the connection's default database too)
  std::string table;     // --table
  std::string alter;     // --alter
  bool execute = false;  // --execute; without it: dry run
  bool allow_foreign_keys = false;
  bool allow_add_unique_key = false;
  bool drop_leftover_tables = false;  // also --initially-drop-ghost-table / --initially-drop-old-table
  bool no_analyze_ghost = false;      // --no-analyze-ghost
  engine::KeyDeferral defer_secondary_indexes = engine::KeyDeferral::kAuto;  // --defer-secondary-indexes
  bool no_resume = false;           // --no-resume: start over instead of resuming an interrupted run
  std::uint32_t server_id = 0;      // --server-id; random high id when not given
  engine::TriggerOptions triggers;  // --include-triggers, --trigger-suffix, --remove-trigger-suffix-if-exists

  // Copy
  int threads{};
  std::uint64_t chunk_size{};  // 0 = adaptive
  int target_chunk_time_ms{};
  int dml_batch_size{};
  double nice_ratio{};
  int max_lag_millis{};
  int heartbeat_interval_millis{};

  int lock_conflict_retry_seconds{};  // copier/applier lock conflicts are retried this long

  // Throttle
  std::string throttle_flag_file;
  std::vector<std::string> throttle_control_replicas;  // host[:port]
  std::string max_load;                                // Var=N[,Var=N]
  std::string critical_load;                           // Var=N[,Var=N]
  int critical_load_interval_millis{};
  int critical_load_hibernate_seconds{};
  std::string throttle_query;

  // Cut-over
  int cut_over_lag_threshold_ms{};
  int max_applier_lag_ms{};
  int cut_over_lock_timeout_seconds{};
  int cut_over_retries{};
  std::string postpone_cut_over_flag_file;
  std::vector<std::string> cut_over_windows;
  std::optional<double> cut_over_when_quiet;  // row changes/s
  int quiet_window_seconds{};
  std::string cut_over_deadline;                                              // as given
  std::optional<std::chrono::system_clock::time_point> cut_over_deadline_at;  // parsed when the flags are
  bool cut_over_at_deadline = false;

  // Control
  std::string serve_socket_file;  // default <default_socket_dir()>/ghostcut.<db>.<table>.sock
  bool no_serve_socket = false;
  std::optional<std::uint16_t> serve_tcp_port;
  std::string serve_tcp_bind;
  std::string serve_tcp_token_file;  // --serve-tcp-token-file; empty: the default next to the socket

  // Hooks
  std::string hooks_path;
  int hooks_timeout_seconds{};
  int hooks_status_interval_seconds{};

  // Output
  std::string log_format;
  bool quiet = false;
  bool verbose = false;
  bool debug = false;
  int status_interval_seconds{};
  std::optional<std::uint16_t> metrics_port;
  std::string metrics_bind;

  // Safety
  bool ok_to_drop_table = false;
  bool cleanup_on_failure = false;
  bool skip_checksum = false;                       // --skip-checksum
  bool no_checksum_during_copy = false;             // --checksum-during-copy=off
  std::int64_t keep_old_table_in_sync_seconds = 0;  // --keep-old-table-in-sync=DURATION; 0: off

  // gh-ost compatibility (cli/ghost_compat.h)
  std::string panic_flag_file;                                 // --panic-flag-file: abort at once when it exists
  std::string throttle_additional_flag_file;                   // --throttle-additional-flag-file
  std::string hooks_hint, hooks_hint_owner, hooks_hint_token;  // GH_OST_HOOKS_HINT*
  bool check_flag = false;                                     // --check-flag: only say the flags exist
  std::vector<std::string> ghost_notices;                      // one per gh-ost no-op flag given, logged at start
  // The phased change (#15)
  bool no_attempt_instant = false;     // --no-attempt-instant: always copy
  std::vector<std::string> backfills;  // --backfill col=EXPR (repeatable)
  bool allow_nondeterministic_backfill = false;
  std::string plan_format = "text";                         // --plan-format text|json (the dry run's plan)
  std::string check_queries_file;                           // --check-queries FILE
  std::vector<std::string> check_queries;                   // its statements
  int check_top_digests = 10;                               // --check-top-digests N
  std::string on_plan_regression = "postpone";              // --on-plan-regression postpone|fail|warn
  std::optional<std::int64_t> kill_blockers_after_seconds;  // --kill-blockers-after; nullopt: never

  engine::InspectorConfig inspector_config() const;
};

// Every migrate option (Connection, Migration, Copy, Cut-over, Safety groups).
boost::program_options::options_description migrate_options_description();

// Parses args (after "migrate"). Throws MigrateUsageError with a clear message for an unknown
// flag, a malformed or out-of-range value, an unreadable --config file, or a missing required
// flag. `help` is set when --help was given (then nothing else is validated).
class MigrateUsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
struct ParsedMigrate {
  bool help = false;
  bool check_flag = false;  // --check-flag: every flag given exists (nothing else validated)
  MigrateConfig config;
};
// "90", "90s", "30m", "24h", "2d" → seconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);
// `ghostcut revert` takes the same flags without --alter (alter_required = false).
ParsedMigrate parse_migrate_args(const std::vector<std::string>& args, bool alter_required = true);

}  // namespace ghostcut::cli
