#include "cli/migrate_command.h"

#include <iostream>

#include "cli/app.h"
#include "cli/subcommands.h"
#include "engine/inspector.h"

namespace ghostcut::cli {

int run_migrate(const std::vector<std::string>& args) {
  ParsedMigrate parsed;
  try {
    parsed = parse_migrate_args(args);
  } catch (const MigrateUsageError& e) {
    std::cerr << "ghostcut migrate: " << e.what() << "\n(see ghostcut migrate --help)\n";
    return kExitUsage;
  }
  if (parsed.help) {
    std::cout << "Usage: ghostcut migrate --database DB --table T --alter \"ADD COLUMN c INT\" [--execute] [options]\n\n"
                 "Without --execute this is a dry run: the table is inspected (read-only; the ALTER is tried\n"
                 "on a temporary copy only this session sees) and the plan is printed.\n\n"
              << migrate_options_description();
    return kExitOk;
  }
  const MigrateConfig& config = parsed.config;

  engine::sql_driver_init();
  std::unique_ptr<engine::SqlConnection> conn;
  try {
    conn = engine::SqlConnection::open(config.connection);
  } catch (const engine::SqlError& e) {
    // SqlError text is the server's/driver's message; the password is never part of it.
    std::cerr << "ghostcut migrate: cannot connect as " << config.connection.redacted() << ": " << e.what() << "\n";
    return kExitFailure;
  }

  engine::MigrationPlan plan;
  try {
    engine::Inspector inspector(*conn, config.inspector_config());
    plan = inspector.inspect(config.database, config.table, config.alter);
  } catch (const engine::InspectionError& e) {
    std::cerr << "ghostcut migrate: " << e.what() << "\n";
    return kExitFailure;
  } catch (const engine::SqlError& e) {
    std::cerr << "ghostcut migrate: inspecting `" << config.database << "`.`" << config.table
              << "` failed: " << e.what() << "\n";
    return kExitFailure;
  }

  if (!config.execute) {
    std::cout << plan.describe() << "\nDry run: nothing was changed. Add --execute to migrate.\n";
    return kExitOk;
  }
  std::cout << plan.describe() << std::flush;
  return run_migration(config, plan, *conn);
}

}  // namespace ghostcut::cli
