// `ghostcut migrate`: parse flags, inspect (read-only), print the plan; with --execute hand over
// to run_migration (cli/migrate_execute.cpp), which does the actual work.
#pragma once
#include <memory>

#include "cli/migrate_options.h"
#include "engine/inspect/plan.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::cli {

class StatusDisplay;
}
namespace ghostcut::engine {
struct ReverseResume;
}
namespace ghostcut::cli {

// Runs the migration the plan describes on `conn` (the inspector's connection, on the plan's
// database); returns an exit code from app.h. Drops plan.leftover_tables first when present.
// `display` (may be null) shows the live status line on a terminal.
// `reverse` (engine/revert/reverse_resume.h; plan is its `forward`): resume a checkpointed reverse
// sync instead; `revert_at_once` swaps the old table back as soon as it has caught up.
int run_migration(const MigrateConfig& config, const engine::MigrationPlan& plan, engine::SqlConnection& conn,
                  std::shared_ptr<StatusDisplay> display = nullptr, const engine::ReverseResume* reverse = nullptr,
                  bool revert_at_once = false);

}  // namespace ghostcut::cli
