// Step 6b, --keep-old-table-in-sync=DURATION: after the cut-over a second binlog stream, from the
// cut-over's lock position, applies every change of the new table `t` back onto the old table
// `t_del` (engine/revert/reverse_plan.h). Until the duration runs out, `revert=<t>` on the control
// socket drains it and swaps the old table back in with the same cut-over (same lock, same stall
// bound, same retries); the new table is kept as `t_rev`. A change that has no exact image in the
// old schema stops the reverse sync loudly and a revert is refused from then on: the migration
// itself has succeeded either way.
// The sync checkpoints itself in t_ghc (engine/revert/reverse_checkpoint.h) every second, so a
// restarted ghostcut resumes it (`ghostcut revert`, or the same `migrate` command again).
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "binlog/position.h"
#include "engine/migration_config.h"
#include "engine/run/context.h"

namespace ghostcut::engine {

class GhostTables;
class IoServices;

struct ReverseSyncStart {
  binlog::BinlogPosition position;              // the cut-over's lock position, or a resumed checkpoint's
  bool past_rename = false;                     // `position` is after the cut-over's RENAME (a resumed sync)
  std::chrono::system_clock::time_point until;  // the revert window's end
  bool revert_at_once = false;                  // `ghostcut revert`: swap back as soon as caught up
  // The run lock was lost to another process (nullopt: still ours).
  std::function<std::optional<std::string>()> lock_lost;
};

// `m` is the forward migration's context (its plan: t the new table, t_del the old one).
RevertResult keep_old_table_in_sync(MigrationContext& m, IoServices& io, const ReverseSyncStart& start,
                                    GhostTables& tables);

}  // namespace ghostcut::engine
