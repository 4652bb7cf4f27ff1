// `ghostcut revert --database D --table T`: after a restart, swap the old table back in with every
// write made since the cut-over. It resumes the reverse sync from its checkpoint in T_ghc (written
// by `migrate --keep-old-table-in-sync`), drains it and swaps with the migration's cut-over (same
// lock, stall bound and retries); the new table is kept as T_rev (--ok-to-drop-table drops it).
// Refused, with nothing touched, when there is nothing exact to revert to (engine/revert/reverse_resume.h).
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/app.h"
#include "cli/logging.h"
#include "cli/migrate_command.h"
#include "cli/subcommands.h"
#include "engine/resume/run_guard.h"
#include "engine/revert/reverse_resume.h"

namespace ghostcut::cli {

int run_revert(const std::vector<std::string>& args) {
  ParsedMigrate parsed;
  try {
    parsed = parse_migrate_args(args, false);
  } catch (const MigrateUsageError& e) {
    std::cerr << "ghostcut revert: " << e.what() << "\n(see ghostcut revert --help)\n";
    return kExitUsage;
  }
  if (parsed.help) {
    std::cout
        << "Usage: ghostcut revert --database DB --table T [connection options] [options]\n\n"
           "Swaps the old table back in after a migration with --keep-old-table-in-sync, keeping every write\n"
           "made since the cut-over, when the process that kept the old table in sync is gone (killed,\n"
           "stopped, its host rebooted): the reverse sync resumes from its checkpoint in <table>_ghc,\n"
           "catches up and the tables are swapped with the same cut-over as the migration's. The new table\n"
           "is kept as <table>_rev (--ok-to-drop-table drops it). Refused, with nothing changed, when no\n"
           "reverse sync is checkpointed, its window has passed, it had stopped, its binlog was purged, or\n"
           "another ghostcut holds the table. While the syncing process runs, use `ghostcut ctl revert=<table>`.\n\n"
           "Of migrate's options these apply: connection, --cut-over-lock-timeout-seconds, --cut-over-retries,\n"
           "--cut-over-lag-threshold-ms, --dml-batch-size, --heartbeat-interval-millis, --server-id, hooks,\n"
           "control socket, output and --ok-to-drop-table.\n\n"
        << migrate_options_description();
    return kExitOk;
  }
  const MigrateConfig& config = parsed.config;
  const Verbosity verbosity = config.quiet     ? Verbosity::kQuiet
                              : config.debug   ? Verbosity::kDebug
                              : config.verbose ? Verbosity::kVerbose
                                               : Verbosity::kNormal;
  configure_logging(config.log_format == "json" ? LogFormat::kJson : LogFormat::kText, verbosity, nullptr);

  engine::sql_driver_init();
  std::unique_ptr<engine::SqlConnection> conn;
  try {
    conn = engine::SqlConnection::open(config.connection);
  } catch (const engine::SqlError& e) {
    std::cerr << "ghostcut revert: cannot connect as " << config.connection.redacted() << ": " << e.what() << "\n";
    return kExitFailure;
  }
  try {
    auto reverse = engine::prepare_reverse_resume(config.connection, *conn, config.database, config.table,
                                                  GHOSTCUT_VERSION, nullptr, spdlog::default_logger());
    return run_migration(config, reverse.forward, *conn, nullptr, &reverse, true);
  } catch (const engine::TableBusy& e) {
    std::cerr << "ghostcut revert: refused: " << e.what() << " If that is the ghostcut keeping the old table in "
              << "sync, ask it: ghostcut ctl --database " << config.database << " --table " << config.table
              << " revert=" << config.table << "\n";
  } catch (const engine::RevertRefused& e) {
    std::cerr << "ghostcut revert: refused: " << e.what() << ". Nothing was changed.\n";
  } catch (const std::exception& e) {
    std::cerr << "ghostcut revert: " << e.what() << "\n";
  }
  return kExitFailure;
}

}  // namespace ghostcut::cli
