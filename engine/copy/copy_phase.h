// Step 4: copy every row in chunks while Sync keeps the ghost in step. The copier waits while the
// throttle holds and while the applier retries a batch (binlog first).
#pragma once
#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;
class Sync;

void copy_rows(MigrationContext& m, Sync& sync, SqlConnection& main);

}  // namespace ghostcut::engine
