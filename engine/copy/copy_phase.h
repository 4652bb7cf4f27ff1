// Step 4: copy every row in chunks while Sync keeps the ghost in step. The copier waits while the
// throttle holds and while the applier retries a batch (binlog first).
#pragma once
#include "engine/run/context.h"
#include "engine/verify/checksum_behind_copy.h"

namespace ghostcut::engine {

class SqlConnection;
class Sync;

// `behind` set: it compares behind the copy meanwhile (stopped when the copy ends).
void copy_rows(MigrationContext& m, Sync& sync, SqlConnection& main, ChecksumBehindCopy* behind = nullptr);

}  // namespace ghostcut::engine
