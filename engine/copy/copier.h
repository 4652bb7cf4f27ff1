// Copier: copies the original's rows into the ghost in keyset chunks (engine/copy/chunk_copy.h)
// on 1..N worker threads (RuntimeSettings::threads, changeable while running), with the chunk size
// adapted toward a target chunk time (or fixed by the operator).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>

#include "common/connection_settings.h"
#include "engine/control/runtime_settings.h"
#include "engine/copy/chunk_copy.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/progress.h"
#include "engine/resume/copy_progress.h"
#include "engine/sql/lock_conflict.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

struct CopierConfig {
  std::chrono::milliseconds target_chunk_time{50};  // short: writers wait on a chunk's row locks this long
  std::uint64_t initial_chunk_size = 1000;
  // Called before each chunk; blocks while the migration is throttled (returns at once otherwise).
  std::function<void(std::stop_token)> wait_if_throttled;
  // Session innodb_lock_wait_timeout for the copy connections (0 = the server's). A chunk that
  // loses a lock conflict — 1205 after waiting that long on a writer's row lock, or 1213, a
  // deadlock with the applier or a writer — did nothing (one autocommit statement) and is
  // retried: after a backoff with jitter, after wait_if_throttled (where the Migrator makes it
  // wait for a retrying applier: binlog first), with the adaptive chunk size cut to a quarter.
  // It fails, loudly, once conflict_retry.limit has passed since its first conflict, or after
  // max_chunk_attempts attempts when that is set (0 = no count limit). A lost connection (a
  // KILL, a proxy restart) is reopened and the chunk copied again, within the same time limit.
  std::chrono::seconds lock_wait_timeout{0};
  ConflictRetryPolicy conflict_retry = kCopyConflictRetry;
  int max_chunk_attempts = 0;
  // Resume (a checkpoint's copy range): copy only what lies after its low-water mark, up to its
  // max; a range marked done copies nothing. Rows below the mark count as skipped, not copied.
  std::optional<CopyRangeProgress> resume_from;
};

class Copier {
 public:
  Copier(ConnectionSettings settings, const MigrationPlan& plan, RuntimeSettings& runtime, ProgressCounters& progress,
         CopierConfig config, std::shared_ptr<spdlog::logger> logger);
  // Copies every row that exists when the copy starts (the key range is read first); returns when
  // done. Throws on failure (after stopping the other workers). Honours `stop`.
  void run(std::stop_token stop);
  // Thread-safe, any time: the copy's low-water mark (below every chunk still in flight), its
  // max and the rows copied below the mark (skipped ones included), for the checkpoint.
  CopyRangeProgress progress_mark() const;
  // Rows a resumed copy did not copy again (the checkpoint's rows below its low-water mark).
  std::uint64_t rows_skipped() const noexcept;

  struct Watermark;

 private:
  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  CopierConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<Watermark> mark_;
};

}  // namespace ghostcut::engine
