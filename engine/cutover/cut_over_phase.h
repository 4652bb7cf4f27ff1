// Step 6: wait at the gate, try the cut-over, and after an undone attempt (the original intact)
// go back to the gate — a window may have closed meanwhile — up to --cut-over-retries times.
// An error that is not an undone attempt looks at the tables before anyone is told anything.
#pragma once
#include "engine/cutover/cutover.h"
#include "engine/run/context.h"

namespace ghostcut::engine {

class ApplierControl;
class GhostTables;
class Sync;

CutOverResult cut_over(MigrationContext& m, Sync& sync, GhostTables& tables);

// The forward cut-over's and the revert's shared steps: a CutOver on m's plan whose drain step is
// the applier's, and one attempt of it (the caller holds the applier for it) as a result.
CutOver applier_cut_over(MigrationContext& m, ApplierControl& applier);
CutOverResult attempt_swap(CutOver& cutover, int attempt);

}  // namespace ghostcut::engine
