// The plan of the reverse sync (--keep-old-table-in-sync): after the cut-over the new table `t`
// is the source and the old table `t_del` the target, so every change made to the new table can
// be applied back and `revert` can swap the old table in again with nothing lost.
//
// Only where that is exact: a change of the new table must have one, lossless image in the old
// schema. So the reverse is refused (before the migration starts) when the ALTER drops a column
// (a row changed after the cut-over would lose its old value in that column), or when a unique
// key of the old table has no identical unique key in the new one (same columns, same types and
// collations): rows written after the cut-over could collide in the old table and one would be
// lost. A value that does not fit back into a narrower old type is found while syncing (the
// applier runs in strict mode and checks every warning): the reverse sync stops, loudly, and the
// revert is refused from then on.
#pragma once
#include <string>
#include <vector>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

// Why the reverse sync cannot be exact for this plan (empty: it can).
std::vector<std::string> reverse_sync_refusals(const MigrationPlan& forward);
// The reverse plan: table = the new `t`, ghost_table = `t_del` (the target), old_table = `t_rev`
// (where the new table goes at a revert), the column mapping inverted. Call only when
// reverse_sync_refusals() is empty.
MigrationPlan reverse_plan(const MigrationPlan& forward);

}  // namespace ghostcut::engine
