#include "engine/cutover/cut_over_gate.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "engine/schedule/cut_over_window.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

bool file_exists(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

}  // namespace

CutOverGate::CutOverGate(MigrationContext& m, GateSignals& sync) : m_(m), sync_(sync), next_try_(Clock::now()) {
  policy_.quiet_rows_per_second = m.config.cut_over_when_quiet;
  policy_.deadline = m.config.cut_over_deadline;
  policy_.cut_over_at_deadline = m.config.cut_over_at_deadline;
}

CutOverGate::Closed CutOverGate::check() {
  const auto& config = m_.config;
  const bool forced = m_.runtime.cut_over_requested();
  const bool flag = file_exists(config.postpone_flag_file);
  if (m_.runtime.postpone_cut_over() || (flag && !forced)) {
    // The deadline is checked first: a hold must not outlive it silently (the binlog may be purged).
    const auto held = decide_while_postponed(policy_, config.clock());
    if (held.verdict == CutOverVerdict::kFailDeadline) throw std::runtime_error("cut-over: " + held.reason);
    if (!announced_postpone_) {
      announced_postpone_ = true;
      m_.run_gating_hook("on-begin-postponed");
    }
    std::string why = m_.runtime.postpone_cut_over() ? "postponed by the operator (unpostpone or cut-over releases it)"
                                                     : "flag file " + config.postpone_flag_file + " exists";
    if (!held.reason.empty()) why += "; " + held.reason;
    return {Phase::kPostponed, why};
  }
  // Windows are re-read each time: window= may have replaced them (parsed when they were set).
  policy_.windows = m_.runtime.parsed_cut_over_windows();
  const auto decision = decide_cut_over(policy_, config.clock(), sync_.change_rate(), forced);
  m_.status.set_next_window(decision.next_open);
  if (decision.verdict == CutOverVerdict::kFailDeadline) throw std::runtime_error("cut-over: " + decision.reason);
  if (decision.verdict == CutOverVerdict::kWait) return {Phase::kWaitingForCutOver, decision.reason};
  if (auto t = sync_.throttle_status(); t.throttled) return {Phase::kWaitingForCutOver, "throttled: " + t.to_string()};
  if (auto why = sync_.not_caught_up(config.cut_over_lag_threshold)) return {Phase::kWaitingForCutOver, *why};
  return {};
}

void CutOverGate::wait(std::uint64_t seen, Closed closed) {
  if (closed.why != last_wait_)
    m_.log->info("cut-over {}: {}", closed.phase == Phase::kPostponed ? "postponed" : "waits", closed.why);
  last_wait_ = closed.why;
  m_.status.set_state(closed.phase, std::move(closed.why));
  m_.wait_for_change(seen, std::chrono::milliseconds(50));
}

void CutOverGate::wait_until_open() {
  for (;;) {
    sync_.check_failures();
    const auto seen = m_.runtime.version();
    if (auto closed = check(); !closed.why.empty()) {
      wait(seen, std::move(closed));
      continue;
    }
    if (Clock::now() < next_try_) {
      m_.wait_for_change(seen, std::chrono::milliseconds(50));
      continue;
    }
    if (auto why = hold_ ? hold_() : std::nullopt) {
      // A hold, like the operator's: a passed deadline fails the run unless --cut-over-at-deadline.
      const auto held = decide_while_postponed(policy_, m_.config.clock());
      if (held.verdict == CutOverVerdict::kFailDeadline)
        throw std::runtime_error("cut-over: " + held.reason + "; " + *why);
      if (!held.reason.empty()) *why += "; " + held.reason;
      if (!announced_postpone_) {
        announced_postpone_ = true;
        m_.run_gating_hook("on-begin-postponed");
      }
      wait(seen, {Phase::kPostponed, std::move(*why)});
      continue;
    }
    m_.run_gating_hook("on-before-cut-over");  // a failure stops the migration (gh-ost)
    last_wait_.clear();
    return;
  }
}

}  // namespace ghostcut::engine
