// ResumeSession: what a migration run does for crash safety, in one place so the Migrator only
// calls it at its phase boundaries:
//   begin()        — takes the table's run lock (RunGuard: one migration per table) and, when an
//                    interrupted run's t_gho/t_ghc are there and resume is on, reads its checkpoint,
//                    refuses a different plan (naming the difference) or a purged binlog, and
//                    otherwise hands back where to continue (binlog position, copy low-water mark);
//   start_writer() — writes the checkpoint every `interval` on its own connection;
//   stop()         — a last checkpoint, then the writer stops (before t_ghc is dropped).
// The phase is read from `phase` (ResumeSessionConfig); a change is written at once.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/copy/copier.h"
#include "engine/resume/checkpoint.h"
#include "engine/resume/resume.h"
#include "engine/resume/run_guard.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

struct ResumeSessionConfig {
  bool resume = true;   // off: --no-resume (the leftovers were dropped by then)
  std::string version;  // ghostcut version, part of the plan's identity
  std::chrono::milliseconds interval{1000};
  std::function<std::string()> phase;  // the run's phase now ("copying", "postponed", …)
};

class ResumeSession {
 public:
  ResumeSession(ConnectionSettings settings, const MigrationPlan& plan, ResumeSessionConfig config,
                std::shared_ptr<spdlog::logger> logger);
  ~ResumeSession();

  // Throws TableBusy (another run holds the table), or std::runtime_error for a refused resume.
  // Returns the checkpoint to resume from, or nullopt for a fresh run (no leftovers).
  std::optional<Checkpoint> begin(SqlConnection& conn);
  bool resuming() const { return resumed_.has_value(); }
  const std::optional<Checkpoint>& resumed() const { return resumed_; }

  // `applied`: the applier's last fully applied position (read by the writer each time; cheap).
  void start_writer(std::function<binlog::BinlogPosition()> applied);
  // The copier's low-water mark is read from it while it runs; its final mark is kept after.
  void copier_started(const Copier* copier);
  void copier_finished(const Copier& copier);
  void stop();
  // Rows the interrupted run had copied below its low-water mark (not copied again).
  std::uint64_t rows_skipped() const;
  // The run lock was lost to another run: stop the migration.
  std::optional<std::string> failure() const;

 private:
  Checkpoint snapshot();

  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  ResumeSessionConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<RunGuard> guard_;
  PlanIdentity identity_;
  std::optional<Checkpoint> resumed_;
  std::function<binlog::BinlogPosition()> applied_;
  std::mutex mu_;
  const Copier* copier_ = nullptr;  // guarded by mu_
  mutable std::mutex skipped_mu_;
  std::uint64_t skipped_ = 0;              // guarded by skipped_mu_
  std::jthread phase_watch_;               // writes at once when the phase changes
  std::optional<CopyRangeProgress> copy_;  // guarded by mu_: the last known copy progress
  std::unique_ptr<CheckpointWriter> writer_;
};

}  // namespace ghostcut::engine
