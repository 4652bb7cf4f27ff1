// --kill-blockers-after SECONDS (#15; opt-in, as Spirit's --force-kill): before each cut-over or
// instant-ALTER attempt, the sessions that hold the table's metadata lock (a transaction that
// read or wrote it, LOCK TABLES, a long query) and have held it — their transaction, or their
// command when there is none — for at least SECONDS are killed (KILL CONNECTION: the server rolls
// their transaction back and releases the lock), each logged with who, what and how long. Younger
// holders are left; the attempt then waits at most the lock timeout and the next attempt looks
// again. Only exact holders are killed: MySQL performance_schema.metadata_locks, MariaDB's
// METADATA_LOCK_INFO plugin (engine/inspect/phased_queries.h LockView). Where neither is
// available the dry run refuses the flag, and at the attempt nothing is killed (a warning says so).
// Never ghostcut's own sessions: the ids given, and any session running a statement tagged
// `/* ghostcut …`.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/inspect/lock_holders.h"
#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;

// Returns the sessions it killed.
std::vector<LockHolder> kill_blockers(const MigrationContext& m, SqlConnection& admin, std::chrono::seconds after,
                                      const std::vector<std::uint64_t>& own);

}  // namespace ghostcut::engine
