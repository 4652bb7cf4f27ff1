// Lock conflicts between the copier and the applier — both write the ghost table, so a copy
// chunk's inserts and an applier batch can deadlock (1213) or time out on each other's row locks
// (1205). Neither is an error of the migration: the loser's transaction was rolled back and is
// run again. What bounds the retrying is time (ConflictRetryPolicy::limit), not a small count, so
// a busy machine cannot fail a migration; only a conflict that persists that long fails it, and
// loudly, naming what held the locks.
//
// Binlog first (gh-ost's rule): while the applier retries a batch, copy workers start no new
// chunk (ApplierPriority), so the retry meets at most the chunks already running.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>

#include "engine/sql/retry.h"  // ConflictRetryPolicy

namespace ghostcut::engine {

class SqlConnection;

// The applier raises its hand while it retries a conflicting batch; copy workers wait for it
// before they start their next chunk (or retry a failed one). Thread-safe.
class ApplierPriority {
 public:
  void set_applier_retrying(bool on);
  bool applier_retrying() const;
  // Returns once the applier is not retrying, `stop` is requested or `max_wait` has passed.
  void wait_for_applier(std::stop_token stop, std::chrono::milliseconds max_wait);

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  bool retrying_ = false;
};

// Best effort, for the error message of a conflict that outlived the policy: the other open
// transactions (session id, state, age, current statement), read from information_schema.INNODB_TRX.
std::string describe_lock_holders(SqlConnection& conn);

}  // namespace ghostcut::engine
