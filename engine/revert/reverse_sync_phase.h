// Step 6b, --keep-old-table-in-sync=DURATION: after the cut-over a second binlog stream, from the
// cut-over's lock position, applies every change of the new table `t` back onto the old table
// `t_del` (engine/revert/reverse_plan.h). Until the duration runs out, `revert=<t>` on the control
// socket drains it and swaps the old table back in with the same cut-over (same lock, same stall
// bound, same retries); the new table is kept as `t_rev`. A change that has no exact image in the
// old schema stops the reverse sync loudly and a revert is refused from then on: the migration
// itself has succeeded either way.
#pragma once
#include "binlog/position.h"
#include "engine/migration_config.h"
#include "engine/run/context.h"

namespace ghostcut::engine {

class GhostTables;
class IoServices;

RevertResult keep_old_table_in_sync(MigrationContext& m, IoServices& io, const binlog::BinlogPosition& lock_position,
                                    GhostTables& tables);

}  // namespace ghostcut::engine
