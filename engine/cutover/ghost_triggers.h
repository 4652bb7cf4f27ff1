// --include-triggers: the original's triggers recreated on the ghost, in the cut-over only.
//
// Why the side effects of a trigger are never applied twice: with binlog_format=ROW a trigger's
// writes to other tables are logged as those tables' own row events, and the applier applies only
// the migrated table's events, to the ghost. So nothing is re-applied AS LONG AS THE GHOST HAS NO
// TRIGGERS while the copy or the applier write to it (a ghost trigger would fire again for every
// copied or applied row). Hence: the ghost is created without triggers (CREATE TABLE … LIKE never
// copies them); they are created in the cut-over (cutover.cpp) after the original is locked and the
// applier drained through the lock position and paused, and before the sentry drop lets the RENAME
// run — so no write reaches the new table without them and none reaches the ghost with them; a
// failed attempt drops them before the applier resumes (cutover.cpp, cut_over_phase.cpp); and any
// trigger found on the ghost at start-up (a run killed between creating them and the swap) is
// dropped before anything is applied (GhostTables::create).
#pragma once
#include <string>

#include "engine/inspect/plan.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

// Creates plan.triggers on plan.ghost_table, in plan order, each with its own DEFINER, sql_mode,
// character_set_client and collation_connection. Changes `c`'s session settings: give it a
// connection of its own. Throws SqlError on the first failure (the ones created stay: drop them).
void create_ghost_triggers(SqlConnection& c, const MigrationPlan& plan);

// Drops every trigger on `table` (the ghost: all of them are ours); returns how many.
int drop_table_triggers(SqlConnection& c, const std::string& database, const std::string& table);

}  // namespace ghostcut::engine
