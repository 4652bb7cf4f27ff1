// Step 6: wait at the gate, try the cut-over, and after an undone attempt (the original intact)
// go back to the gate — a window may have closed meanwhile — up to --cut-over-retries times.
// An error that is not an undone attempt looks at the tables before anyone is told anything.
#pragma once
#include "engine/cutover/cutover.h"
#include "engine/run/context.h"

namespace ghostcut::engine {

class GhostTables;
class Sync;

CutOverResult cut_over(MigrationContext& m, Sync& sync, GhostTables& tables);

}  // namespace ghostcut::engine
