#include "binlog/net/replication_stream.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace asio = boost::asio;
using asio::use_awaitable;

namespace ghostcut::binlog {
namespace {

std::chrono::steady_clock::rep now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

// A failure that reconnecting cannot fix.
class FatalStreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool retryable(const ConnectionError& e) {
  if (e.connection_lost()) return true;
  // Socket-level failures (refused, reset, timed out, EOF) are worth retrying; errors the
  // server or the protocol reported (bad password, unknown binlog file, garbage) are not.
  return e.code().category() != binlog_category();
}

bool is_trx_marker(const Query& q) { return q.is_begin() || q.is_commit() || q.is_rollback(); }

}  // namespace

struct ReplicationStream::AsyncState {
  explicit AsyncState(asio::any_io_executor ex) : space_timer(ex) {}
  asio::steady_timer space_timer;
  // The current connection's watchdog tick (each connection has its own); stop() cancels it, so
  // the io loop need not wait out a tick to finish.
  std::shared_ptr<asio::steady_timer> watch_timer;
  std::shared_ptr<BinlogConnection> conn;
};

ReplicationStream::ReplicationStream(asio::any_io_executor executor, StreamSettings settings,
                                     ChangeDecoder::TableFilter filter, ChangeDecoder::ColumnsLookup lookup,
                                     std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)),
      settings_(std::move(settings)),
      filter_(std::move(filter)),
      lookup_(std::move(lookup)),
      log_(logger ? std::move(logger) : spdlog::default_logger()),
      async_(std::make_shared<AsyncState>(executor_)) {
  settings_.connection.heartbeat_period = settings_.heartbeat_period;
  if (settings_.start) read_pos_ = *settings_.start;
}

// The owner must stop() and let the io thread finish run() before destroying the stream.
ReplicationStream::~ReplicationStream() { stop(); }

void ReplicationStream::start() {
  running_ = true;
  last_activity_ = now_ticks();
  asio::co_spawn(executor_, run(), asio::detached);
}

void ReplicationStream::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  asio::post(executor_, [async = async_] {
    async->space_timer.cancel();
    if (async->watch_timer) async->watch_timer->cancel();
    if (async->conn) async->conn->close();
  });
}

std::optional<Transaction> ReplicationStream::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, timeout, [&] { return !queue_.empty() || stopping_ || failure_ || !running_; });
  if (queue_.empty()) return std::nullopt;
  Transaction t = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= t.bytes;
  // The producer armed its timer under this lock; the posted cancel runs after it waits. It is
  // woken once the queue is down to half, not at every pop: a backlog of small transactions
  // would otherwise cost two thread switches per transaction.
  if (producer_waiting_ && queue_.size() <= settings_.queue_capacity / 2 &&
      queued_bytes_ <= settings_.queue_bytes / 2 && producer_waiting_.exchange(false)) {
    asio::post(executor_, [async = async_] { async->space_timer.cancel(); });
  }
  return t;
}

void ReplicationStream::recycle(std::vector<Transaction> spent) {
  if (spent.empty() || !running_) return;  // no reader to free them: freed here
  {
    std::lock_guard lk(mu_);
    spent_.push_back(std::move(spent));
  }
  has_spent_ = true;
}

void ReplicationStream::free_spent() {
  if (!has_spent_.load(std::memory_order_relaxed) || !has_spent_.exchange(false)) return;
  std::vector<std::vector<Transaction>> spent;
  {
    std::lock_guard lk(mu_);
    spent.swap(spent_);
  }
  // Destroyed here, outside the lock.
}

bool ReplicationStream::wait_read_past(const BinlogPosition& pos, std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return read_pos_ >= pos || failure_ || !running_; }) && read_pos_ >= pos;
}

BinlogPosition ReplicationStream::read_position() const {
  std::lock_guard lk(mu_);
  return read_pos_;
}
std::optional<BinlogPosition> ReplicationStream::start_position() const {
  std::lock_guard lk(mu_);
  return start_pos_;
}
std::size_t ReplicationStream::queued() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}
std::size_t ReplicationStream::queued_bytes() const {
  std::lock_guard lk(mu_);
  return queued_bytes_;
}
StreamStats ReplicationStream::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}
std::exception_ptr ReplicationStream::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

void ReplicationStream::set_read_position(const BinlogPosition& pos, std::uint32_t ts, std::uint64_t events,
                                          std::uint64_t bytes) {
  {
    std::lock_guard lk(mu_);
    stats_.events += events;
    stats_.bytes += bytes;
    read_pos_ = pos;  // assigned: keeps read_pos_'s buffer
    if (ts) stats_.last_event_timestamp = ts;
  }
  cv_.notify_all();
}

void ReplicationStream::fail(std::exception_ptr e) {
  {
    std::lock_guard lk(mu_);
    if (!failure_) failure_ = e;
  }
  cv_.notify_all();
}

asio::awaitable<void> ReplicationStream::push(Transaction trx) {
  std::optional<std::chrono::steady_clock::time_point> parked;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) co_return;
      if (parked) {
        stats_.parked_micros += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - *parked).count());
        parked.reset();
      }
      if (queue_.empty() ||
          (queue_.size() < settings_.queue_capacity && queued_bytes_ + trx.bytes <= settings_.queue_bytes)) {
        queued_bytes_ += trx.bytes;
        queue_.push_back(std::move(trx));
        ++stats_.transactions;
        producer_waiting_ = false;
        cv_.notify_all();
        co_return;
      }
      producer_waiting_ = true;
      parked = std::chrono::steady_clock::now();
      // Parked, not dead: keep the watchdog quiet while the consumer catches up.
      last_activity_ = now_ticks();
      // The 500 ms expiry only refreshes last_activity_; wake-ups come from pop()'s cancel.
      async_->space_timer.expires_after(std::chrono::milliseconds(500));
    }
    boost::system::error_code ec;
    co_await async_->space_timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

asio::awaitable<void> ReplicationStream::watchdog(std::shared_ptr<BinlogConnection> conn,
                                                  std::shared_ptr<std::atomic<bool>> done) {
  auto timer_ptr = std::make_shared<asio::steady_timer>(executor_);
  async_->watch_timer = timer_ptr;
  auto& timer = *timer_ptr;
  const auto dead_after = std::chrono::duration_cast<std::chrono::steady_clock::duration>(settings_.dead_after);
  while (!*done) {
    {
      std::lock_guard lk(mu_);  // a stop() that ran before this watchdog existed cancelled nothing
      if (stopping_) co_return;
    }
    timer.expires_after(std::max(settings_.dead_after / 4, std::chrono::milliseconds(50)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (*done || ec == asio::error::operation_aborted) co_return;  // cancelled: the stream stops
    const auto idle = std::chrono::steady_clock::duration(now_ticks() - last_activity_.load());
    if (idle > dead_after) {
      log_->warn("binlog stream: no event or heartbeat for {} ms; reconnecting",
                 std::chrono::duration_cast<std::chrono::milliseconds>(idle).count());
      conn->close();
      co_return;
    }
  }
}

asio::awaitable<void> ReplicationStream::run_once(BinlogPosition& resume, bool& made_progress) {
  auto conn = std::make_shared<BinlogConnection>(executor_, settings_.connection, log_);
  async_->conn = conn;
  co_await conn->async_connect();
  if (resume.empty()) {
    TextResultSet rs = co_await conn->async_query(binlog_status_statement(conn->server_handshake().server_version));
    if (rs.rows.empty() || rs.rows[0].size() < 2 || !rs.rows[0][0] || !rs.rows[0][1])
      throw FatalStreamError("the server has no binary log (log_bin is off)");
    resume = BinlogPosition{*rs.rows[0][0], std::stoull(*rs.rows[0][1])};
  }
  {
    std::lock_guard lk(mu_);
    if (!start_pos_) start_pos_ = resume;
    if (read_pos_.empty()) read_pos_ = resume;
    stats_.connection_id = conn->connection_id();
  }
  ChecksumAlg checksum = ChecksumAlg::kOff;
  {
    auto cs = co_await conn->async_query("SELECT @@global.binlog_checksum");
    if (!cs.rows.empty() && !cs.rows[0].empty() && cs.rows[0][0] && *cs.rows[0][0] == "CRC32")
      checksum = ChecksumAlg::kCrc32;
  }
  co_await conn->async_register_replica();
  co_await conn->async_start_dump(resume.file, static_cast<std::uint32_t>(resume.offset));
  log_->debug("binlog stream: dumping from {} (connection {})", resume.to_string(), conn->connection_id());
  last_activity_ = now_ticks();
  auto done = std::make_shared<std::atomic<bool>>(false);
  asio::co_spawn(executor_, watchdog(conn, done), asio::detached);
  struct DoneGuard {
    std::shared_ptr<std::atomic<bool>> d;
    ~DoneGuard() { *d = true; }
  } guard{done};

  ChangeDecoder decoder(filter_, lookup_);
  decoder.set_position(resume);
  decoder.set_format(default_binlog_format(checksum));
  Transaction cur;
  // Of the transaction in progress: row changes and statements read so far (pieces: skip those
  // delivered before a reconnect).
  std::size_t trx_changes = 0, trx_queries = 0;
  // One decoded event, reused: its positions keep their buffers (file names are often past the
  // short-string size) instead of two allocations per event.
  DecodedEvent decoded;
  const DecodedEvent* ev = &decoded;
  std::uint64_t unpublished_events = 0, unpublished_bytes = 0;
  for (;;) {
    free_spent();
    // A view into the connection's buffer: decoded (values copied out) before the next read.
    auto bytes = co_await conn->async_read_event_view();
    // Our dump blocks, so an end means the server ended it (a shutdown, a restart): reconnect.
    if (!bytes)
      throw ConnectionError(std::make_error_code(std::errc::connection_reset), "the server ended the binlog dump");
    last_activity_ = now_ticks();
    // Counted here, published with the read position (or every 64 events): not a lock per event.
    ++unpublished_events;
    unpublished_bytes += bytes->size();
    if (unpublished_events >= 64) {
      std::lock_guard lk(mu_);
      stats_.events += std::exchange(unpublished_events, 0);
      stats_.bytes += std::exchange(unpublished_bytes, 0);
    }
    if (auto r = decoder.decode(*bytes, decoded); !r)
      throw FatalStreamError("binlog decode failed: " + r.error().message());
    // MariaDB's FL_PREPARED_XA: XA START is no event of its own but this GTID's flag.
    if (const auto* g = std::get_if<MariaGtid>(&ev->event); g && (g->flags & 0x40)) cur.prepared_xa = true;
    const auto before = cur.changes.size() + cur.queries.size();
    for (auto& row : decoded.rows)
      if (trx_changes++ >= piece_changes_) cur.changes.push_back(std::move(row));
    if (const auto* q = std::get_if<Query>(&ev->event); q && !is_trx_marker(*q) && trx_queries++ >= piece_queries_)
      cur.queries.push_back(*q);
    for (auto& q : decoded.inner_queries)
      if (!is_trx_marker(q) && trx_queries++ >= piece_queries_) cur.queries.push_back(std::move(q));
    if (cur.changes.size() + cur.queries.size() > before) cur.bytes += bytes->size();

    // A rotate outside a transaction moves the resume point — but not the dump's first (fake)
    // rotate while re-reading a transaction delivered in part: that one is still in progress.
    const bool rotated = std::holds_alternative<Rotate>(ev->event) && !piece_changes_ && !piece_queries_;
    if (ev->trx == TrxStep::kEnded || (rotated && !decoder.trx().in_transaction())) {
      cur.end = ev->end;
      cur.timestamp = ev->header.timestamp;
      resume = ev->end;
      made_progress = true;
      // The last piece goes out even when empty: it carries the transaction's end.
      if (!cur.changes.empty() || !cur.queries.empty() || piece_changes_ || piece_queries_)
        co_await push(std::move(cur));
      cur = Transaction{};
      trx_changes = trx_queries = piece_changes_ = piece_queries_ = 0;
      set_read_position(resume, ev->header.timestamp, std::exchange(unpublished_events, 0),
                        std::exchange(unpublished_bytes, 0));
    } else if (settings_.piece_bytes && cur.bytes >= settings_.piece_bytes && decoder.trx().in_transaction()) {
      // A piece of a big transaction: `resume` stays at the transaction's start.
      cur.end = ev->end;
      cur.timestamp = ev->header.timestamp;
      cur.more = true;
      piece_changes_ = trx_changes;
      piece_queries_ = trx_queries;
      const bool xa = cur.prepared_xa;
      co_await push(std::move(cur));
      cur = Transaction{};
      cur.prepared_xa = xa;
    }
  }
}

asio::awaitable<void> ReplicationStream::run() {
  BinlogPosition resume = settings_.start.value_or(BinlogPosition{"", 4});
  auto backoff = settings_.backoff_initial;
  int failures = 0;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) break;
    }
    bool progress = false;
    std::exception_ptr error;
    bool retry = false;
    std::string what;
    try {
      co_await run_once(resume, progress);
      break;  // a non-blocking dump reached the end
    } catch (const ConnectionError& e) {
      error = std::current_exception();
      retry = retryable(e);
      what = e.what();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lk(mu_);
      if (stopping_) break;
    }
    if (!retry) {
      fail(error);
      break;
    }
    if (progress) {
      failures = 0;
      backoff = settings_.backoff_initial;
    }
    ++failures;
    {
      std::lock_guard lk(mu_);
      ++stats_.reconnects;
    }
    if (settings_.max_reconnects >= 0 && failures > settings_.max_reconnects) {
      fail(std::make_exception_ptr(std::runtime_error("binlog stream: giving up after " + std::to_string(failures) +
                                                      " failed connections: " + what)));
      break;
    }
    log_->warn("binlog stream: {}; reconnecting from {} in {} ms", what, resume.to_string(), backoff.count());
    asio::steady_timer t(executor_);
    t.expires_after(backoff);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    backoff = std::min(backoff * 2, settings_.backoff_max);
  }
  if (async_->conn) async_->conn->close();
  async_->conn.reset();
  running_ = false;
  {
    std::lock_guard lk(mu_);  // pairs with the predicate reads in pop()/wait_read_past()
  }
  cv_.notify_all();
}

}  // namespace ghostcut::binlog
