// Applier: writes binlog transactions of the original table to the ghost table, from the row
// images (never re-reading the original: a replica can see events before their commit is visible
// to other sessions, and re-reading then loses rows — Spirit #746).
//   insert → REPLACE new row; update → REPLACE new row, and when the key changed DELETE old key first;
//   delete → DELETE by key. Whole transactions go into one SQL transaction (batched), optionally
//   deduplicated per key inside the batch (only the last image of a key matters, since REPLACE and
//   DELETE by key are idempotent and replay is in order). A big transaction the stream delivers in
//   pieces (Transaction::more) is applied a piece per SQL transaction, deduplicated within the
//   piece only: replaying its row images from the transaction's start is idempotent too, so the
//   caller moves its applied position only at the last piece.
// When the ghost has unique keys the original lacks, REPLACE would silently delete a conflicting
// row; then rows are written as DELETE by key + plain INSERT, so a duplicate fails loudly (1062).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "binlog/row/transaction.h"
#include "engine/apply/apply_sql.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/progress.h"
#include "engine/sql/lock_conflict.h"

namespace ghostcut::engine {

class SqlConnection;

struct ApplierConfig {
  std::size_t max_statement_bytes = 4 << 20;  // split multi-row statements above this
  bool dedupe = true;                         // per key, within one apply() call
  // The migration's stream delivers a transaction bigger than this (binlog bytes) in pieces of
  // about this size, each applied in its own SQL transaction: memory stays bounded (0 = whole).
  std::size_t piece_bytes = 4 << 20;
  // Lock conflicts (1213/1205, e.g. with a copy chunk's inserts) are retried until this policy's
  // time limit; a batch that lost split_after times in a row is applied in two halves (each
  // again split when it keeps losing), since a smaller transaction holds fewer locks.
  ConflictRetryPolicy conflict_retry;
  int split_after = 3;
  std::chrono::seconds lock_wait_timeout{0};  // session innodb_lock_wait_timeout (0: the server's)
  // Binlog first: told true when a batch starts retrying, false once it is committed (or failed).
  std::function<void(bool retrying)> on_conflict;
  // Test seam: called before each SQL transaction of a batch (1, 2, … over the applier's life).
  std::function<void(std::uint64_t transaction)> before_transaction;
  // A second connection may share a batch's rows, split by chunk key, where that is safe
  // (partition_refusal in apply_sql.h): 2 lets the applier loop open it, 1 keeps one connection.
  int connections = 2;
  // A batch with fewer row operations stays on one connection (the split costs a hand-off).
  std::size_t partition_min_ops = 16;
  // The applier loop builds the next batch while one is written (Applier::prepare/start/finish).
  bool pipeline = true;
  // The applier loop starts the next batch behind the one in flight where both are split alike
  // (Applier::may_start_before), so neither connection waits for the other between batches.
  // Off: on a shared 2-core machine it gained nothing measurable. First measured at ~25 % more
  // server CPU per event on big transactions, by a bench whose own poller took a third of the
  // CPU; with the bench fixed (5 alternating rounds) the medians were +5 % (1000-row) and +2 %
  // (single-row) at the same CPU, inside the rounds' noise (0.56–1.52× round by round).
  bool overlap_batches = false;
  // Where keys commute (partition_refusal) and dedupe is on, a batch's rows are written in key
  // order (order_by_key in apply_sql.h); false keeps the binlog order.
  bool order_by_key = true;
};

// XA transactions are binlogged at XA PREPARE; their rows wait here (by xid text) for the XA
// COMMIT that makes them real, and are dropped on XA ROLLBACK. (A big XA transaction's rows are
// held whole, whatever the stream's piece size.) It outlives an Applier: a reconnect hands it on.
// Where each held transaction starts in the binlog: a resume checkpoint must not pass the oldest
// one that holds rows (floor()), or a resumed run would never see its rows again.
struct XaHold {
  std::map<std::string, std::vector<binlog::RowChange>> prepared;
  std::map<std::string, binlog::BinlogPosition> since;  // xid → start of its PREPARE transaction
  bool in_pieces = false;                               // an XA transaction's pieces are arriving
  std::vector<binlog::RowChange> pieces;                // their rows so far (the xid comes with the last)
  binlog::BinlogPosition pieces_since;                  // start of their first piece

  // The start of the oldest held transaction with rows of the table; nullopt when none.
  std::optional<binlog::BinlogPosition> floor() const;
};

class Applier {
 public:
  // `conn` is the applier's own connection; the constructor sets its session
  // (time_zone '+00:00', sql_mode, no binlog changes to the session otherwise).
  Applier(SqlConnection& conn, const MigrationPlan& plan, ApplierConfig config, ProgressCounters& progress);
  ~Applier();

  // A second connection (same session setup) that writes the other half of each batch's rows
  // from a thread of its own; only when partition_refusal(plan) is nullopt. The connection must
  // outlive this Applier.
  void add_partner(SqlConnection& conn);
  bool partitioned() const noexcept { return partner_ != nullptr; }

  // Applies whole transactions in one SQL transaction (rows of other tables are ignored) — or, with
  // a partner, in two, one per half of the keys; both halves commit before apply() returns.
  // Throws SqlError (e.g. 1062 for a duplicate on a new unique key) or std::runtime_error (DDL on
  // the original in the batch — checked before anything is written; a partial JSON update, which
  // needs binlog_row_value_options=''; a non-FULL row image); on throw nothing of this batch is
  // committed. A deadlock / lock wait timeout rolls the whole SQL transaction back and is
  // retried (see ApplierConfig), with every statement of it: never a partial batch. Past the
  // time limit it is thrown with what held the locks; then pieces of a split batch may be in the
  // ghost, which is harmless — row images are idempotent and the caller fails the migration.
  // Adds the batch's row changes to progress.events_applied. SQL text: apply_sql.h.
  // `start`: where the batch's first transaction starts (at or before it; a transaction end),
  // recorded for the XA transactions it holds (XaHold::floor); empty when unknown.
  void apply(std::span<const binlog::Transaction> batch, const binlog::BinlogPosition& start = {});

  // apply() in three steps, so the applier loop can build the next batch while this one runs on
  // the server: prepare() reads the batch (checks, XA hold, row operations, SQL text) and writes
  // nothing; start() sends it on the connection(s)' own threads; finish() waits for both halves
  // to commit (or throws as apply() does) and only then takes the batch's XA hold and counts it.
  // `base`: the XA hold as the batch before it leaves it (xa_hold() when nothing is in flight).
  // The batch's transactions must stay alive and in place until finish() returns.
  struct Prepared;
  struct PreparedDeleter {
    void operator()(Prepared* p) const;
  };
  using PreparedPtr = std::unique_ptr<Prepared, PreparedDeleter>;
  PreparedPtr prepare(std::span<const binlog::Transaction> batch, const binlog::BinlogPosition& start,
                      const XaHold& base) const;
  void start(Prepared& p);
  void finish(Prepared& p);
  // start() unless started, then finish(): the write, also again after it threw.
  void complete(Prepared& p);
  // Whether `next` may be started while `before` (started earlier) is still being written: each
  // connection then goes on to its half of `next` as soon as its half of `before` is done. True
  // when both are split by key alike (or either writes nothing), so every key's operations stay
  // on one connection in binlog order; finish() them in order.
  static bool may_start_before(const Prepared& before, const Prepared& next);
  static bool started(const Prepared& p);
  // A started batch given up before its finish() (the batch before it lost its connection):
  // waits until its writes have ended, however, and leaves it to be started again (replaying
  // row images is idempotent); nothing of it is held or counted.
  void abandon(Prepared& p);
  // The XA hold `p` leaves behind once written (nullptr: the batch does not change it).
  static const XaHold* hold_after(const Prepared& p);
  // The batch's row operations (both halves), for a watcher once it is committed.
  static std::pair<std::span<const RowOp>, std::span<const RowOp>> operations(const Prepared& p);

  // The XA rows held; apply() changes them only once its batch is written, so a batch that
  // throws (a lost connection) is applied again from the same hold, by this or a new Applier.
  XaHold take_xa_hold() { return std::move(xa_); }
  void set_xa_hold(XaHold h) { xa_ = std::move(h); }
  const XaHold& xa_hold() const { return xa_; }

  // Time each connection (own, partner) spent writing so far.
  std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds> busy() const;
  // Rows written (REPLACE/INSERT) and deleted so far.
  std::uint64_t rows_applied() const noexcept { return rows_applied_; }
  // Lock conflicts retried, and batches split because of them, so far.
  std::uint64_t conflicts() const noexcept { return conflicts_; }
  std::uint64_t splits() const noexcept { return splits_; }

 private:
  void setup_session(SqlConnection& conn);
  // BEGIN; statements; COMMIT — or ROLLBACK and rethrow. A lone statement runs on its own
  // (autocommit: one statement is atomic) unless warnings are checked after it.
  void run_in_transaction(SqlConnection& conn, const std::vector<std::string>& statements);
  struct Retry;  // one apply() call's conflict state (one per connection)
  // Applies `ops` in one SQL transaction on `conn`, retrying conflicts; splits when they persist.
  // `statements`: apply_statements(ops, target), when already built.
  void apply_ops(SqlConnection& conn, const std::vector<RowOp>& ops, const ApplyTarget& target, Retry& retry,
                 const std::vector<std::string>* statements = nullptr);
  // Non-strict session only: fails on any warning but notes and the implicit-default 1364.
  void check_statement_warnings(SqlConnection& conn);
  // The binlog-first hand: raised while any batch retries a conflict, lowered once none does.
  void raise_hand(std::atomic<bool>& raised);
  void lower_hand(std::atomic<bool>& raised);

  SqlConnection& conn_;
  const MigrationPlan& plan_;
  ApplierConfig config_;
  ProgressCounters& progress_;
  std::uint64_t rows_applied_ = 0;
  std::atomic<std::uint64_t> conflicts_{0}, splits_{0}, transactions_{0};
  std::uint64_t random_seed_;
  // Operations on different keys commute in the ghost (partition_refusal): a batch's are
  // written in key order (order_by_key).
  bool keys_commute_ = false;
  bool check_warnings_ = false;
  std::mutex hand_mu_;
  int hands_ = 0;  // batches with a raised hand (guarded by hand_mu_)
  XaHold xa_;
  SqlConnection* partner_ = nullptr;
  class Worker;                     // a connection's writing thread
  std::unique_ptr<Worker> worker_;  // the partner connection's
  std::unique_ptr<Worker> own_;     // conn_'s
};

// True when `q` is DDL that touches `database`.`table` (ALTER/DROP/RENAME/TRUNCATE/CREATE … LIKE
// is not): such a change invalidates every later row image, so the migration must stop.
bool is_ddl_on_table(const binlog::Query& q, const std::string& database, const std::string& table);

// True when `q` is a row change (INSERT/REPLACE/UPDATE/DELETE/LOAD DATA) that names `table` —
// a statement-format write (session binlog_format=STATEMENT/MIXED) whose rows the binlog does
// not carry: the ghost would silently miss it, so the migration must stop.
bool is_dml_on_table(const binlog::Query& q, const std::string& database, const std::string& table);

// "XA START X'31',X'',1" → kind kStart/kEnd/kCommit/kRollback/kPrepare and the xid text
// ("X'31',X'',1", spaces removed); nullopt for anything else.
struct XaStatement {
  enum class Kind { kStart, kEnd, kPrepare, kCommit, kRollback } kind;
  std::string xid;
  bool one_phase = false;
};
std::optional<XaStatement> parse_xa_statement(std::string_view statement);

}  // namespace ghostcut::engine
