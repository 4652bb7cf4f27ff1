// Migrator: the sequencer. It runs the steps of the README's "What happens, in order", each in a
// file of its own, in the order that keeps every write (DESIGN §3):
//   create t_ghc and t_gho (create/) → start the binlog stream at the current position, the
//   applier, throttle, heartbeats and watchdog (run/sync) → copy rows in chunks (copy/; the stream
//   is already running, so no change can slip between copy and stream) → checksum (verify/) →
//   wait at the gate and cut over (cutover/) → clean up (create/).
// The io thread and its servers (run/io_services), the hook queue (hooks/) and the live views
// (metrics/migration_status) have homes of their own.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "engine/control/command.h"
#include "engine/control/runtime_settings.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/metrics_snapshot.h"
#include "engine/metrics/migration_status.h"
#include "engine/metrics/progress.h"
#include "engine/migration_config.h"
#include "engine/phase.h"
#include "engine/throttle/throttle_state.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

struct ReverseResume;
struct MigrationContext;
class GhostTables;
class IoServices;
class QueryBuilder;
class ResumeSession;
class SqlConnection;

class Migrator {
 public:
  Migrator(MigratorConfig config, const MigrationPlan& plan, RuntimeSettings& runtime, ProgressCounters& progress,
           std::shared_ptr<spdlog::logger> logger);
  // Runs the whole migration. Throws on failure; before cut-over the original table is untouched.
  MigrationResult run(std::stop_token stop);
  // After a restart: resumes the checkpointed reverse sync (engine/revert/reverse_resume.h; this
  // Migrator's plan is `from.forward`) until its window ends; `revert_at_once` swaps the old table
  // back as soon as it has caught up (`ghostcut revert`). Defined in engine/revert/reverse_resume.cpp.
  MigrationResult resume_reverse_sync(std::stop_token stop, const ReverseResume& from, bool revert_at_once);
  Phase phase() const noexcept { return status_.phase(); }
  // "copying", "postponed: flag file /x", "waiting: lag 1.2s > 1s", … (for status and logs)
  std::string state() const { return status_.state(); }

  // Live views, thread-safe, valid at any time (parts that do not exist yet are left empty).
  ProgressSnapshot status_snapshot() const { return status_.snapshot(); }
  std::string status_text() const { return status_.text(); }  // the control socket's `status`
  std::string status_json() const { return status_.json(); }  // `status json`: one JSON object
  MetricsSnapshot metrics_snapshot() const { return status_.metrics(); }
  ThrottleStatus throttle_status() const { return status_.throttle_status(); }
  // Bound ports (0 until the servers are up, or when off).
  std::uint16_t control_tcp_port() const noexcept { return control_tcp_port_.load(); }
  std::uint16_t metrics_port() const noexcept { return metrics_port_.load(); }
  // The control-socket line handler (also usable directly).
  CommandReply handle_control_line(std::string_view line);

 private:
  // What run() and resume_reverse_sync() both start with: the plan's queries, the session settings,
  // and the io thread's servers (the control socket and /metrics answer from the start).
  QueryBuilder query_builder() const;
  ConnectionSettings session_settings() const;
  void serve(IoServices& io);
  struct Session;  // engine/migrator_session.h
  // Steps 2-6b of run(): create the ghost, stream, copy, verify, cut over, keep the old table in sync.
  void copy_and_cut_over(MigrationContext& m, IoServices& io, SqlConnection& main, GhostTables& tables,
                         ResumeSession& resume, MigrationResult& result);

  MigratorConfig config_;
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  std::shared_ptr<spdlog::logger> log_;
  MigrationStatus status_;
  std::atomic<std::uint16_t> control_tcp_port_{0};
  std::atomic<std::uint16_t> metrics_port_{0};
};

}  // namespace ghostcut::engine
