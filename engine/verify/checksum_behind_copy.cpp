#include "engine/verify/checksum_behind_copy.h"

#include <spdlog/spdlog.h>

#include <limits>

#include "common/thread_name.h"
#include "engine/apply/applier_control.h"
#include "engine/apply/applier_loop.h"
#include "engine/run/sync.h"
#include "engine/sql/retry.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"
#include "engine/throttle/throttler.h"
#include "engine/verify/checksum.h"

namespace ghostcut::engine {
namespace {

constexpr std::size_t kChunksPerRun = 20;  // a run's snapshots stay open about this long
__int128 wide(const SqlParam& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return static_cast<__int128>(std::get<std::uint64_t>(v));
}
__int128 wide(const IntKey& k) { return static_cast<__int128>((static_cast<unsigned __int128>(k.hi) << 64) | k.lo); }

}  // namespace

bool ChecksumBehindCopy::applies(const MigrationPlan& plan) {
  if (plan.chunk_key.columns.size() != 1) return false;
  const auto* sc = plan.mapping.find_source(plan.chunk_key.columns.front());
  if (!sc) return false;
  const auto& a = plan.original.columns.at(sc->source_index);
  const auto& b = plan.ghost.columns.at(sc->target_index);
  return is_integer_type(lower(a.data_type)) && a.column_type == b.column_type;
}

ChecksumBehindCopy::ChecksumBehindCopy(MigrationContext& m, Sync& sync)
    : m_(m), sync_(sync), dirty_(static_cast<__int128>(m.config.checksum_chunk_rows)) {
  sync_.applier().set_write_watch([this](std::span<const RowOp> ops) { written(ops); });
}

ChecksumBehindCopy::~ChecksumBehindCopy() {
  stop();
  sync_.applier().set_write_watch({});
}

void ChecksumBehindCopy::start(std::function<CopyRangeProgress()> mark) {
  mark_ = std::move(mark);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

ChecksumBehindCopy::Verified ChecksumBehindCopy::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  std::lock_guard lk(mu_);
  return verified_;
}

// On the applier's thread, once a batch is committed.
void ChecksumBehindCopy::written(std::span<const RowOp> ops) {
  std::lock_guard lk(mu_);
  for (const auto& op : ops) {
    if (op.first_int) dirty_.written(wide(*op.first_int));
    else dirty_.all();  // not expected with an integer key
  }
}

// Keys above what is proven are compared by a later pair: their writes dirty nothing.
void ChecksumBehindCopy::settle() {
  std::lock_guard lk(mu_);
  dirty_.settle(verified_.through ? std::optional<__int128>(wide(verified_.through->front())) : std::nullopt);
}

std::vector<std::pair<std::optional<KeyTuple>, KeyTuple>> ChecksumBehindCopy::rechecks() const {
  std::lock_guard lk(mu_);
  std::vector<std::pair<std::optional<KeyTuple>, KeyTuple>> out;
  if (!verified_.through) return out;
  const bool is_unsigned = std::holds_alternative<std::uint64_t>(verified_.through->front());
  auto tuple = [&](__int128 v) {
    return is_unsigned ? KeyTuple{static_cast<std::uint64_t>(v)} : KeyTuple{static_cast<std::int64_t>(v)};
  };
  const __int128 lowest = is_unsigned ? 0 : std::numeric_limits<std::int64_t>::min();
  for (const auto& [lo, hi] : dirty_.ranges(wide(verified_.through->front()), lowest))
    out.emplace_back(lo ? std::optional<KeyTuple>(tuple(*lo)) : std::nullopt, tuple(hi));
  return out;
}

void ChecksumBehindCopy::run(std::stop_token stop) {
  name_this_thread("gc-checksum-0");
  SqlThreadGuard guard;
  const auto abort = m_.abort.get_token();
  auto stopped = [&] { return stop.stop_requested() || abort.stop_requested(); };
  auto held_back = [&] {
    return sync_.throttler().is_throttled() || sync_.not_caught_up(m_.config.cut_over_lag_threshold).has_value();
  };
  // Each run waits for this many more copied rows (a pair costs a pause of the applier).
  const std::uint64_t step = 2 * std::max<std::uint64_t>(1, m_.config.checksum_chunk_rows);
  std::uint64_t compared_below = 0;  // the copy's rows_below when the last run began
  int not_taken = 0;
  struct Ended {  // on every way out but stop()
    MigrationContext& m;
    const std::stop_token& stop;
    ~Ended() {
      if (!stop.stop_requested()) m.progress.checksum_behind_copy_ended = true;
    }
  } ended{m_, stop};
  try {
    auto& applier = sync_.applier_control();
    while (!stopped()) {
      const auto mark = mark_();
      if (!mark.low_water || mark.rows_below < compared_below + step || held_back()) {
        sleep_for(stop, std::chrono::milliseconds(50));
        continue;
      }
      ChecksumOptions options;
      options.threads = 1;
      options.chunk_rows = m_.config.checksum_chunk_rows;
      options.repair = false;
      options.through = mark.low_water;
      options.max_chunks = kChunksPerRun;
      options.keep_going = [&] { return !stopped() && !held_back(); };
      {
        std::lock_guard lk(mu_);
        options.from = verified_.through;
      }
      const __int128 through = wide(mark.low_water->front());
      Checksum checksum(
          m_.cs, m_.plan, m_.config.cut_over.lock_timeout,
          [](const binlog::BinlogPosition&, std::chrono::steady_clock::time_point) { return false; },  // no lock
          [&] {
            {  // from this pair's instant on, writes up to `through` may land in chunks it proves
              std::lock_guard lk(mu_);
              dirty_.cover(through);
            }
            applier.release();
          },
          m_.log, options);
      checksum.set_lock_free({[&] {
                                applier.take(ApplierControl::Owner::kChecksum);
                                applier.pause();
                              },
                              [&](const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
                                return applier.run_to(pos, deadline);
                              },
                              [&] { return applier.last_transaction_end(); }});
      const auto began = std::chrono::steady_clock::now();
      struct Settle {  // however the run ends: writes above what is proven dirty nothing
        ChecksumBehindCopy& self;
        ~Settle() { self.settle(); }
      } settle{*this};
      ChecksumResult r;
      try {
        r = checksum.run();
      } catch (const ChecksumNotTaken& e) {
        if (++not_taken >= 3) throw;
        m_.log->debug("checksum behind the copy: {}; trying again", e.what());
        sleep_for(stop, std::chrono::milliseconds(200));
        continue;
      }
      not_taken = 0;
      const auto took = std::chrono::steady_clock::now() - began;
      std::uint64_t proven = 0;
      {
        std::lock_guard lk(mu_);
        if (r.verified_through) verified_.through = r.verified_through;
        verified_.rows += r.rows;
        verified_.chunks += r.chunks;
        verified_.busy += std::chrono::duration_cast<std::chrono::milliseconds>(took);
        verified_.differed = r.differed;
        m_.progress.checksum_rows = proven = verified_.rows;
      }
      if (!r.walked) return;  // the table is compared after the copy, as one
      if (r.differed) {
        m_.log->info(
            "checksum behind the copy: the chunk after {} rows differs; the checksum after the copy "
            "compares it again (and repairs it where it still differs)",
            proven);
        return;
      }
      if (const double ratio = m_.runtime.nice_ratio(); ratio > 0)  // --nice-ratio, as the copy does
        sleep_for(stop, std::chrono::duration_cast<std::chrono::nanoseconds>(took * ratio));
      if (r.chunks == 0) sleep_for(stop, std::chrono::milliseconds(100));  // held back at once: no busy loop
      compared_below = r.verified_through == options.through ? mark.rows_below : compared_below;
    }
  } catch (const std::exception& e) {
    if (!stopped())
      m_.log->warn("checksum behind the copy stopped ({}); the checksum after the copy compares the rest", e.what());
  }
}

}  // namespace ghostcut::engine
