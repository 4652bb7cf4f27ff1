// HookQueue: hooks run in order on their own thread, so a slow hook never stalls the migration;
// the ones whose outcome matters (on-before-cut-over, on-success, on-failure) run after the queue
// drains, on the caller's thread. An empty hooks directory makes every call a no-op.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "engine/hooks/hook_environment.h"
#include "engine/hooks/hook_runner.h"

namespace ghostcut::engine {

class HookQueue {
 public:
  HookQueue(const std::string& dir, std::chrono::milliseconds timeout, std::shared_ptr<spdlog::logger> log);
  ~HookQueue();  // drains, then stops the thread
  HookQueue(const HookQueue&) = delete;
  HookQueue& operator=(const HookQueue&) = delete;

  // Periodic hooks (on-status, on-throttled) are posted with coalesce: dropped while one of the
  // same name still waits, so a slow hook cannot grow the queue without bound.
  void post(std::string name, HookContext ctx, bool coalesce = false);
  HookResult run_now(std::string_view name, const HookContext& ctx);
  // Waits for the hooks posted before this call only (later ones may keep coming).
  void drain();

 private:
  void loop(std::stop_token st);

  HookRunner runner_;
  bool enabled_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::pair<std::string, HookContext>> queue_;
  std::uint64_t posted_ = 0, done_ = 0;  // guarded by mu_
  std::jthread thread_;
};

}  // namespace ghostcut::engine
