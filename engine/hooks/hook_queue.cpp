#include "engine/hooks/hook_queue.h"

#include "common/thread_name.h"

namespace ghostcut::engine {

HookQueue::HookQueue(const std::string& dir, std::chrono::milliseconds timeout, std::shared_ptr<spdlog::logger> log)
    : runner_(dir, timeout, std::move(log)), enabled_(!dir.empty()) {
  if (enabled_) thread_ = std::jthread([this](std::stop_token st) { loop(st); });
}

HookQueue::~HookQueue() {
  if (!enabled_) return;
  drain();
  thread_.request_stop();
  cv_.notify_all();
}

void HookQueue::post(std::string name, HookContext ctx, bool coalesce) {
  if (!enabled_) return;
  std::lock_guard lk(mu_);
  if (coalesce)
    for (const auto& q : queue_)
      if (q.first == name) return;
  queue_.emplace_back(std::move(name), std::move(ctx));
  ++posted_;
  cv_.notify_all();
}

HookResult HookQueue::run_now(std::string_view name, const HookContext& ctx) {
  if (!enabled_) return {};
  drain();
  return runner_.run(name, ctx);
}

void HookQueue::drain() {
  std::unique_lock lk(mu_);
  const auto target = posted_;
  cv_.wait(lk, [&] { return done_ >= target; });
}

void HookQueue::loop(std::stop_token st) {
  name_this_thread("gc-hooks");
  std::unique_lock lk(mu_);
  while (!st.stop_requested()) {
    cv_.wait(lk, st, [&] { return !queue_.empty(); });
    if (queue_.empty()) continue;
    auto [name, ctx] = std::move(queue_.front());
    queue_.pop_front();
    lk.unlock();
    runner_.run(name, ctx);  // failures are logged by the runner; only on-before-cut-over gates
    lk.lock();
    ++done_;
    cv_.notify_all();
  }
}

}  // namespace ghostcut::engine
