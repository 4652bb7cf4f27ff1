// ApplierLoop: the applier's thread. Pops whole transactions from the ReplicationStream, stops the
// migration on DDL against the original table, turns changelog heartbeats into a lag figure, and
// writes the original table's changes to the ghost through the Applier in batches of whole
// transactions holding about dml-batch-size row events, building the next batch while one is
// written. It knows how far it has applied, so the cut-over can drain to a binlog position.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "binlog/net/replication_stream.h"
#include "common/connection_settings.h"
#include "engine/apply/applier.h"
#include "engine/control/runtime_settings.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/progress.h"
#include "engine/sql/changelog.h"  // wall_clock_micros

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class ApplierLoop {
 public:
  ApplierLoop(binlog::ReplicationStream& stream, ConnectionSettings settings, const MigrationPlan& plan,
              RuntimeSettings& runtime, ProgressCounters& progress, std::shared_ptr<spdlog::logger> logger);
  ~ApplierLoop();

  // Told how many row changes of the original table each popped batch holds (the cut-over's
  // quiet-traffic meter listens). Set before start().
  void set_change_listener(std::function<void(std::uint64_t rows)> listener) { on_changes_ = std::move(listener); }
  // Told the row operations of every batch once it is committed, on the applier's thread, until
  // set again (empty: none). Thread-safe, any time (the checksum behind the copy listens).
  using WriteWatch = std::function<void(std::span<const RowOp>)>;
  void set_write_watch(WriteWatch watch);
  // The Applier's configuration (conflict retries, binlog-first hand). Set before start().
  void set_applier_config(ApplierConfig config) { applier_config_ = std::move(config); }

  // The reverse sync's stream starts at the cut-over's lock position: everything up to and
  // including the cut-over's RENAME of the table is skipped (nothing wrote the table in between,
  // it was locked), later changes are the swapped table's. Set before start().
  void skip_through_cut_over_rename() { skip_to_rename_ = true; }
  // Still looking for that RENAME (applied_position() is then not yet the new table's).
  bool skipping_to_cut_over_rename() const { return skip_to_rename_.load(); }

  void start();
  void stop();  // finishes the batch in hand, then returns; thread-safe
  // Stops popping after the batch in hand (returns once it is done); resume() undoes it. The
  // cut-over pauses after draining so the loop never reads its own RENAME.
  void pause();
  void resume();

  // True once every change up to `pos` is in the ghost; false at `deadline` or on failure.
  bool drain_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline);
  // From a pause(): applies every transaction that ends at or before `pos` and none after it
  // (those wait, in order), then stays paused until resume(). True once it holds there; false at
  // `deadline` or on failure (still paused). `pos` must be a transaction boundary at or after the
  // applied position, e.g. a snapshot's binlog position (the checksum's lock-free instant).
  bool run_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline);
  binlog::BinlogPosition applied_position() const;
  // The end of the last transaction written (applied_position() may lie past it: events that are
  // no transaction, a rotation). run_to's caller checks it is not past the snapshot's position.
  binlog::BinlogPosition last_transaction_end() const;
  // Where a resumed run may start: the applied position, but never past the start of the oldest
  // XA transaction still held (prepared, not yet committed) — a resumed run must read its rows
  // again. Replaying from there is idempotent (DESIGN §3).
  binlog::BinlogPosition checkpoint_position() const;
  // Age of the newest applied heartbeat (now − its write time): its trip time through the binlog
  // plus the time since; nullopt before the first one.
  std::optional<std::chrono::milliseconds> heartbeat_lag() const;
  std::exception_ptr failure() const;

 private:
  void run(std::stop_token stop);
  // While skip_to_rename_: drops the batch up to and including the RENAME; false if nothing is left.
  bool skip_through_rename(std::vector<binlog::Transaction>& batch);
  void fail(std::exception_ptr e);
  void set_applied(const binlog::BinlogPosition& pos);
  void set_xa_floor(std::optional<binlog::BinlogPosition> floor);

  binlog::ReplicationStream& stream_;
  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  RuntimeSettings& runtime_;
  ProgressCounters& progress_;
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  binlog::BinlogPosition applied_;
  std::optional<binlog::BinlogPosition> xa_floor_;  // XaHold::floor() of the last written batch
  std::exception_ptr failure_;
  std::atomic<std::int64_t> heartbeat_written_micros_{0};  // write time of the newest applied heartbeat
  bool pause_requested_ = false;                           // guarded by mu_
  bool paused_ = false;                                    // guarded by mu_: the loop is idle because of a pause
  std::optional<binlog::BinlogPosition> stop_at_;          // guarded by mu_: run_to's position
  binlog::BinlogPosition last_transaction_end_;            // guarded by mu_
  std::function<void(std::uint64_t)> on_changes_;
  std::mutex watch_mu_;
  WriteWatch write_watch_;  // guarded by watch_mu_
  ApplierConfig applier_config_;
  std::atomic<bool> skip_to_rename_{false};  // written by the applier thread only, after start()
  std::jthread thread_;
};

}  // namespace ghostcut::engine
