// ReplicationStream: reads the binlog as a replica does and hands out whole transactions.
//
//   io thread:  connect → register → dump(from position) → read event → ChangeDecoder →
//               accumulate the rows of one transaction → push it on a bounded queue
//   consumer:   pop() on any thread (the applier, `ghostcut tail`)
//
// Complete transactions are delivered, each with its end position, so after a lost
// connection (KILL, network, missing heartbeats) the stream reconnects with backoff from the end
// of the last delivered transaction: nothing is lost and nothing is delivered twice. The queue is
// bounded: when it is full the reading coroutine parks on a timer (no thread blocks), the socket
// is not read, and the server keeps the binlog for us.
// With piece_bytes set, a transaction bigger than that is delivered in pieces of about that many
// bytes (Transaction::more), so memory stays bounded whatever one transaction's size; after a
// reconnect inside such a transaction the stream re-reads it from its start and skips what it
// already delivered, so still nothing is delivered twice.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "binlog/net/binlog_connection.h"
#include "binlog/position.h"
#include "binlog/row/change_decoder.h"
#include "binlog/row/transaction.h"

namespace spdlog {
class logger;
}

namespace ghostcut::binlog {

struct StreamSettings {
  BinlogConnectionSettings connection;  // connection.server_id must be unique among replicas
  std::optional<BinlogPosition> start;  // nullopt = the source's current position
  std::chrono::milliseconds heartbeat_period{1000};
  // No event or heartbeat for this long = the connection is dead (default 3 heartbeats + 2 s).
  std::chrono::milliseconds dead_after{5000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  int max_reconnects = -1;            // consecutive failed attempts before giving up; -1 = forever
  std::size_t queue_capacity = 1000;  // transactions
  // And at most this many bytes of binlog events (Transaction::bytes), so memory stays bounded
  // whatever the transactions' size; one transaction larger than this still passes, alone.
  std::size_t queue_bytes = 16u << 20;
  // A transaction bigger than this many bytes is delivered in pieces of about this size (each
  // but the last with Transaction::more); 0 = whole transactions only, whatever their size.
  std::size_t piece_bytes = 0;
};

struct StreamStats {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::uint64_t transactions = 0;  // delivered (non-empty)
  std::uint64_t reconnects = 0;
  std::uint32_t last_event_timestamp = 0;
  std::uint32_t connection_id = 0;  // the current dump connection's server thread id
  std::uint64_t parked_micros = 0;  // time the reader waited for room in the queue
};

class ReplicationStream {
 public:
  ReplicationStream(boost::asio::any_io_executor executor, StreamSettings settings,
                    ChangeDecoder::TableFilter filter = {}, ChangeDecoder::ColumnsLookup lookup = {},
                    std::shared_ptr<spdlog::logger> logger = nullptr);
  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // Starts the read loop on the executor. Call once.
  void start();
  // Stops reading (thread-safe); pop() then drains what is queued and returns nullopt.
  void stop();

  // Consumer side (any thread): the next transaction, or nullopt on timeout, stop or failure.
  std::optional<Transaction> pop(std::chrono::milliseconds timeout);
  // Gives popped transactions back once used, to be freed on the io thread, which allocated
  // them: glibc's malloc gets much slower when one thread frees what another allocates (the
  // allocating thread's caches stay empty), and that was a good part of the reader's CPU.
  // Any thread; freed before the reader's next event (or with the stream).
  void recycle(std::vector<Transaction> spent);
  // Blocks until the stream has read (not necessarily delivered) up to `pos` or `timeout` passes.
  bool wait_read_past(const BinlogPosition& pos, std::chrono::milliseconds timeout);

  // Where the last complete transaction ended (delivered or skipped as irrelevant).
  BinlogPosition read_position() const;
  // The first position, once known (after SHOW MASTER STATUS when no start was given).
  std::optional<BinlogPosition> start_position() const;
  std::size_t queued() const;
  std::size_t queued_bytes() const;
  StreamStats stats() const;
  bool running() const noexcept { return running_.load(); }
  // The error that ended the stream (auth failure, decode error, reconnects exhausted), if any.
  std::exception_ptr failure() const;

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> run_once(BinlogPosition& resume, bool& made_progress);
  boost::asio::awaitable<void> watchdog(std::shared_ptr<BinlogConnection> conn,
                                        std::shared_ptr<std::atomic<bool>> done);
  boost::asio::awaitable<void> push(Transaction trx);
  // Also adds events/bytes read since the last call to the stats.
  void set_read_position(const BinlogPosition& pos, std::uint32_t ts, std::uint64_t events = 0,
                         std::uint64_t bytes = 0);
  void fail(std::exception_ptr e);

  boost::asio::any_io_executor executor_;
  StreamSettings settings_;
  ChangeDecoder::TableFilter filter_;
  ChangeDecoder::ColumnsLookup lookup_;
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // consumers: new item, stop, failure, position moved
  std::deque<Transaction> queue_;
  std::size_t queued_bytes_ = 0;  // sum of queue_'s Transaction::bytes
  BinlogPosition read_pos_;
  std::optional<BinlogPosition> start_pos_;
  StreamStats stats_;
  std::exception_ptr failure_;
  bool stopping_ = false;

  std::vector<std::vector<Transaction>> spent_;  // recycle()d, freed by the io thread (under mu_)
  std::atomic<bool> has_spent_{false};
  void free_spent();

  std::atomic<bool> running_{false};
  std::atomic<bool> producer_waiting_{false};
  std::atomic<std::chrono::steady_clock::rep> last_activity_{0};
  struct AsyncState;
  std::shared_ptr<AsyncState> async_;  // io-thread objects: space timer, current connection
  // io thread: the row changes and statements of the transaction in progress already delivered
  // in pieces (a reconnect re-reads the transaction from its start and skips these).
  std::size_t piece_changes_ = 0, piece_queries_ = 0;
};

}  // namespace ghostcut::binlog
