// Migrator: the phase sequencer. It creates the components, wires them together and runs them in
// the order that keeps every write (DESIGN §3):
//   create _t_ghc and _t_gho → start the binlog stream at the current position and the applier
//   → copy rows in chunks (the stream is already running, so no change can slip between copy and
//   stream) → wait until the applier's lag is under the threshold and the cut-over is allowed →
//   cut over → clean up.
// It does no SQL of its own beyond table set-up; components do the work.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "engine/copier.h"
#include "engine/cutover.h"
#include "engine/plan.h"
#include "engine/progress.h"
#include "engine/runtime_settings.h"
#include "engine/sql/connection_settings.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

enum class Phase { kStarting, kCopying, kWaitingForCutOver, kPostponed, kCuttingOver, kDone, kFailed };
std::string_view phase_name(Phase p);

struct MigratorConfig {
  ConnectionSettings connection;  // database = the table's database
  std::uint32_t server_id = 0;    // our replica id for the binlog stream
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds cut_over_lag_threshold{1000};
  std::chrono::seconds progress_interval{5};
  std::string postpone_flag_file;  // cut-over waits while this file exists
  bool drop_leftover_tables = false;
  bool ok_to_drop_table = false;   // drop _t_del after a successful cut-over
  bool cleanup_on_failure = false; // drop _t_gho and _t_ghc when the migration fails
  CopierConfig copier;
  CutOverConfig cut_over;
};

struct MigrationResult {
  std::uint64_t rows_copied = 0;
  std::uint64_t events_applied = 0;
  CutOverResult cut_over;
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds peak_lag{0};
};

class Migrator {
 public:
  Migrator(MigratorConfig config, const MigrationPlan& plan, RuntimeSettings& runtime, ProgressCounters& progress,
           std::shared_ptr<spdlog::logger> logger);
  // Runs the whole migration. Throws on failure; before cut-over the original table is untouched.
  MigrationResult run(std::stop_token stop);
  Phase phase() const noexcept { return phase_.load(); }
  // "copying", "postponed: flag file /x", "waiting: lag 1.2s > 1s", … (for status and logs)
  std::string state() const;

 private:
  void set_state(Phase p, std::string detail = {});

  MigratorConfig config_;
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<Phase> phase_{Phase::kStarting};
  mutable std::mutex state_mu_;
  std::string state_detail_;
};

}  // namespace ghostcut::engine
