// MigrationStatus: the live views of one migration (status line, `status` text and JSON, the
// Prometheus snapshot, coordinates), thread-safe and valid at any time: parts that do not run yet
// are left empty. The running components attach for as long as they live (Attachment, RAII).
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/control/runtime_settings.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/metrics_snapshot.h"
#include "engine/metrics/progress.h"
#include "engine/phase.h"
#include "engine/throttle/throttle_state.h"

namespace ghostcut::binlog {
class ReplicationStream;
}

namespace ghostcut::engine {

class ApplierLoop;
class Throttler;

class MigrationStatus {
 public:
  MigrationStatus(const MigrationPlan& plan, RuntimeSettings& runtime, ProgressCounters& progress,
                  std::string postpone_flag_file);

  void restart_clock() { started_ = std::chrono::steady_clock::now(); }
  std::chrono::steady_clock::time_point started() const { return started_; }
  void set_state(Phase p, std::string detail = {});
  Phase phase() const noexcept { return phase_.load(); }
  std::string state() const;  // "copying", "postponed: flag file /x", …

  // Detaches in its destructor: declare it right after the components it points at.
  class Attachment {
   public:
    Attachment(MigrationStatus& status, const ApplierLoop& applier, const binlog::ReplicationStream& stream,
               const Throttler& throttler);
    ~Attachment();
    Attachment(const Attachment&) = delete;
    Attachment& operator=(const Attachment&) = delete;

   private:
    MigrationStatus& status_;
  };
  void set_next_window(std::optional<std::chrono::system_clock::time_point> next);
  // While the old table is kept in sync: until when a revert is possible (nullopt: not possible).
  void set_revert_until(std::optional<std::chrono::system_clock::time_point> until);
  // A cut-over attempt and how long it held writers.
  void record_cut_over_attempt(int attempt, std::chrono::duration<double> stall);
  // #15 plan check (engine/verify/plan_check.h): the regressions as `status` lines (empty: none)
  // and the check as a JSON object for `status json` ("plan_check").
  void set_plan_check(std::string text, std::string json);
  std::string plan_check_text() const;

  ProgressSnapshot snapshot() const;
  std::string text() const;  // the control socket's `status`
  std::string json() const;  // `status json`: one JSON object
  MetricsSnapshot metrics() const;
  ThrottleStatus throttle_status() const;
  std::string coordinates() const;

 private:
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  const std::string postpone_flag_file_;
  std::atomic<Phase> phase_{Phase::kStarting};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mu_;  // guards what follows
  std::string detail_;
  const ApplierLoop* applier_ = nullptr;
  const binlog::ReplicationStream* stream_ = nullptr;
  const Throttler* throttler_ = nullptr;
  std::optional<std::chrono::system_clock::time_point> next_window_;
  std::optional<std::chrono::system_clock::time_point> revert_until_;
  int cut_over_attempts_ = 0;
  std::vector<double> stalls_;  // seconds, per attempt
  std::string plan_check_text_, plan_check_json_;
};

}  // namespace ghostcut::engine
