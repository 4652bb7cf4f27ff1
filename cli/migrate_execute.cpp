// Placeholder until the migration engine lands: --execute must fail loudly, never fake success.
#include <iostream>

#include "cli/app.h"
#include "cli/migrate_command.h"

namespace ghostcut::cli {

int run_migration(const MigrateConfig&, const engine::MigrationPlan& plan, engine::SqlConnection&) {
  std::cerr << "ghostcut migrate: --execute is not implemented yet; nothing was changed on `" << plan.database
            << "`.`" << plan.table << "` (run without --execute for the plan)\n";
  return kExitNotImplemented;
}

}  // namespace ghostcut::cli
