// Sync: everything that keeps the ghost table in sync and watches the run, from the moment the
// binlog stream starts (before the first row is copied) until the cut-over: the throttler, the
// stream, the applier and who may pause it, the change-rate meter, the heartbeat writer, a
// watchdog (any failure stops every worker; the throttle pauses the applier; on-throttled fires)
// and the progress reporter (log line, on-status hook, the TTY status line).
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "engine/apply/applier_control.h"
#include "engine/apply/applier_loop.h"
#include "engine/cutover/cut_over_gate.h"
#include "engine/metrics/migration_status.h"
#include "engine/run/context.h"
#include "engine/run/heartbeat_writer.h"
#include "engine/run/io_services.h"
#include "engine/schedule/change_rate_meter.h"
#include "engine/sql/lock_conflict.h"
#include "engine/throttle/throttler.h"

namespace ghostcut::engine {

class SqlConnection;

class Sync : public GateSignals {
 public:
  // Starts everything; the stream from `main`'s current binlog position, or — for the reverse
  // sync, whose plan's table is the new table — from the cut-over's lock position, skipping
  // through the cut-over's RENAME (`skip_rename`; false: a resumed reverse sync's checkpoint,
  // already past it).
  Sync(MigrationContext& m, IoServices& io, SqlConnection& main,
       std::optional<binlog::BinlogPosition> cut_over_lock_position = std::nullopt, bool skip_rename = true);
  ~Sync() override;
  Sync(const Sync&) = delete;
  Sync& operator=(const Sync&) = delete;

  ApplierLoop& applier() { return *applier_; }
  ApplierControl& applier_control() { return *control_; }
  ApplierPriority& priority() { return priority_; }
  Throttler& throttler() { return *throttler_; }
  double change_rate() const override;
  ThrottleStatus throttle_status() const override { return throttler_->status(); }
  // Lag is under `threshold` (a heartbeat's trip through the binlog, so the backlog is small);
  // otherwise why not.
  std::optional<std::string> not_caught_up(std::chrono::milliseconds threshold) const override;
  std::chrono::milliseconds peak_lag() const { return std::chrono::milliseconds(peak_lag_ms_.load()); }
  // Binlog first: while the applier lags more than config.max_applier_lag behind the binlog, a
  // copy worker waits here (until the lag is back under half the limit, or `stop`).
  void yield_to_applier(std::stop_token stop);
  // Throws the first failure of any part (also a panic, an interrupt, a silent heartbeat).
  void check_failures() const override;
  // After the cut-over: the applier, heartbeats, watchdog and reporter stop; so does the stream,
  // and its dump thread on the server is killed (release_dump_thread).
  void stop();

 private:
  bool failed() const;
  void watch(std::stop_token stop);
  void report(std::stop_token stop);
  // A closed dump connection's server thread lives on until a write to it fails: a heartbeat
  // later (a second). Meanwhile the next run on this server counts it as a replica reading the
  // binlog (and does not defer its keys), so it is killed at once.
  void release_dump_thread() noexcept;

  MigrationContext& m_;
  SqlConnection& main_;
  bool dump_released_ = false;
  std::unique_ptr<Throttler> throttler_;
  binlog::ReplicationStream* stream_ = nullptr;  // owned by IoServices, which outlives us
  ChangeRateMeter meter_;
  ApplierPriority priority_;
  std::unique_ptr<ApplierLoop> applier_;
  std::unique_ptr<ApplierControl> control_;
  std::unique_ptr<MigrationStatus::Attachment> attachment_;
  std::unique_ptr<HeartbeatWriter> heartbeat_;
  std::atomic<std::int64_t> peak_lag_ms_{0};
  std::atomic<int> yielding_{0};  // copy workers waiting in yield_to_applier
  std::jthread watchdog_;
  std::jthread reporter_;
};

}  // namespace ghostcut::engine
