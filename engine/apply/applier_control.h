// ApplierControl: the one place that decides who may pause the applier. The throttle pauses it
// while throttled (the stream's bounded queue then holds the reader back; the server keeps the
// binlog). The checksum and the cut-over take it over: they drain it to a binlog position and keep
// it paused (so it never reads the RENAME); while they hold it the throttle does not touch it.
#pragma once
#include <chrono>
#include <mutex>

#include "binlog/position.h"

namespace ghostcut::engine {

class ApplierLoop;

class ApplierControl {
 public:
  enum class Owner { kThrottle, kChecksum, kCutOver };
  explicit ApplierControl(ApplierLoop& applier) : applier_(applier) {}

  // The throttle's view, applied unless the applier is taken over.
  void set_throttled(bool throttled);
  // Takes the applier over for `who` (lifting a throttle pause); release() hands it back running.
  void take(Owner who);
  void release();
  // While taken: resume, drain to `pos`; on success the applier stays paused until resume().
  bool drain_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline);
  void resume();
  // While taken, lock-free instants (the checksum on MariaDB): pause(), take a snapshot at binlog
  // position P, run_to(P) — every transaction up to P applied and none after — then resume().
  void pause();
  bool run_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline);
  binlog::BinlogPosition last_transaction_end() const;
  // On the way out: lifts the throttle's pause and stops applying it.
  void stop_throttling();
  Owner owner() const;

 private:
  ApplierLoop& applier_;
  mutable std::mutex mu_;
  Owner owner_ = Owner::kThrottle;  // guarded by mu_
  bool throttle_paused_ = false;    // guarded by mu_
  bool throttle_stopped_ = false;   // guarded by mu_
};

}  // namespace ghostcut::engine
