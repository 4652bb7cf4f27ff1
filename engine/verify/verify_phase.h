// Step 5: once the applier is close behind (the drain under the checksum's short lock must fit in
// the lock timeout), compare both tables as of one instant; a lock not taken in time is retried
// like a cut-over attempt, a difference fails the migration with the original untouched.
#pragma once
#include <functional>
#include "engine/run/context.h"
#include "engine/verify/checksum.h"
#include "engine/verify/checksum_behind_copy.h"

namespace ghostcut::engine {

class Sync;

// before_ghost_reads (may be empty): ChecksumOptions::before_ghost_reads — the deferred keys'
// build, running meanwhile, is awaited before the ghost is read.
// behind: the checksum behind the copy — the walk starts after what it proved, and compares again
// what the applier has written there since.
ChecksumResult verify_tables(MigrationContext& m, Sync& sync, std::function<void()> before_ghost_reads = {},
                             ChecksumBehindCopy* behind = nullptr);

}  // namespace ghostcut::engine
