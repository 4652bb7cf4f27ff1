// Polls a condition until it holds or the time is up (tests wait on live state this way, never
// with a fixed sleep). Returns the condition's last value.
#pragma once
#include <chrono>
#include <functional>
#include <thread>

namespace ghostcut::test {

inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(poll);
  }
  return cond();
}

}  // namespace ghostcut::test
