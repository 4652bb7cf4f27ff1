// Cut-over: swap the original and the ghost atomically, so concurrent clients only wait — none
// sees "table doesn't exist" or writes to the old table after the swap.
//
// The queued rename (gh-ost's two-connection cut-over; it works on MariaDB, which refuses RENAME
// TABLE under LOCK TABLES with error 1192, and on every MySQL):
//   1. lock conn:   CREATE TABLE t_del (sentry)              — makes the rename fail unless we drop it
//   2. lock conn:   LOCK TABLES t WRITE, t_del WRITE          — writers to t now wait (stall starts)
//   3. lock conn:   binlog position → P                       — every committed write to t is before P
//   4. rename conn: RENAME TABLE t TO t_del, t_gho TO t       — pending on t's metadata lock
//   5. drain:       wait until the applier has applied the binlog through P
//   5b. trigger conn: --include-triggers only: CREATE TRIGGER … ON t_gho (ghost_triggers.h)
//   6. lock conn:   DROP TABLE t_del
//   7. lock conn:   UNLOCK TABLES                             — the pending RENAME goes first; writers
//                                                               resume on the new t (stall ends)
//   8. server:      the RENAME has ended; swapped or not is read from the tables, not the client
//
// Why no write can land in the old table after P (the argument the design rests on):
//  a) The server takes a statement's metadata locks in one sorted batch (MDL_context::acquire_locks
//     sorts the requests by key: namespace, then schema and name compared byte-wise with memcmp
//     over the NUL-terminated names, on MariaDB and MySQL alike). The ghost and sentry names are
//     the table's name plus a suffix (query_builder.h), and a proper prefix sorts first, so t is
//     the RENAME's FIRST table lock (lower_case_table_names keeps that: both sides are folded).
//  b) We hold t (LOCK TABLES … WRITE) from step 2 to 7, so the RENAME cannot get past t: while its
//     session shows "Waiting for table metadata lock" (PROCESSLIST), it waits for t and holds no
//     other table. That state is what step 4 waits for, and it is re-read before step 7.
//  c) When step 7 releases t, the server grants the waiters in queue order, but a pending
//     EXCLUSIVE request (the RENAME) is incompatible with the SHARED_WRITE a DML statement needs,
//     and pending exclusive requests have priority (MDL "hog" locks; max_write_lock_count is
//     unlimited by default): every writer queued on t waits until the RENAME is done, and then
//     opens the NEW t. A writer never sees a state between "old t, locked" and "new t".
//  d) Writes committed before step 2 are in the binlog before P (LOCK TABLES waits for every
//     transaction that touched t), and the drain (step 5) applied them before step 6.
//  e) If the RENAME is not pending at step 7 (it failed, was killed, timed out), it has ended and
//     can never take t: writers continue on the original, nothing is swapped, the applier goes on.
// MariaDB's backup locks (f): its RENAME takes the table locks first and then only TRIES the backup
// lock; a BACKUP STAGE BLOCK_DDL or FLUSH TABLES WITH READ LOCK waiting behind our lock is granted
// at the unlock, the RENAME's try fails, it gives t back and waits — and writers queued on t commit
// to the OLD table (CutOverTest.ABackupStageWaitingAtTheUnlockCannotMisplaceAQueuedWrite lost a
// write this way). So before step 7 the process list is searched for such a request; if one waits,
// the RENAME is killed (confirmed ended on the server) and the unlock leaves the original live; the
// attempt is retried. Left open: a backup request arriving in the microseconds between that check
// and the unlock; the planned net is a binlog check between P and the RENAME. MySQL takes its
// backup lock in the same sorted batch, before the table locks, so it is not affected.
// The sentry exists so that every abort before step 6 is safe: UNLOCK with the sentry in place
// makes the RENAME fail (its target exists); the sentry is dropped only once the server shows the
// RENAME's session is no longer running it. After step 6 the drain is complete, so the RENAME
// completing is the successful outcome, whatever happens to ghostcut: a killed process or lost
// lock connection releases the lock and the RENAME swaps a fully drained ghost.
// Bounds: lock_wait_timeout on both connections and the drain deadline (--cut-over-lock-timeout);
// a RENAME still blocked a lock-timeout after the unlock (another session holds the ghost or
// sentry name) is killed, which leaves the original live. The lock and rename sessions set
// wait_timeout/net_*_timeout so that the server itself ends them, releasing the lock, when a
// stopped or partitioned ghostcut goes silent (session_idle_bound).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "binlog/position.h"
#include "common/connection_settings.h"
#include "engine/inspect/plan.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

// The steps of one attempt, for the fault-injection seam (crash drills).
enum class CutOverStep {
  kSentryCreated,
  kLocked,
  kRenameQueued,
  kDrained,
  kSentryDropped,
  kUnlocked,
  kTriggersCreated
};
const char* to_string(CutOverStep s);
std::optional<CutOverStep> parse_cut_over_step(const std::string& s);

// The attempt's server sessions, for fault-injection tests (KILL CONNECTION of either).
struct CutOverSessions {
  std::uint64_t lock_id = 0, rename_id = 0;
};

struct CutOverConfig {
  std::chrono::seconds lock_timeout{3};
  int retries = 5;  // attempts after the first
  std::chrono::milliseconds retry_backoff{1000};
  // Test seam: called after the RENAME is queued and the drain is done, before the sentry drop;
  // throwing aborts the attempt (Spirit's testInjectRenameError style).
  std::function<void(int attempt)> before_unlock;
  // Test seam: called after each step; may throw (the attempt reacts as to any error there) or
  // end the process (crash drills: GHOSTCUT_TEST_CUT_OVER_FAULT in the CLI).
  std::function<void(CutOverStep, const CutOverSessions&)> at_step;
};

// How long the server keeps an idle lock or rename session of a silent ghostcut: a few lock
// timeouts. A stopped ghostcut's LOCK TABLES is released by the server within this bound.
std::chrono::seconds session_idle_bound(std::chrono::seconds lock_timeout);

struct CutOverResult {
  int attempts = 0;
  std::chrono::milliseconds write_stall{0};  // of the successful attempt: lock held → rename done
  binlog::BinlogPosition lock_position;      // read under that attempt's lock (CutOver::lock_position)
};

// One failed attempt, undone: the original is intact.
class CutOverAborted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CutOver {
 public:
  // drain(P, deadline) returns true once every change up to binlog position P is in the ghost.
  using DrainFn = std::function<bool(const binlog::BinlogPosition&, std::chrono::steady_clock::time_point)>;

  CutOver(ConnectionSettings settings, const MigrationPlan& plan, CutOverConfig config, DrainFn drain,
          std::shared_ptr<spdlog::logger> logger);

  // One attempt; throws CutOverAborted after undoing it (the original intact), or another error
  // when the state is unknown (then it says so and what it found). The Migrator retries.
  std::chrono::milliseconds attempt(int n);
  // The binlog position read under the last attempt's lock: nothing changed the table between it
  // and the RENAME, so a stream from here sees the swapped table's changes right after the RENAME.
  const binlog::BinlogPosition& lock_position() const { return lock_position_; }

 private:
  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  CutOverConfig config_;
  DrainFn drain_;
  std::shared_ptr<spdlog::logger> log_;
  binlog::BinlogPosition lock_position_;
};

}  // namespace ghostcut::engine
