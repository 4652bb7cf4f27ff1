// Migrator: the phase sequencer. It creates the components, wires them together and runs them in
// the order that keeps every write (DESIGN §3):
//   create t_ghc and t_gho → start the binlog stream at the current position and the applier
//   → copy rows in chunks (the stream is already running, so no change can slip between copy and
//   stream) → wait until the applier's lag is under the threshold and the cut-over is allowed →
//   cut over → clean up.
// It does no SQL of its own beyond table set-up; components do the work.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <functional>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>

#include "engine/control/command.h"
#include "engine/control/control_server.h"
#include "engine/apply/applier.h"
#include "engine/copy/copier.h"
#include "engine/verify/checksum.h"
#include "engine/cutover/cutover.h"
#include "engine/metrics/metrics_snapshot.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/progress.h"
#include "engine/control/runtime_settings.h"
#include "engine/schedule/clock.h"
#include "engine/sql/connection_settings.h"
#include "engine/throttle/throttle_state.h"
#include "engine/throttle/throttler.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

enum class Phase { kStarting, kCopying, kVerifying, kWaitingForCutOver, kPostponed, kCuttingOver, kDone, kFailed };
std::string_view phase_name(Phase p);

struct MigratorConfig {
  ConnectionSettings connection;  // database = the table's database
  std::uint32_t server_id = 0;    // our replica id for the binlog stream
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds cut_over_lag_threshold{1000};
  std::chrono::seconds progress_interval{5};
  std::string postpone_flag_file;  // cut-over waits while this file exists
  bool drop_leftover_tables = false;
  bool ok_to_drop_table = false;   // drop t_del after a successful cut-over
  bool cleanup_on_failure = false; // drop t_gho and t_ghc when the migration fails
  CopierConfig copier;            // wait_if_throttled is set by the Migrator (the Throttler)
  ApplierConfig applier;          // on_conflict is set by the Migrator (binlog first)
  CutOverConfig cut_over;
  // Before the first cut-over: compare both tables as of one instant (engine/verify/checksum.h); a
  // mismatch fails the migration with the original untouched.
  bool checksum = true;
  // Test seam: runs after the copy, before the checksum.
  std::function<void()> after_copy;

  // Control socket / TCP port (neither: no control server). Served on the stream's io thread.
  ControlServerConfig control;
  // Throttling. The Migrator fills in the connections, database and changelog table.
  ThrottlerConfig throttle;

  // Cut-over scheduling: windows come from RuntimeSettings::cut_over_windows() (window= changes them).
  std::optional<double> cut_over_when_quiet;  // row changes/s
  std::chrono::seconds quiet_window{60};
  std::optional<std::chrono::system_clock::time_point> cut_over_deadline;
  bool cut_over_at_deadline = false;
  WallClock clock;  // empty: the system clock
  // A failed on-before-cut-over hook postpones the cut-over this long before it is tried again.
  std::chrono::milliseconds hook_retry_interval{5000};

  // Hooks (empty path: none).
  std::string hooks_path;
  std::chrono::milliseconds hooks_timeout{60000};
  std::chrono::seconds hooks_status_interval{60};

  // Prometheus /metrics (nullopt: off; 0 = any free port).
  std::optional<std::uint16_t> metrics_port;
  std::string metrics_bind = "127.0.0.1";

  // Called about once a second with the current status (a TTY status line listens).
  std::function<void(const ProgressSnapshot&)> on_status;
};

// A cut-over error that is not a cleanly undone attempt: the message says what the tables look
// like now. swapped(): the rename happened (the original table is no longer in place).
class CutOverStateError : public std::runtime_error {
 public:
  CutOverStateError(const std::string& what, bool swapped) : std::runtime_error(what), swapped_(swapped) {}
  bool swapped() const noexcept { return swapped_; }

 private:
  bool swapped_;
};

struct MigrationResult {
  std::uint64_t rows_copied = 0;
  std::uint64_t events_applied = 0;
  CutOverResult cut_over;
  std::optional<ChecksumResult> checksum;  // when it ran
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

  // Live views, thread-safe, valid at any time (parts that do not exist yet are left empty).
  ProgressSnapshot status_snapshot() const;
  std::string status_text() const;  // the control socket's `status`
  std::string status_json() const;  // `status json`: one JSON object
  MetricsSnapshot metrics_snapshot() const;
  ThrottleStatus throttle_status() const;
  // Bound ports (0 until the servers are up, or when off).
  std::uint16_t control_tcp_port() const noexcept { return control_tcp_port_.load(); }
  std::uint16_t metrics_port() const noexcept { return metrics_port_.load(); }
  // The control-socket line handler (also usable directly).
  CommandReply handle_control_line(std::string_view line);

 private:
  struct Live;  // pointers to the running components, for the live views
  void set_state(Phase p, std::string detail = {});
  std::string coordinates() const;

  MigratorConfig config_;
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<Phase> phase_{Phase::kStarting};
  mutable std::mutex state_mu_;
  std::string state_detail_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<std::uint16_t> control_tcp_port_{0};
  std::atomic<std::uint16_t> metrics_port_{0};
  mutable std::mutex live_mu_;  // guards live_ (components register and leave under it)
  std::shared_ptr<Live> live_;
};

}  // namespace ghostcut::engine
