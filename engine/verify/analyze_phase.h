// Step 5b (on by default; --no-analyze-ghost skips it): ANALYZE TABLE on the ghost before the
// cut-over, so the first queries after the swap are planned with statistics of the full table,
// not of the empty table the ghost was when InnoDB last sampled it. Binlogged, so replicas
// refresh theirs too. Statistics only steer plans: a failure is logged, never fatal.
#pragma once
#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;

void analyze_ghost(MigrationContext& m, SqlConnection& main);

}  // namespace ghostcut::engine
