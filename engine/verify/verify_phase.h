// Step 5: once the applier is close behind (the drain under the checksum's short lock must fit in
// the lock timeout), compare both tables as of one instant; a lock not taken in time is retried
// like a cut-over attempt, a difference fails the migration with the original untouched.
#pragma once
#include "engine/run/context.h"
#include "engine/verify/checksum.h"

namespace ghostcut::engine {

class Sync;

ChecksumResult verify_tables(MigrationContext& m, Sync& sync);

}  // namespace ghostcut::engine
