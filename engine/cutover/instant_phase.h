// Step 1c (#15): an ALTER the server can do as metadata-only (plan.instant, from the dry run's
// probe) is done natively — ALTER TABLE t <clause>, ALGORITHM=INSTANT — instead of the copy.
//
// A metadata change still needs the table's exclusive metadata lock, and a pending exclusive
// request queues every later writer behind it (MDL priority: see cutover.h (c)). Behind a long
// transaction that would stall all writers for as long as that transaction lives. So the ALTER
// runs with lock_wait_timeout = --cut-over-lock-timeout-seconds: writers wait at most that long;
// then the ALTER gives up (1205), nothing changed, and the attempt is retried like a cut-over —
// the same gate (windows, quiet threshold, postpone flag and command, throttle, the
// on-before-cut-over hook), the same --cut-over-retries and backoff, the same attempt count and
// stall in status and metrics. Each refused attempt names the lock holders.
// ALGORITHM=INSTANT makes the server refuse anything that is not metadata-only (no rewrite can
// start by surprise); such a refusal, or MySQL's row-version limit, falls back to the copy.
#pragma once
#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;

// done: the table is altered; else `declined` says why the copy is taken (nothing was changed).
InstantResult alter_instantly(MigrationContext& m, SqlConnection& main);

}  // namespace ghostcut::engine
