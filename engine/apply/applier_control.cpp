#include "engine/apply/applier_control.h"

#include "engine/apply/applier_loop.h"

namespace ghostcut::engine {

void ApplierControl::set_throttled(bool throttled) {
  std::lock_guard lk(mu_);
  if (throttled && owner_ == Owner::kThrottle && !throttle_paused_ && !throttle_stopped_) {
    applier_.pause();
    throttle_paused_ = true;
  } else if (!throttled && throttle_paused_) {
    applier_.resume();
    throttle_paused_ = false;
  }
}

void ApplierControl::take(Owner who) {
  std::lock_guard lk(mu_);
  owner_ = who;
  if (throttle_paused_) {
    applier_.resume();
    throttle_paused_ = false;
  }
}

void ApplierControl::release() {
  applier_.resume();
  std::lock_guard lk(mu_);
  owner_ = Owner::kThrottle;
}

bool ApplierControl::drain_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
  applier_.resume();
  const bool ok = applier_.drain_to(pos, deadline);
  if (ok) applier_.pause();
  return ok;
}

void ApplierControl::resume() { applier_.resume(); }

void ApplierControl::pause() { applier_.pause(); }

binlog::BinlogPosition ApplierControl::last_transaction_end() const { return applier_.last_transaction_end(); }

bool ApplierControl::run_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
  return applier_.run_to(pos, deadline);
}

void ApplierControl::stop_throttling() {
  std::lock_guard lk(mu_);
  throttle_stopped_ = true;
  if (throttle_paused_) applier_.resume();
  throttle_paused_ = false;
}

ApplierControl::Owner ApplierControl::owner() const {
  std::lock_guard lk(mu_);
  return owner_;
}

}  // namespace ghostcut::engine
