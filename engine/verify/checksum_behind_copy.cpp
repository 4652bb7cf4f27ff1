#include "engine/verify/checksum_behind_copy.h"

#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "engine/apply/applier_control.h"
#include "engine/run/sync.h"
#include "engine/sql/retry.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/throttle/throttler.h"
#include "engine/verify/checksum.h"

namespace ghostcut::engine {

ChecksumBehindCopy::ChecksumBehindCopy(MigrationContext& m, Sync& sync, std::function<CopyRangeProgress()> mark)
    : m_(m), sync_(sync), mark_(std::move(mark)), thread_([this](std::stop_token st) { run(st); }) {}

ChecksumBehindCopy::~ChecksumBehindCopy() { finish(); }

ChecksumBehindCopy::Verified ChecksumBehindCopy::finish() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  std::lock_guard lk(mu_);
  return verified_;
}

void ChecksumBehindCopy::run(std::stop_token stop) {
  name_this_thread("gc-checksum-0");
  SqlThreadGuard guard;
  const auto abort = m_.abort.get_token();
  auto stopped = [&] { return stop.stop_requested() || abort.stop_requested(); };
  auto pause = [&](std::chrono::milliseconds d) { sleep_for(stop, d); };
  // Each run compares at least this many copied rows (a pair costs a pause of the applier).
  const std::uint64_t step = 2 * std::max<std::uint64_t>(1, m_.config.checksum_chunk_rows);
  std::uint64_t compared_below = 0;  // the copy's rows_below when the last run began
  int not_taken = 0;
  struct Ended {  // on every way out but finish()
    MigrationContext& m;
    const std::stop_token& stop;
    ~Ended() {
      if (!stop.stop_requested()) m.progress.checksum_behind_copy_ended = true;
    }
  } ended{m_, stop};
  try {
    {
      auto probe = SqlConnection::open(m_.cs);
      probe->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
      const bool positions = snapshot_binlog_position(*probe).has_value();
      probe->execute("ROLLBACK");
      if (!positions) return;  // the checksum after the copy takes it all, with its lock
    }
    auto& applier = sync_.applier_control();
    while (!stopped()) {
      const auto mark = mark_();
      if (!mark.low_water || mark.rows_below < compared_below + step || sync_.throttler().is_throttled() ||
          sync_.not_caught_up(m_.config.cut_over_lag_threshold)) {
        pause(std::chrono::milliseconds(50));
        continue;
      }
      ChecksumOptions options;
      options.threads = 1;
      options.chunk_rows = m_.config.checksum_chunk_rows;
      options.repair = false;
      options.stop = stop;
      options.through = mark.low_water;
      {
        std::lock_guard lk(mu_);
        options.from = verified_.through;
      }
      Checksum checksum(
          m_.cs, m_.plan, m_.config.cut_over.lock_timeout,
          [](const binlog::BinlogPosition&, std::chrono::steady_clock::time_point) { return false; },  // no lock
          [&] { applier.release(); }, m_.log, options);
      checksum.set_lock_free({[&] {
                                applier.take(ApplierControl::Owner::kChecksum);
                                applier.pause();
                              },
                              [&](const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
                                return applier.run_to(pos, deadline);
                              },
                              [&] { return applier.last_transaction_end(); }});
      const auto began = std::chrono::steady_clock::now();
      ChecksumResult r;
      try {
        r = checksum.run();
      } catch (const ChecksumNotTaken& e) {
        if (++not_taken >= 3) throw;
        m_.log->debug("checksum behind the copy: {}; trying again", e.what());
        pause(std::chrono::milliseconds(200));
        continue;
      }
      not_taken = 0;
      compared_below = mark.rows_below;
      const auto took = std::chrono::steady_clock::now() - began;
      const bool whole = r.verified_through == options.through;
      {
        std::lock_guard lk(mu_);
        if (r.verified_through) verified_.through = r.verified_through;
        verified_.rows += r.rows;
        verified_.chunks += r.chunks;
        verified_.busy += std::chrono::duration_cast<std::chrono::milliseconds>(took);
        m_.progress.checksum_rows = verified_.rows;
      }
      if (!whole && !stopped()) {
        {
          std::lock_guard lk(mu_);
          verified_.differed = true;
        }
        m_.log->info(
            "checksum behind the copy: a chunk after {} rows compared differs; the checksum after the copy "
            "compares it again (and repairs it where it still differs)",
            verified_.rows);
        return;
      }
      if (const double ratio = m_.runtime.nice_ratio(); ratio > 0)  // --nice-ratio, as the copy does
        pause(std::chrono::duration_cast<std::chrono::milliseconds>(took * ratio));
    }
  } catch (const std::exception& e) {
    if (!stopped())
      m_.log->warn("checksum behind the copy stopped ({}); the checksum after the copy compares the rest", e.what());
  }
}

}  // namespace ghostcut::engine
