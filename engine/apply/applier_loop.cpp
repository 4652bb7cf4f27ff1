#include "engine/apply/applier_loop.h"

#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "engine/sql/changelog.h"
#include "engine/sql/retry.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {

ApplierLoop::ApplierLoop(binlog::ReplicationStream& stream, ConnectionSettings settings, const MigrationPlan& plan,
                         RuntimeSettings& runtime, ProgressCounters& progress, std::shared_ptr<spdlog::logger> logger)
    : stream_(stream),
      settings_(std::move(settings)),
      plan_(plan),
      runtime_(runtime),
      progress_(progress),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

ApplierLoop::~ApplierLoop() { stop(); }

void ApplierLoop::start() {
  if (auto s = stream_.start_position()) set_applied(*s);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void ApplierLoop::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void ApplierLoop::fail(std::exception_ptr e) {
  {
    std::lock_guard lk(mu_);
    if (!failure_) failure_ = e;
  }
  cv_.notify_all();
}

void ApplierLoop::set_applied(const binlog::BinlogPosition& pos) {
  {
    std::lock_guard lk(mu_);
    if (pos > applied_) applied_ = pos;
  }
  cv_.notify_all();
}

binlog::BinlogPosition ApplierLoop::applied_position() const {
  std::lock_guard lk(mu_);
  return applied_;
}

binlog::BinlogPosition ApplierLoop::last_transaction_end() const {
  std::lock_guard lk(mu_);
  return last_transaction_end_;
}

void ApplierLoop::set_xa_floor(std::optional<binlog::BinlogPosition> floor) {
  std::lock_guard lk(mu_);
  xa_floor_ = std::move(floor);
}

binlog::BinlogPosition ApplierLoop::checkpoint_position() const {
  std::lock_guard lk(mu_);
  return xa_floor_ && *xa_floor_ < applied_ ? *xa_floor_ : applied_;
}

std::exception_ptr ApplierLoop::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

std::optional<std::chrono::milliseconds> ApplierLoop::heartbeat_lag() const {
  const auto written = heartbeat_written_micros_.load();
  if (written <= 0) return std::nullopt;
  // The age of the newest applied heartbeat: it keeps growing while the applier is paused or
  // behind, so a value read after a long throttle is never a stale low one.
  return std::chrono::milliseconds(std::max<std::int64_t>(0, (wall_clock_micros() - written) / 1000));
}

void ApplierLoop::pause() {
  std::unique_lock lk(mu_);
  pause_requested_ = true;
  cv_.wait(lk, [&] { return paused_ || failure_ || !thread_.joinable(); });
}

void ApplierLoop::set_write_watch(WriteWatch watch) {
  std::lock_guard lk(watch_mu_);
  write_watch_ = std::move(watch);
}

void ApplierLoop::resume() {
  {
    std::lock_guard lk(mu_);
    pause_requested_ = false;
    stop_at_.reset();
  }
  cv_.notify_all();
}

bool ApplierLoop::run_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(mu_);
  if (!paused_ && !failure_ && thread_.joinable())
    throw std::logic_error("ApplierLoop::run_to: the loop must be paused first");
  stop_at_ = pos;
  pause_requested_ = false;
  cv_.notify_all();
  // The loop pauses itself once applied_ reaches pos (it moves applied_ there when the next
  // transaction lies beyond it); until then paused_ may still be the old pause's.
  const bool held = cv_.wait_until(lk, deadline, [&] { return failure_ || (paused_ && applied_ >= pos); });
  pause_requested_ = true;  // from here on a plain pause, whatever happened
  stop_at_.reset();
  cv_.notify_all();
  return held && !failure_;
}

bool ApplierLoop::drain_to(const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(mu_);
  return cv_.wait_until(lk, deadline, [&] { return applied_ >= pos || failure_; }) && !failure_ && applied_ >= pos;
}

namespace {

// The statement after any leading /* … */ comments (ghostcut tags its own statements).
std::string_view without_leading_comments(std::string_view s) {
  for (;;) {
    s = trim(s);
    if (s.substr(0, 2) != "/*") return s;
    const auto end = s.find("*/");
    if (end == std::string_view::npos) return {};
    s.remove_prefix(end + 2);
  }
}

// The end of the batch's last whole transaction: a piece's end lies inside its transaction, and
// the applied position (drain target, resume checkpoint) moves only at a transaction's last piece,
// so a stop or crash in between replays the transaction from its start (idempotent, DESIGN §3).
std::optional<binlog::BinlogPosition> complete_end(const std::vector<binlog::Transaction>& batch) {
  for (auto it = batch.rbegin(); it != batch.rend(); ++it)
    if (!it->more) return it->end;
  return std::nullopt;
}

}  // namespace

bool ApplierLoop::skip_through_rename(std::vector<binlog::Transaction>& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    bool rename = false;
    for (const auto& q : batch[i].queries)
      rename = rename || (is_ddl_on_table(q, plan_.database, plan_.table) &&
                          iequals(without_leading_comments(q.statement).substr(0, 6), "RENAME"));
    if (!rename) {
      for (const auto& c : batch[i].changes)
        if (c.table == plan_.table)
          throw std::runtime_error("a change of " + plan_.table + " at " + batch[i].end.to_string() +
                                   " before the cut-over's RENAME: the reverse sync cannot start there");
      continue;
    }
    log_->info("reverse sync: the cut-over's RENAME is at {}; applying from there", batch[i].end.to_string());
    if (!batch[i].more) set_applied(batch[i].end);
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    skip_to_rename_ = false;
    return !batch.empty();
  }
  if (auto end = complete_end(batch)) set_applied(*end);
  return false;
}

void ApplierLoop::run(std::stop_token stop) {
  name_this_thread("gc-applier");
  SqlThreadGuard guard;
  try {
    // A second connection takes half of each batch's rows where that is safe (apply_sql.h).
    const auto refusal = partition_refusal(plan_);
    const bool two = applier_config_.connections >= 2 && !refusal;
    log_->info("applier: {}", two ? "two connections, each batch's rows split by chunk key"
                                  : "one connection" + (refusal && applier_config_.connections >= 2
                                                            ? " (rows not split by key: " + *refusal + ")"
                                                            : std::string()));
    // The batch written while the next one is read and built (declared first: it outlives the
    // Applier, whose threads may still hold it while an exception unwinds).
    struct Flight {
      std::vector<binlog::Transaction> batch;  // the rows the write points into
      binlog::BinlogPosition start;            // where its first transaction starts
      std::optional<binlog::BinlogPosition> end;
      Applier::PreparedPtr prepared;  // nullptr: nothing to write
    };
    std::optional<Flight> flight;
    // The batch after it, for the moment it is started behind `flight` (overlap_batches): both
    // connections then stay busy instead of each waiting for the other at every batch.
    std::optional<Flight> ahead;
    std::unique_ptr<SqlConnection> conn, conn2;
    std::unique_ptr<Applier> applier;
    auto connect = [&] {
      conn = SqlConnection::open(settings_);
      if (two) conn2 = SqlConnection::open(settings_);
      applier = std::make_unique<Applier>(*conn, plan_, applier_config_, progress_);
      if (two) applier->add_partner(*conn2);
    };
    connect();
    // A killed or dropped applier connection: the batch's commit may or may not have happened,
    // and either way applying it again from a new session is safe — its row images are written
    // and deleted by key, in order, and nothing later has been applied (DESIGN §3). The batch
    // prepared behind it stays valid: the hold it was built from is the one this batch leaves.
    XaHold xa;  // in transit between a lost Applier and its successor
    auto write = [&](Applier::Prepared& p) {
      RetryBudget retry(applier_config_.conflict_retry);
      for (;;) {
        try {
          if (!applier) {
            connect();
            applier->set_xa_hold(std::move(xa));
          }
          applier->complete(p);
          return;
        } catch (const SqlError& e) {
          // Lost, or not back yet (a restarting server refuses connections: 2002/2003).
          const bool unreachable =
              (e.code() == 2002 || e.code() == sql_errc::kCantConnect) && !stop.stop_requested() &&
              std::chrono::steady_clock::now() - retry.started() < applier_config_.conflict_retry.limit;
          if (!unreachable && !retry.allows(e, SqlErrorCategory::kConnectionLost, stop)) throw;
          log_->warn("applier: {}; reconnecting and applying the batch again", e.what());
          if (applier) {
            // The batch started behind this one is written again after it, on the new connections.
            if (ahead && ahead->prepared) applier->abandon(*ahead->prepared);
            xa = applier->take_xa_hold();  // as before this batch: applied again from there
          }
          applier.reset();
          conn.reset();
          conn2.reset();
          sleep_for(stop, retry.next_backoff(static_cast<std::uint64_t>(retry.started().time_since_epoch().count())));
        }
      }
    };
    // The batch in flight lands: once it is committed, the XA floor and then the applied position
    // move past it (only here, and in batch order). Returned, so that it can be freed while the
    // next one is written.
    auto land = [&]() -> std::optional<Flight> {
      if (!flight) return std::nullopt;
      if (flight->prepared) {
        write(*flight->prepared);
        {
          std::lock_guard lk(watch_mu_);
          if (write_watch_) {
            const auto [first, second] = Applier::operations(*flight->prepared);
            write_watch_(first);
            write_watch_(second);
          }
        }
        // The floor first: a checkpoint read in between never passes a PREPARE just held.
        set_xa_floor(applier->xa_hold().floor());
      }
      if (flight->end) {
        {
          std::lock_guard lk(mu_);
          last_transaction_end_ = *flight->end;  // batches land in binlog order
        }
        set_applied(*flight->end);
      }
      return std::exchange(flight, std::nullopt);
    };
    const bool pipeline = applier_config_.pipeline;
    std::vector<binlog::Transaction> batch;
    std::optional<binlog::Transaction> carry;  // popped, but after run_to's position
    // Where the loop's time goes, logged at debug level every few seconds while it works.
    struct Timings {
      std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
      std::chrono::steady_clock::duration idle{}, build{}, landing{};
      std::uint64_t batches = 0, transactions = 0, events = 0;
      std::uint64_t parked_micros = 0;                                     // the stream's, when this period began
      std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds> busy;  // the connections', then
    } tm;
    tm.parked_micros = stream_.stats().parked_micros;
    tm.busy = applier->busy();
    auto timed = [](std::chrono::steady_clock::duration& d, auto&& f) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      d += std::chrono::steady_clock::now() - t0;
    };
    auto report = [&] {
      const auto now = std::chrono::steady_clock::now();
      if (now - tm.since < std::chrono::seconds(2)) return;
      const auto parked = stream_.stats().parked_micros;
      // A new Applier (after a reconnect) counts from zero.
      const auto busy = applier ? applier->busy() : tm.busy;
      if (tm.batches && log_->should_log(spdlog::level::debug)) {
        auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
        log_->debug(
            "applier: {} ms: {} batches of {:.0f} row events / {:.0f} transactions on average; waiting for the "
            "stream {} ms, building {} ms, waiting for the write {} ms; connections writing {} / {} ms; the "
            "stream's reader waited for room {} ms",
            ms(now - tm.since), tm.batches, double(tm.events) / tm.batches, double(tm.transactions) / tm.batches,
            ms(tm.idle), ms(tm.build), ms(tm.landing), ms(busy.first - std::min(busy.first, tm.busy.first)),
            ms(busy.second - std::min(busy.second, tm.busy.second)), (parked - tm.parked_micros) / 1000);
      }
      tm = Timings{};
      tm.parked_micros = parked;
      tm.busy = busy;
    };
    while (!stop.stop_requested()) {
      report();
      std::optional<binlog::BinlogPosition> stop_at;  // run_to's: nothing after it is applied
      {
        std::unique_lock lk(mu_);
        stop_at = stop_at_;
        // Paused, or run_to's position reached: nothing more is applied until resume().
        auto hold = [&] { return pause_requested_ || (stop_at_ && applied_ >= *stop_at_); };
        if (hold()) {
          lk.unlock();
          land();
          lk.lock();
          paused_ = true;
          cv_.notify_all();
          cv_.wait_for(lk, std::chrono::milliseconds(50), [&] { return !hold(); });
          paused_ = hold();
          continue;
        }
        paused_ = false;
      }
      // A transaction ending after stop_at waits in `carry` until resume() (it starts at or
      // after stop_at, a transaction boundary: everything before it is applied or in flight).
      auto beyond = [&](const binlog::Transaction& t) { return stop_at && t.end > *stop_at; };
      // Read the position before checking the queue: the stream pushes a transaction before it
      // moves the position, so "queue empty" then means everything up to it has been popped.
      const auto read = stream_.read_position();
      // With a batch in flight, only what is already queued is taken; else its write is awaited.
      std::optional<binlog::Transaction> first;
      if (carry) first = std::exchange(carry, std::nullopt);
      // run_to's caller waits for an idle loop to see the empty queue: look again sooner then.
      else timed(tm.idle, [&] { first = stream_.pop(std::chrono::milliseconds(flight ? 0 : stop_at ? 2 : 50)); });
      if (first && beyond(*first)) {
        carry = std::move(first);
        first.reset();
        timed(tm.landing, [&] { land(); });
        set_applied(*stop_at);  // every transaction before the carried one is applied
        continue;
      }
      if (!first) {
        timed(tm.landing, [&] { land(); });
        if (auto f = stream_.failure()) std::rethrow_exception(f);
        if (stream_.queued() == 0) set_applied(read);
        progress_.backlog = 0;
        continue;
      }
      const auto build_t0 = std::chrono::steady_clock::now();
      batch.clear();
      batch.push_back(std::move(*first));
      // Whole transactions until their row events reach dml-batch-size (a transaction is never
      // cut, so one bigger than that is a batch of its own) or the queue is empty.
      const auto limit = std::max<std::uint64_t>(1, runtime_.dml_batch_size());
      std::uint64_t events = batch.back().changes.size();
      // A piece of a big transaction ends the batch: one SQL transaction holds at most one piece.
      while (events < limit && !batch.back().more) {
        auto more = stream_.pop(std::chrono::milliseconds(0));
        if (!more) break;
        if (beyond(*more)) {
          carry = std::move(more);
          break;
        }
        batch.push_back(std::move(*more));
        events += batch.back().changes.size();
      }
      progress_.backlog = stream_.queued();
      if (skip_to_rename_) {
        land();  // it moves the applied position itself
        if (!skip_through_rename(batch)) continue;
      }
      // Anything thrown from here on lands the batch in flight first: it was read before this.
      auto landing_first = [&](auto&& f) {
        try {
          f();
        } catch (...) {
          land();
          throw;
        }
      };
      bool has_rows = false, has_queries = false;
      landing_first([&] {
        // DDL on the original changes the meaning of every later row image: stop.
        for (const auto& trx : batch)
          for (const auto& q : trx.queries)
            if (is_ddl_on_table(q, plan_.database, plan_.table))
              throw std::runtime_error("DDL on " + plan_.database + "." + plan_.table + " seen in the binlog at " +
                                       trx.end.to_string() + ": \"" + q.statement +
                                       "\"; the migration cannot continue");
      });

      // Heartbeats from the changelog table measure the applier's lag; they are not applied.
      std::uint64_t table_rows = 0;
      for (auto& trx : batch) {
        auto& ch = trx.changes;
        for (const auto& c : ch) {
          if (c.table != plan_.changelog_table || !c.after) continue;
          if (const auto micros = Changelog::heartbeat_in(*c.after)) {
            heartbeat_written_micros_ = std::max(heartbeat_written_micros_.load(), *micros);
            progress_.applier_lag_ms =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, (wall_clock_micros() - *micros) / 1000));
          }
        }
        std::erase_if(ch, [&](const binlog::RowChange& c) { return c.table != plan_.table; });
        has_rows = has_rows || !ch.empty();
        table_rows += ch.size();
      }
      if (on_changes_ && table_rows) on_changes_(table_rows);
      // XA COMMIT / ROLLBACK come without rows (the rows came at XA PREPARE), and a statement-
      // format write has none: the applier sees every transaction that carries statements.
      for (const auto& trx : batch) has_queries = has_queries || !trx.queries.empty();
      Flight next;
      // Everything before the batch is applied or in flight, so its first transaction starts at
      // or after where the batch in flight ends (else the applied position: only this thread
      // moves it).
      next.start = flight ? flight->end.value_or(flight->start) : applied_position();
      next.end = complete_end(batch);
      if (has_rows || has_queries) {
        landing_first([&] {
          const XaHold* base = flight && flight->prepared ? Applier::hold_after(*flight->prepared) : nullptr;
          next.prepared = applier->prepare(batch, next.start, base ? *base : applier->xa_hold());
        });
      }
      ++tm.batches;
      tm.transactions += batch.size();
      tm.events += table_rows;
      tm.build += std::chrono::steady_clock::now() - build_t0;
      next.batch = std::move(batch);  // the buffer moves with it: the operations' pointers stay valid
      batch = {};
      ahead = std::move(next);
      if (pipeline && applier_config_.overlap_batches && ahead->prepared && flight && flight->prepared &&
          Applier::may_start_before(*flight->prepared, *ahead->prepared))
        applier->start(*ahead->prepared);
      std::optional<Flight> landed;
      timed(tm.landing, [&] { landed = land(); });
      if (ahead->prepared && !Applier::started(*ahead->prepared)) applier->start(*ahead->prepared);
      flight = std::exchange(ahead, std::nullopt);
      if (landed) {                // freed while the server writes the next batch
        landed->prepared.reset();  // its operations point into the batch
        stream_.recycle(std::move(landed->batch));
        landed.reset();
      }
      if (!pipeline) land();
    }
    land();  // stop: the batch in hand is finished
  } catch (...) {
    fail(std::current_exception());
  }
}

}  // namespace ghostcut::engine
