// Waiting and retrying, for every engine loop: an interruptible sleep, the backoff policy for
// statements that lost a lock conflict or their connection, and a budget that decides, by the
// error's SqlErrorCategory, whether one more attempt is allowed.
#pragma once
#include <chrono>
#include <cstdint>
#include <stop_token>

#include "engine/sql/sql_error.h"

namespace ghostcut::engine {

// Sleeps for `d` or until `stop` fires; false when it was woken by `stop`.
bool sleep_for(std::stop_token stop, std::chrono::nanoseconds d);

struct ConflictRetryPolicy {
  std::chrono::milliseconds limit{std::chrono::minutes(2)};  // keep retrying one batch/chunk this long
  std::chrono::milliseconds initial_backoff{20};
  std::chrono::milliseconds max_backoff{2000};
  // The pause before retry n (1-based): exponential, capped, with jitter — uniform in
  // [½, 1] × min(max, initial × 2^(n−1)) — so two losers do not retry in lockstep.
  std::chrono::milliseconds backoff(int n, std::uint64_t random) const;
};

// The applier's batches retry on the default policy above; a copy chunk backs off longer: it is
// one large statement, and a retry that comes back at once meets the same writers' locks.
inline constexpr ConflictRetryPolicy kCopyConflictRetry{std::chrono::minutes(2), std::chrono::milliseconds(100),
                                                        std::chrono::milliseconds(5000)};

// One step retried under a policy: the attempts so far and the time since the budget was made.
class RetryBudget {
 public:
  explicit RetryBudget(const ConflictRetryPolicy& policy)
      : policy_(policy), started_(std::chrono::steady_clock::now()) {}

  // True when `e` is of the `retried` category, `stop` has not fired and the policy's time limit
  // has not passed.
  bool allows(const SqlError& e, SqlErrorCategory retried, const std::stop_token& stop) const;
  // Counts an attempt and returns the pause before it.
  std::chrono::milliseconds next_backoff(std::uint64_t random);
  int attempts() const { return attempts_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

 private:
  ConflictRetryPolicy policy_;
  std::chrono::steady_clock::time_point started_;
  int attempts_ = 0;
};

}  // namespace ghostcut::engine
