#include "engine/apply/applier.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/thread_name.h"
#include "engine/apply/apply_sql.h"
#include "engine/apply/job_thread.h"
#include "engine/copy/copier.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

using Clock = std::chrono::steady_clock;

struct Applier::Retry {
  Clock::time_point started, deadline;
  std::uint64_t conflicts = 0;
  std::string batch_end;           // binlog position, for messages
  std::atomic<bool>* hand;         // shared by the halves: raised once, lowered by apply()
  std::uint64_t random_state = 1;  // backoff jitter
};

// A connection's thread: one SQL job at a time, in order (JobThread).
class Applier::Worker : public JobThread {
 public:
  using JobThread::JobThread;
};

Applier::Applier(SqlConnection& conn, const MigrationPlan& plan, ApplierConfig config, ProgressCounters& progress)
    : conn_(conn),
      plan_(plan),
      config_(std::move(config)),
      progress_(progress),
      random_seed_(static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()) | 1),
      keys_commute_(!partition_refusal(plan_)) {
  setup_session(conn_);
}

Applier::~Applier() = default;

void Applier::add_partner(SqlConnection& conn) {
  if (partition_refusal(plan_)) throw std::logic_error("applier: rows of this plan cannot be split by key");
  setup_session(conn);
  partner_ = &conn;
  worker_ = std::make_unique<Worker>("gc-apply-2");
}

void Applier::setup_session(SqlConnection& conn) {
  conn.execute(kEngineSessionSetup);
  if (config_.lock_wait_timeout.count() > 0)
    conn.execute("SET SESSION innodb_lock_wait_timeout = " + std::to_string(config_.lock_wait_timeout.count()));
  // MariaDB copies each statement's text into the binlog as an ANNOTATE_ROWS event before its
  // rows: for our multi-MB statements that doubles what the server writes, sends to every replica
  // and to our own stream, and it is informational only. Left on where the server refuses.
  if (plan_.server.flavour == Flavour::kMariaDb) {
    try {
      conn.execute("SET SESSION binlog_annotate_row_events = OFF");
    } catch (const SqlError& e) {
      if (e.code() != 1193 && e.code() != 1227) throw;  // unknown variable, access denied
    }
  }
  // The applier reads nothing it does not lock: REPLACE / DELETE / UPDATE by key always see the
  // latest committed row, so READ COMMITTED changes no result — it only drops the gap locks that
  // REPEATABLE READ adds to every key searched, which copy chunks inserting nearby wait on.
  conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  // An added NOT NULL column without DEFAULT: strict mode refuses a row that leaves it out
  // (1364) where native ALTER stores the implicit default. Without STRICT the server stores that
  // default with a warning, and every other warning is checked after each statement (below), so
  // what strict mode would reject still fails — the same rule as the copier's INSERT IGNORE.
  if (plan_.skip_check_constraints) conn.execute("SET SESSION check_constraint_checks = OFF");  // as native ALTER
  if (!plan_.implicit_default_columns.empty()) {
    conn.execute("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'");
    check_warnings_ = true;
  }
}

void Applier::check_statement_warnings(SqlConnection& conn) {
  if (to_uint64(conn.query("SHOW COUNT(*) WARNINGS").scalar()) == 0) return;
  const auto w = conn.query("SHOW WARNINGS");
  for (std::size_t r = 0; r < w.size(); ++r) {
    const auto code = static_cast<int>(to_int64(w.at(r, "Code")));
    const std::string msg = w.at(r, "Message").value_or("");
    if (iequals(w.at(r, "Level").value_or(""), "Note")) continue;
    if (code == 1364 &&
        std::any_of(plan_.implicit_default_columns.begin(), plan_.implicit_default_columns.end(),
                    [&](const std::string& c) { return lower(msg).find("'" + lower(c) + "'") != std::string::npos; }))
      continue;
    if (is_collision_marker(code, msg, plan_)) throw collision_error(conn, plan_, "binlog applier");
    throw SqlError(code, "",
                   "applying binlog rows to " + plan_.database + "." + plan_.ghost_table +
                       ": the ALTER would change or drop a value: warning " + std::to_string(code) + ": " + msg,
                   "apply");
  }
}

void Applier::run_in_transaction(SqlConnection& conn, const std::vector<std::string>& statements) {
  if (statements.size() == 1 && !check_warnings_) {
    // A statement is atomic on its own: the BEGIN and COMMIT round trips are saved, and an error
    // leaves nothing of it (InnoDB rolls back an autocommit statement whole, 1205 included).
    try {
      conn.execute(statements.front());
    } catch (const SqlError& e) {
      if (is_collision_marker(e.code(), e.what(), plan_)) throw collision_error(conn, plan_, "binlog applier");
      throw;
    }
    return;
  }
  conn.execute("BEGIN");
  try {
    for (const auto& s : statements) {
      try {
        conn.execute(s);
      } catch (const SqlError& e) {
        if (is_collision_marker(e.code(), e.what(), plan_)) throw collision_error(conn, plan_, "binlog applier");
        throw;
      }
      if (check_warnings_) check_statement_warnings(conn);
    }
    conn.execute("COMMIT");
  } catch (...) {
    try {
      conn.execute("ROLLBACK");
    } catch (...) {
      // The connection may be gone; the server rolls back an unfinished transaction itself.
    }
    throw;
  }
}

std::optional<binlog::BinlogPosition> XaHold::floor() const {
  std::optional<binlog::BinlogPosition> f;
  for (const auto& [xid, rows] : prepared) {
    if (rows.empty()) continue;  // an XA transaction of other tables holds nothing back
    const auto it = since.find(xid);
    if (it != since.end() && !it->second.empty() && (!f || it->second < *f)) f = it->second;
  }
  return f;
}

// A batch ready to write, and its write while in flight.
struct Applier::Prepared {
  ApplyTarget target;
  // Rows of XA transactions committed in this batch: the operations point into them.
  std::vector<std::vector<binlog::RowChange>> committed_xa;
  std::optional<XaHold> hold;        // the hold as the batch leaves it, when it touches XA
  std::vector<RowOp> first, second;  // second: the partner connection's half (split only)
  std::vector<std::string> first_sql, second_sql;
  bool split = false;
  std::uint64_t events = 0;  // row changes of the table
  std::string batch_end;     // binlog position, for messages
  bool started = false;
  std::uint64_t ticket_first = 0, ticket_second = 0;  // the workers' jobs, once started
  std::atomic<bool> raised{false};                    // the binlog-first hand, shared by the halves
  std::optional<Retry> retry_first, retry_second;
};

void Applier::PreparedDeleter::operator()(Prepared* p) const { delete p; }

const XaHold* Applier::hold_after(const Prepared& p) { return p.hold ? &*p.hold : nullptr; }

std::pair<std::span<const RowOp>, std::span<const RowOp>> Applier::operations(const Prepared& p) {
  return {p.first, p.second};
}

void Applier::complete(Prepared& p) {
  if (!p.started) start(p);
  finish(p);
}

void Applier::apply(std::span<const binlog::Transaction> batch, const binlog::BinlogPosition& from) {
  auto p = prepare(batch, from, xa_);
  start(*p);
  finish(*p);
}

Applier::PreparedPtr Applier::prepare(std::span<const binlog::Transaction> batch, const binlog::BinlogPosition& start,
                                      const XaHold& base) const {
  PreparedPtr p(new Prepared);
  auto target = make_apply_target(plan_, config_.max_statement_bytes);
  if (!target) throw std::runtime_error("applier: " + target.error().message());
  p->target = std::move(*target);
  std::vector<const binlog::RowChange*> changes;
  auto& committed_xa = p->committed_xa;
  // The hold as this batch leaves it, kept only once the batch is written: a batch that throws
  // leaves xa_ as it was, for the retry. Copied only when the batch touches XA at all (no other
  // batch reads or changes the hold).
  bool touches_xa = base.in_pieces;
  for (const auto& trx : batch) {
    touches_xa = touches_xa || trx.prepared_xa;
    for (const auto& q : trx.queries) touches_xa = touches_xa || parse_xa_statement(q.statement).has_value();
  }
  XaHold copy;
  if (touches_xa) copy = base;
  XaHold& hold = copy;
  // Where the transaction in hand starts: the batch's start, then the previous one's end (only
  // a batch's last transaction can be an unfinished piece).
  binlog::BinlogPosition trx_start = start;
  auto hold_since = [&](const std::string& xid, const binlog::BinlogPosition& from) {
    if (from.empty()) return;
    auto [it, fresh] = hold.since.emplace(xid, from);
    if (!fresh && from < it->second) it->second = from;
  };
  for (std::size_t ti = 0; ti < batch.size(); ++ti) {
    const auto& trx = batch[ti];
    if (ti > 0) trx_start = batch[ti - 1].end;
    std::optional<XaStatement> xa;
    for (const auto& q : trx.queries) {
      if (is_ddl_on_table(q, plan_.database, plan_.table))
        throw std::runtime_error("DDL on " + plan_.database + "." + plan_.table + " during the migration (at " +
                                 trx.end.file + ":" + std::to_string(trx.end.offset) + "): " + q.statement +
                                 " — every later row image has a different meaning; the migration must stop");
      if (is_dml_on_table(q, plan_.database, plan_.table))
        throw std::runtime_error("a statement-format write to " + plan_.database + "." + plan_.table +
                                 " during the migration (at " + trx.end.to_string() + "): \"" + q.statement +
                                 "\" — the binlog carries no row images for it (a session with binlog_format="
                                 "STATEMENT or MIXED), so the ghost table would miss it; the migration must stop");
      if (auto x = parse_xa_statement(q.statement)) xa = x;
    }
    // An XA transaction in pieces: its xid comes only with XA END in the last piece (MariaDB), so
    // the rows of the pieces before wait here, then join the xid's held rows (or, XA COMMIT …
    // ONE PHASE, are applied with the last piece).
    std::vector<binlog::RowChange> earlier_pieces;
    if (hold.in_pieces || (trx.more && (xa || trx.prepared_xa))) {
      if (!hold.in_pieces) hold.pieces_since = trx_start;
      for (const auto& c : trx.changes)
        if (c.schema == plan_.database && c.table == plan_.table) hold.pieces.push_back(c);
      hold.in_pieces = trx.more;
      if (trx.more) continue;
      earlier_pieces = std::move(hold.pieces);
      hold.pieces.clear();
      const bool ends = xa && (xa->kind == XaStatement::Kind::kEnd || xa->kind == XaStatement::Kind::kPrepare ||
                               (xa->kind == XaStatement::Kind::kCommit && xa->one_phase));
      if (!ends)
        throw std::runtime_error("an XA transaction delivered in pieces ended at " + trx.end.to_string() +
                                 " without XA END / XA PREPARE / XA COMMIT ONE PHASE; the migration must stop");
      if (xa->kind != XaStatement::Kind::kCommit) {
        hold_since(xa->xid, hold.pieces_since);
        auto& held = hold.prepared[xa->xid];
        held.insert(held.end(), std::make_move_iterator(earlier_pieces.begin()),
                    std::make_move_iterator(earlier_pieces.end()));
        continue;  // this piece's rows were added to hold.pieces above, so they are held too
      }
      // ONE PHASE: the earlier pieces' rows and this piece's (already in earlier_pieces) now.
      committed_xa.push_back(std::move(earlier_pieces));
      for (const auto& c : committed_xa.back()) changes.push_back(&c);
      continue;
    }
    // MariaDB binlogs an XA transaction at XA PREPARE (XA START … XA END, then XA_PREPARE_LOG);
    // its outcome comes later as a transaction of its own holding XA COMMIT / XA ROLLBACK.
    if (xa && (xa->kind == XaStatement::Kind::kEnd || xa->kind == XaStatement::Kind::kStart ||
               xa->kind == XaStatement::Kind::kPrepare)) {
      hold_since(xa->xid, trx_start);
      auto& held = hold.prepared[xa->xid];
      for (const auto& c : trx.changes)
        if (c.schema == plan_.database && c.table == plan_.table) held.push_back(c);
      continue;
    }
    if (xa && xa->kind == XaStatement::Kind::kCommit && !xa->one_phase) {
      if (auto it = hold.prepared.find(xa->xid); it != hold.prepared.end()) {
        committed_xa.push_back(std::move(it->second));
        hold.prepared.erase(it);
        hold.since.erase(xa->xid);
        for (const auto& c : committed_xa.back()) changes.push_back(&c);
      }
    } else if (xa && xa->kind == XaStatement::Kind::kRollback) {
      hold.prepared.erase(xa->xid);
      hold.since.erase(xa->xid);
      continue;
    }
    for (const auto& c : trx.changes)
      if (c.schema == plan_.database && c.table == plan_.table) changes.push_back(&c);
  }
  if (touches_xa) p->hold = std::move(copy);
  p->events = changes.size();
  if (!batch.empty()) p->batch_end = batch.back().end.to_string();
  if (changes.empty()) return p;
  auto ops = row_ops(changes, p->target, config_.dedupe);
  if (!ops) throw std::runtime_error("applier: " + ops.error().message());
  if (keys_commute_ && config_.dedupe && config_.order_by_key) order_by_key(*ops);
  if (partner_ && ops->size() >= std::max<std::size_t>(2, config_.partition_min_ops)) {
    // Two halves by chunk key on two connections at once; operations on different keys commute
    // here (partition_refusal), and each key's stay in order in its half. The applied position
    // moves only after both committed; a crash in between replays both (idempotent, DESIGN §3).
    auto halves = partition_ops(std::move(*ops));
    p->first = std::move(halves.first);
    p->second = std::move(halves.second);
    p->split = true;
    p->second_sql = apply_statements(p->second, p->target);
  } else {
    p->first = std::move(*ops);
  }
  p->first_sql = apply_statements(p->first, p->target);
  return p;
}

void Applier::start(Prepared& p) {
  if (p.first.empty() && p.second.empty()) return;  // nothing of the table: only the XA hold changes
  random_seed_ = random_seed_ * 6364136223846793005ULL + 1442695040888963407ULL;
  p.retry_first.emplace(
      Retry{Clock::now(), Clock::now() + config_.conflict_retry.limit, 0, p.batch_end, &p.raised, random_seed_});
  if (!own_) own_ = std::make_unique<Worker>("gc-apply-1");
  p.ticket_first = own_->post([this, &p] { apply_ops(conn_, p.first, p.target, *p.retry_first, &p.first_sql); });
  if (p.split) {
    p.retry_second.emplace(*p.retry_first);
    p.retry_second->random_state ^= 0x9E3779B97F4A7C15ULL;
    p.ticket_second =
        worker_->post([this, &p] { apply_ops(*partner_, p.second, p.target, *p.retry_second, &p.second_sql); });
  }
  p.started = true;
}

bool Applier::may_start_before(const Prepared& before, const Prepared& next) {
  const auto empty = [](const Prepared& p) { return p.first.empty() && p.second.empty(); };
  // Split alike, every key's operations of both batches are on one connection, in order; a
  // batch on one connection alone could overtake the other connection's half on the same key.
  return empty(before) || empty(next) || (before.split && next.split);
}

bool Applier::started(const Prepared& p) { return p.started; }

std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds> Applier::busy() const {
  const auto of = [](const std::unique_ptr<Worker>& w) {
    return w ? std::chrono::duration_cast<std::chrono::nanoseconds>(w->busy()) : std::chrono::nanoseconds(0);
  };
  return {of(own_), of(worker_)};
}

void Applier::abandon(Prepared& p) {
  if (!p.started) return;
  p.started = false;
  own_->wait(p.ticket_first);
  if (p.split) worker_->wait(p.ticket_second);
  lower_hand(p.raised);
}

void Applier::raise_hand(std::atomic<bool>& raised) {
  if (raised.exchange(true)) return;
  std::lock_guard lk(hand_mu_);
  if (hands_++ == 0 && config_.on_conflict) config_.on_conflict(true);
}

void Applier::lower_hand(std::atomic<bool>& raised) {
  if (!raised.exchange(false)) return;
  std::lock_guard lk(hand_mu_);
  if (--hands_ == 0 && config_.on_conflict) config_.on_conflict(false);
}

void Applier::finish(Prepared& p) {
  struct Hand {  // lowers the batch's raised hand however the write ends
    Applier& a;
    std::atomic<bool>& raised;
    ~Hand() { a.lower_hand(raised); }
  } hand{*this, p.raised};
  if (p.started) {
    p.started = false;
    const auto mine = own_->wait(p.ticket_first);
    const auto theirs = p.split ? worker_->wait(p.ticket_second) : nullptr;
    if (mine) std::rethrow_exception(mine);
    if (theirs) std::rethrow_exception(theirs);
  }
  if (p.hold) xa_ = *p.hold;  // a copy: a batch prepared after this one may still read it
  rows_applied_ += p.first.size() + p.second.size();
  progress_.events_applied += p.events;
}

// A lock wait timeout or deadlock (e.g. against a copy chunk's inserts) leaves the transaction
// rolled back by run_in_transaction (InnoDB undoes only the statement on 1205; the ROLLBACK
// undoes the rest), so a retry runs every statement of `ops` again — never a partial batch.
// Splitting commits the halves separately; that is safe because each op is an idempotent
// REPLACE/DELETE by key from the binlog's row images, applied in binlog order, so the end state
// after both halves is the one after the whole; the copier's INSERT IGNORE of a row in between
// reads the original's current row, which the remaining events bring to the same state (DESIGN §3).
void Applier::apply_ops(SqlConnection& conn, const std::vector<RowOp>& ops, const ApplyTarget& target, Retry& retry,
                        const std::vector<std::string>* prebuilt) {
  std::vector<std::string> built;
  if (!prebuilt) built = apply_statements(ops, target);
  const auto& statements = prebuilt ? *prebuilt : built;
  for (int lost = 0;;) {
    if (config_.before_transaction) config_.before_transaction(++transactions_);
    try {
      run_in_transaction(conn, statements);
      return;
    } catch (const SqlError& e) {
      if (!e.retryable()) throw;
      ++lost;
      ++conflicts_;
      ++progress_.lock_conflicts;
      ++retry.conflicts;
      raise_hand(*retry.hand);
      const auto now = Clock::now();
      if (now >= retry.deadline) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - retry.started).count();
        throw SqlError(e.code(), e.sqlstate(),
                       "applier: a batch of " + std::to_string(ops.size()) + " row changes to " + plan_.database + "." +
                           plan_.ghost_table + " (binlog up to " + retry.batch_end +
                           ") kept losing lock conflicts for " + std::to_string(secs) + " s (" +
                           std::to_string(retry.conflicts) +
                           " conflicts; the limit is --lock-conflict-retry-seconds); last: " + e.what() + "; " +
                           describe_lock_holders(conn),
                       e.context());
      }
      if (lost >= config_.split_after && ops.size() > 1) {
        ++splits_;
        const auto mid = ops.begin() + static_cast<std::ptrdiff_t>(ops.size() / 2);
        apply_ops(conn, std::vector<RowOp>(ops.begin(), mid), target, retry);
        apply_ops(conn, std::vector<RowOp>(mid, ops.end()), target, retry);
        return;
      }
      retry.random_state = retry.random_state * 6364136223846793005ULL + 1442695040888963407ULL;
      std::this_thread::sleep_for(config_.conflict_retry.backoff(lost, retry.random_state >> 33));
    }
  }
}

}  // namespace ghostcut::engine
