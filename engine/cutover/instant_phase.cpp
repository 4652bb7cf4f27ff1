#include "engine/cutover/instant_phase.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "engine/cutover/blockers.h"
#include "engine/cutover/cut_over_gate.h"
#include "engine/inspect/inspector.h"
#include "engine/inspect/instant_check.h"
#include "engine/inspect/lock_holders.h"
#include "engine/inspect/phased_queries.h"
#include "engine/resume/resume_session.h"
#include "engine/schedule/change_rate_meter.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/throttle/throttler.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

// The gate's view of a run with no ghost and no stream: the throttle (load, flag file, manual; no
// replica lag: there is no changelog table to carry heartbeats, and the ALTER writes no rows —
// it replicates as one metadata change), and for --cut-over-when-quiet the server-wide InnoDB row
// change rate, an upper bound of the table's own (so "quiet" is never claimed too early).
class InstantSignals : public GateSignals {
 public:
  explicit InstantSignals(MigrationContext& m) : m_(m), meter_(m.config.quiet_window) {
    ThrottlerConfig tc = m.config.throttle;
    tc.primary = m.cs;
    tc.replica_credentials = m.cs;
    tc.database = m.plan.database;
    tc.changelog_table = m.plan.changelog_table;
    tc.replica_lag = false;
    throttler_ = std::make_unique<Throttler>(tc, m.runtime, m.log);
    throttler_->start();
  }
  void check_failures() const override {
    if (auto f = throttler_->failure()) std::rethrow_exception(f);
    if (m_.runtime.panic()) throw std::runtime_error("panic: the operator aborted the migration");
    if (m_.stop.stop_requested()) throw std::runtime_error("interrupted");
  }
  double change_rate() const override {
    if (!m_.config.cut_over_when_quiet) return 0;
    std::lock_guard lock(mu_);
    if (!conn_) conn_ = SqlConnection::open(m_.cs);
    std::uint64_t rows = 0;
    for (const auto& row : conn_->query("SHOW /* ghostcut instant */ GLOBAL STATUS LIKE 'Innodb_rows_%'").rows) {
      const auto name = row[0].value_or("");
      if (name == "Innodb_rows_inserted" || name == "Innodb_rows_updated" || name == "Innodb_rows_deleted")
        rows += std::stoull(row[1].value_or("0"));
    }
    if (last_rows_) meter_.add(Clock::now(), rows - *last_rows_);
    last_rows_ = rows;
    return meter_.rate(Clock::now());
  }
  ThrottleStatus throttle_status() const override { return throttler_->status(); }
  std::optional<std::string> not_caught_up(std::chrono::milliseconds) const override { return std::nullopt; }

 private:
  MigrationContext& m_;
  std::unique_ptr<Throttler> throttler_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<SqlConnection> conn_;
  mutable ChangeRateMeter meter_;
  mutable std::optional<std::uint64_t> last_rows_;
};

// Why the copy, not the instant ALTER (empty: go instant).
std::string declined(const MigrationContext& m) {
  if (!m.config.attempt_instant) return "--no-attempt-instant";
  if (!m.plan.instant.possible) return m.plan.instant.reason.empty() ? "not checked" : m.plan.instant.reason;
  if (!m.plan.mapping.backfills.empty()) return "a --backfill fills the new column(s) row by row: the copy does it";
  if (m.config.keep_old_table_in_sync.count() > 0)
    return "--keep-old-table-in-sync needs the old table the copy leaves";
  if (m.resume && m.resume->resuming()) return "an interrupted copy is resumed";
  if (!m.plan.leftover_tables.empty()) return "leftover tables are dropped by the copy's set-up";
  if (!m.config.plan_check.queries.empty()) return "--check-queries compares plans on the ghost, which the copy builds";
  return {};
}

// After a lost connection: the table's columns tell whether the ALTER happened.
bool altered(const MigrationContext& m) {
  auto c = SqlConnection::open(m.cs);
  const auto now = load_table_schema_from_show(*c, m.plan.database, m.plan.table);
  if (now.columns.size() != m.plan.ghost.columns.size()) return false;
  for (std::size_t i = 0; i < now.columns.size(); ++i)
    if (now.columns[i].name != m.plan.ghost.columns[i].name ||
        now.columns[i].column_type != m.plan.ghost.columns[i].column_type)
      return false;
  return true;
}

}  // namespace

InstantResult alter_instantly(MigrationContext& m, SqlConnection& main) {
  InstantResult result;
  result.declined = declined(m);
  if (result.declined.empty()) {
    // The count may have grown since the dry run.
    if (const auto v = instant_row_versions(main, m.plan)) {
      if (row_version_verdict(*v) == RowVersionVerdict::kExceeds)
        result.declined =
            "the table has " + std::to_string(*v) + " instant row versions; one more passes InnoDB's limit";
      else if (row_version_verdict(*v) == RowVersionVerdict::kNear)
        m.log->warn(
            "instant: {} has {} of {} instant row versions; after a few more instant changes it needs a "
            "rebuild (--no-attempt-instant copies it, which starts again at 0)",
            m.plan.table, *v, kMaxInstantRowVersions);
    }
  }
  if (!result.declined.empty()) {
    m.log->info("instant: not attempted ({}); copying", result.declined);
    return result;
  }
  const auto timeout = std::max<long long>(1, m.config.cut_over.lock_timeout.count());
  const std::string subject = m.plan.database + "." + m.plan.table;
  const std::string sql = "ALTER " + statement_comment(subject, "instant") + "TABLE " +
                          quote_qualified(m.plan.database, m.plan.table) + " " + m.plan.alter + ", ALGORITHM=INSTANT";
  m.log->info(
      "instant: the server can do this ALTER as a metadata-only change; trying it natively "
      "(lock_wait_timeout {} s)",
      timeout);
  InstantSignals signals(m);
  CutOverGate gate(m, signals);
  return gate.attempts(
      "instant ALTER", "instant ALTER (ALGORITHM=INSTANT)",
      [&](int n) -> InstantResult {
        if (m.config.kill_blockers_after) kill_blockers(m, main, *m.config.kill_blockers_after, {});
        auto c = SqlConnection::open(m.cs);
        c->execute("SET SESSION lock_wait_timeout = " + std::to_string(timeout));
        const auto t0 = Clock::now();
        try {
          c->execute(sql);
        } catch (const SqlError& e) {
          const auto waited = since(t0);
          if (e.code() == 1205)  // ER_LOCK_WAIT_TIMEOUT: the metadata lock was not granted; nothing changed
            throw CutOverAborted("the ALTER waited " + std::to_string(waited.count()) +
                                 " ms for the metadata lock on " + m.plan.table +
                                 " (writers queued behind it as long) and gave up; holders: " +
                                 describe_lock_holders(lock_holders(main, m.plan), m.plan.server));
          if (is_instant_refusal(e.code())) {
            result.declined = std::string("the server refused ALGORITHM=INSTANT on the table: ") + e.what();
            m.log->warn("instant: {}; copying instead", result.declined);
            return result;
          }
          if (!e.connection_lost()) throw;
          if (!altered(m))
            throw CutOverAborted(std::string("connection lost during the ALTER (") + e.what() +
                                 "); the table is not altered");
          m.log->warn("instant: connection lost during the ALTER ({}), but the table is altered", e.what());
        }
        result.done = true;
        result.attempts = n;
        result.stall = since(t0);
        m.status.record_cut_over_attempt(n, result.stall);
        m.log->info("instant: {} altered natively in attempt {}; its metadata-lock wait and change took {} ms",
                    m.plan.table, n, result.stall.count());
        return result;
      },
      [] {});
}

}  // namespace ghostcut::engine
