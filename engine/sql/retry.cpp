#include "engine/sql/retry.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace ghostcut::engine {

bool sleep_for(std::stop_token stop, std::chrono::nanoseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lk(m);
  cv.wait_for(lk, stop, d, [] { return false; });
  return !stop.stop_requested();
}

std::chrono::milliseconds ConflictRetryPolicy::backoff(int n, std::uint64_t random) const {
  const int shift = std::clamp(n - 1, 0, 30);
  const auto full = std::min<std::int64_t>(max_backoff.count(), initial_backoff.count() << std::min(shift, 20));
  const auto half = full / 2;
  return std::chrono::milliseconds(
      half + (full - half > 0 ? static_cast<std::int64_t>(random % static_cast<std::uint64_t>(full - half + 1)) : 0));
}

bool RetryBudget::allows(const SqlError& e, SqlErrorCategory retried, const std::stop_token& stop) const {
  return e.category() == retried && !stop.stop_requested() &&
         std::chrono::steady_clock::now() - started_ < policy_.limit;
}

std::chrono::milliseconds RetryBudget::next_backoff(std::uint64_t random) {
  return policy_.backoff(++attempts_, random);
}

}  // namespace ghostcut::engine
