#include "engine/copy/copier.h"

#include "common/thread_name.h"
#include "engine/text.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/apply/apply_sql.h"
#include "engine/copy/chunk_copy.h"
#include "engine/copy/chunker.h"
#include "engine/copy/copy_state.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

// How often a parked worker or the supervisor rechecks when nothing signals it.
constexpr std::chrono::milliseconds kRecheck{100};

}  // namespace

Copier::Copier(ConnectionSettings settings, const MigrationPlan& plan, RuntimeSettings& runtime,
               ProgressCounters& progress, CopierConfig config, std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      plan_(plan),
      runtime_(runtime),
      progress_(progress),
      config_(std::move(config)),
      log_(logger ? std::move(logger) : std::make_shared<spdlog::logger>("copier")),  // no sinks: silent
      mark_(std::make_shared<Watermark>()) {
  if (config_.resume_from) mark_->mark = *config_.resume_from;
}

CopyRangeProgress Copier::progress_mark() const {
  std::lock_guard lk(mark_->mu);
  return mark_->mark;
}

std::uint64_t Copier::rows_skipped() const noexcept {
  std::lock_guard lk(mark_->mu);
  return mark_->skipped;
}

namespace {

using copy_detail::arithmetic_chunk_end;
using copy_detail::CopyState;
using copy_detail::plan_key_chunking;

void worker(CopyState& s, std::size_t index, const ConnectionSettings& settings) {
  try {
    SqlThreadGuard guard;
    auto setup_session = [&s](SqlConnection& c) { s.copy.setup_session(c, s.config.lock_wait_timeout); };
    auto open_session = [&] {
      auto c = SqlConnection::open(settings);
      setup_session(*c);
      // A session the server closed while this worker waited (throttled, parked) is reopened
      // before its next chunk instead of failing the copy.
      c->reopen_when_idle(setup_session);
      return c;
    };
    auto conn = open_session();
    const auto stop = s.stop.get_token();
    // Counts this worker in progress.copy_threads while it is not parked.
    struct Active {
      ProgressCounters& p;
      bool on = false;
      void set(bool v) {
        if (v != on) v ? ++p.copy_threads : --p.copy_threads;
        on = v;
      }
      ~Active() { set(false); }
    } active{s.progress};
    while (!stop.stop_requested() && !s.done.load()) {
      if (index >= s.runtime.threads()) {  // parked until threads= grows, done or stop
        active.set(false);
        s.runtime.wait_for_change(stop, s.runtime.version(), kRecheck);
        continue;
      }
      active.set(true);
      if (s.config.wait_if_throttled) s.config.wait_if_throttled(stop);
      if (stop.stop_requested()) break;

      Chunk chunk;
      std::uint64_t seq = 0;
      std::uint64_t size = 0;
      bool chunk_was_last = false;
      {
        std::lock_guard lk(s.mu);
        if (s.chunker->done()) break;
        s.sizer.set_override(s.runtime.chunk_size());
        size = s.sizer.next_size();
        std::optional<KeyTuple> end_key = arithmetic_chunk_end(s, size);
        if (!end_key) {
          auto q = s.copy.builder().next_chunk_end_query(s.chunker->lower_bound(), s.chunker->lower_inclusive(),
                                                         s.chunker->max(), size);
          if (!q) throw std::runtime_error("next chunk query: " + q.error().message());
          ResultTable end;
          std::optional<std::chrono::steady_clock::time_point> lost_since;
          for (int attempt = 1;; ++attempt) {
            try {
              end = conn->query(q->sql, q->params);
              break;
            } catch (const SqlError& e) {
              // A read: asking again on a new session is safe (a KILL, a restart), within the
              // time limit of a lost chunk.
              const auto now = std::chrono::steady_clock::now();
              if (!session_gone(e) || stop.stop_requested()) throw;
              if (!lost_since) lost_since = now;
              if (now - *lost_since >= s.config.conflict_retry.limit) throw;
              s.log.warn("row copy: {}; reconnecting to find the next chunk", e.what());
              sleep_for(stop, s.config.conflict_retry.backoff(
                                  attempt, static_cast<std::uint64_t>(now.time_since_epoch().count())));
              try {
                conn = open_session();
              } catch (const SqlError& again) {
                if (!session_gone(again)) throw;
              }
            }
          }
          if (end.empty()) {
            s.chunker->finish();
            s.done = true;
            break;
          }
          end_key = s.key_tuple(end.rows[0]);
        }
        auto c = s.chunker->advance(std::move(*end_key));
        if (!c) throw std::runtime_error("chunker: " + c.error().message());
        chunk = std::move(*c);
        seq = s.mark.issue(chunk.upper);
        if (s.chunker->done()) s.done = true;
        chunk_was_last = s.chunker->done();
      }

      const auto started = std::chrono::steady_clock::now();
      std::uint64_t rows = 0;
      std::optional<std::chrono::steady_clock::time_point> first_conflict;
      for (int attempt = 1;; ++attempt) {
        try {
          const auto t0 = std::chrono::steady_clock::now();  // locks: from the first row read to the end
          try {
            rows = s.copy.copy(*conn, chunk);
          } catch (...) {
            s.progress.record_lock_hold(std::chrono::steady_clock::now() - t0);  // held until it failed
            throw;
          }
          s.progress.record_lock_hold(std::chrono::steady_clock::now() - t0);
          break;
        } catch (const SqlError& e) {
          if (session_gone(e) && !stop.stop_requested()) {
            // A killed or dropped connection: the chunk is idempotent (INSERT IGNORE of rows read
            // from the original), so a new session copies it again, within the same time limit.
            const auto now = std::chrono::steady_clock::now();
            if (!first_conflict) first_conflict = now;
            if (now - *first_conflict >= s.config.conflict_retry.limit) throw;
            s.log.warn("row copy: {}; reconnecting and copying the chunk again", e.what());
            sleep_for(stop, s.config.conflict_retry.backoff(
                                attempt, static_cast<std::uint64_t>(now.time_since_epoch().count())));
            if (stop.stop_requested()) throw;
            try {
              conn = open_session();
            } catch (const SqlError& again) {
              if (!session_gone(again)) throw;
            }
            continue;
          }
          if (!e.retryable() || stop.stop_requested()) throw;
          ++s.progress.lock_conflicts;
          const auto now = std::chrono::steady_clock::now();
          if (!first_conflict) first_conflict = now;
          if (now - *first_conflict >= s.config.conflict_retry.limit ||
              (s.config.max_chunk_attempts > 0 && attempt >= s.config.max_chunk_attempts))
            throw SqlError(
                e.code(), e.sqlstate(),
                "row copy: a chunk of " + s.plan.table + " kept losing lock conflicts for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - *first_conflict).count()) +
                    " s (" + std::to_string(attempt) +
                    " attempts; the limit is --lock-conflict-retry-seconds); last: " + e.what() + "; " +
                    describe_lock_holders(*conn),
                e.context());
          {
            std::lock_guard lk(s.mu);  // a smaller chunk holds fewer locks for less time
            s.sizer.record(size, s.config.target_chunk_time * 4);
          }
          const auto backoff =
              s.config.conflict_retry.backoff(attempt, std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
                                                           static_cast<std::uint64_t>(now.time_since_epoch().count()));
          s.log.warn("row copy chunk lost a lock conflict ({}), retry {} in {} ms", e.what(), attempt, backoff.count());
          sleep_for(stop, backoff);
          if (s.config.wait_if_throttled) s.config.wait_if_throttled(stop);  // the applier goes first
          if (stop.stop_requested()) throw;
        }
      }
      const auto took = std::chrono::steady_clock::now() - started;
      {
        std::lock_guard lk(s.mu);
        s.sizer.record(size, took);
        s.record_coverage(chunk);
        // A value range that held under a quarter of its size: the key is sparser than estimated.
        if (s.arithmetic && !chunk_was_last && rows * 4 < size) s.arithmetic = false;
      }
      s.mark.complete(seq, rows);
      s.progress.rows_copied += rows;
      s.progress.chunks_copied += 1;
      if (const double ratio = s.runtime.nice_ratio(); ratio > 0)
        sleep_for(stop, std::chrono::duration_cast<std::chrono::nanoseconds>(took * ratio));
    }
  } catch (...) {
    s.fail(std::current_exception());
  }
}

}  // namespace

void Copier::run(std::stop_token stop) {
  CopyState s{plan_,
              runtime_,
              progress_,
              config_,
              *log_,
              *mark_,
              ChunkCopy(plan_),
              {},
              {},
              {},
              DynamicChunkSizer({config_.target_chunk_time, config_.initial_chunk_size}),
              {},
              {},
              {}};
  for (const auto& k : plan_.chunk_key.columns) {
    const auto i = plan_.original.column_index(k);
    if (!i) throw std::runtime_error("copier: chunk key column " + k + " not in " + plan_.table);
    s.key_is_int.push_back(is_integer_type(lower(plan_.original.columns[*i].data_type)));
  }

  {
    SqlThreadGuard guard;
    auto conn = SqlConnection::open(settings_);
    conn->execute(kEngineSessionSetup);  // key values are read and bound in the same session zone
    const auto min = conn->query(s.copy.builder().min_key_query());
    const auto& resume = config_.resume_from;
    const bool resuming = resume && resume->max;
    // Resumed: the range ends where it did when the first run read it (later rows came through
    // the binlog, which the resumed stream replays from the checkpoint).
    const auto max = resuming ? ResultTable{} : conn->query(s.copy.builder().max_key_query());
    progress_.mark_copy_started(std::chrono::steady_clock::now());
    const auto mark_done = [&] {
      std::lock_guard lk(mark_->mu);
      mark_->mark.done = true;
      if (mark_->mark.max) mark_->mark.low_water = mark_->mark.max;
    };
    if (resuming && (resume->done || (resume->low_water && *resume->low_water == *resume->max))) {
      {
        std::lock_guard lk(mark_->mu);
        mark_->skipped = resume->rows_below;
      }
      mark_done();
      log_->info("row copy: resumed after the last row ({} rows copied before), nothing left to copy",
                 resume->rows_below);
      progress_.mark_copy_done(std::chrono::steady_clock::now());
      return;
    }
    if (!resuming && (min.empty() || max.empty())) {  // empty table: the binlog carries everything
      mark_done();
      progress_.mark_copy_done(std::chrono::steady_clock::now());
      return;
    }
    if (resuming && resume->low_water) {
      s.chunker.emplace(Chunker::resume_after(*resume->low_water, *resume->max));
      std::lock_guard lk(mark_->mu);
      mark_->skipped = resume->rows_below;
      log_->info("row copy: resuming after the checkpoint's low-water mark ({} rows copied before)",
                 resume->rows_below);
    } else if (resuming) {
      if (min.empty()) {  // every row up to the old max was deleted meanwhile (the binlog has it)
        mark_done();
        progress_.mark_copy_done(std::chrono::steady_clock::now());
        return;
      }
      s.chunker.emplace(s.key_tuple(min.rows[0]), *resume->max);
      std::lock_guard lk(mark_->mu);
      mark_->mark = CopyRangeProgress{std::nullopt, resume->max, 0, false};
    } else {
      s.chunker.emplace(s.key_tuple(min.rows[0]), s.key_tuple(max.rows[0]));
      std::lock_guard lk(mark_->mu);
      mark_->mark = CopyRangeProgress{std::nullopt, s.chunker->max(), 0, false};
    }
    plan_key_chunking(s, min, plan_.estimated_rows);
  }

  std::stop_callback forward(stop, [&] { s.stop.request_stop(); });
  std::vector<std::thread> workers;
  const auto spawn_up_to = [&](std::uint64_t n) {
    n = std::clamp<std::uint64_t>(n, kMinThreads, kMaxThreads);
    while (workers.size() < n) {
      const auto index = workers.size();
      workers.emplace_back([&s, index, this] {
        name_this_thread("gc-copy-" + std::to_string(index + 1));
        worker(s, index, settings_);
      });
    }
  };
  auto seen = runtime_.version();
  spawn_up_to(runtime_.threads());
  while (!s.done.load() && !s.stop.stop_requested()) {
    seen = runtime_.wait_for_change(s.stop.get_token(), seen, kRecheck);
    spawn_up_to(runtime_.threads());
  }
  for (auto& w : workers) w.join();
  if (s.error) std::rethrow_exception(s.error);
  if (stop.stop_requested()) return;
  {
    std::lock_guard lk(mark_->mu);
    mark_->mark.done = true;
    mark_->mark.low_water = mark_->mark.max;
  }
  progress_.mark_copy_done(std::chrono::steady_clock::now());
}

}  // namespace ghostcut::engine
