#include "engine/cutover.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <thread>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

std::string tag(const MigrationPlan& p, const char* purpose) {
  std::string t = "/* ghostcut " + p.database + "." + p.table + " " + purpose + " */ ";
  // A "*/" inside a name must not close the comment early.
  for (std::size_t i = 0; (i = t.find("*/", i + 1)) != std::string::npos && i + 3 < t.size();) t.replace(i, 2, "* /");
  return t;
}

std::string qualified(const MigrationPlan& p, const std::string& table) { return quote_qualified(p.database, table); }

void set_session(SqlConnection& c, std::chrono::seconds lock_wait) {
  c.execute("SET SESSION lock_wait_timeout = " + std::to_string(std::max<long long>(1, lock_wait.count())));
  c.execute("SET SESSION innodb_lock_wait_timeout = " + std::to_string(std::max<long long>(1, lock_wait.count())));
}

bool table_exists(SqlConnection& c, const std::string& db, const std::string& table) {
  return !c.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", {db, table})
              .empty();
}

// True once another session holds `table`'s metadata lock: SHOW CREATE TABLE takes a
// high-priority shared lock, which a pending exclusive request does not block but a granted one
// does, so with lock_wait_timeout 0 it fails with 1205 exactly when the lock is held.
bool held_by_other(SqlConnection& probe, const std::string& qualified_table) {
  try {
    probe.query("SHOW CREATE TABLE " + qualified_table);
    return false;
  } catch (const SqlError& e) {
    return e.code() == 1205;
  }
}

}  // namespace

std::optional<std::string> CutOver::last_name_before_table() const {
  std::optional<std::string> last;
  for (const auto* name : {&plan_.old_table, &plan_.ghost_table})
    if (*name < plan_.table && (!last || *last < *name)) last = *name;
  return last;
}

bool CutOver::wait_until_held(SqlConnection& probe, const std::string& table, Clock::time_point deadline,
                              std::future<void>& rename_result) const {
  const std::string q = qualified(plan_, table);
  for (;;) {
    if (held_by_other(probe, q)) return true;
    // A RENAME that already failed holds nothing; the caller's unlock is then safe.
    if (rename_result.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

CutOver::CutOver(ConnectionSettings settings, const MigrationPlan& plan, CutOverConfig config, DrainFn drain,
                 std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      plan_(plan),
      config_(std::move(config)),
      drain_(std::move(drain)),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

std::chrono::milliseconds CutOver::attempt(int n) {
  auto lock = SqlConnection::open(settings_);
  auto rename = SqlConnection::open(settings_);
  set_session(*lock, config_.lock_timeout);
  // The rename waits behind our lock for as long as we may hold it, plus margin.
  set_session(*rename, config_.lock_timeout * 2 + std::chrono::seconds(1));
  auto admin = SqlConnection::open(settings_);
  // Asks, without waiting, whether another session HOLDS a name's metadata lock (see below).
  auto probe = SqlConnection::open(settings_);
  probe->execute("SET SESSION lock_wait_timeout = 0");  // MySQL's minimum is 1 s: its probes are slower

  const std::string t = qualified(plan_, plan_.table);
  const std::string ghost = qualified(plan_, plan_.ghost_table);
  const std::string sentry = qualified(plan_, plan_.old_table);

  lock->execute(tag(plan_, "cut-over sentry") + "CREATE TABLE " + sentry +
                " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB COMMENT='ghostcut cut-over sentry'");
  auto drop_sentry = [&] {
    try {
      // Only ever our sentry: if the rename had happened, _t_del would be the old table, and then
      // the rename would not have failed — see the callers.
      admin->execute(tag(plan_, "cut-over cleanup") + "DROP TABLE IF EXISTS " + sentry);
    } catch (const std::exception& e) {
      log_->warn("cut-over: could not drop the sentry table {}: {}", plan_.old_table, e.what());
    }
  };

  try {
    lock->execute(tag(plan_, "cut-over lock") + "LOCK TABLES " + t + " WRITE, " + sentry + " WRITE");
  } catch (const SqlError& e) {
    drop_sentry();
    throw CutOverAborted("attempt " + std::to_string(n) + ": could not lock " + plan_.table + " within " +
                         std::to_string(config_.lock_timeout.count()) + " s (" + e.what() + ")");
  }
  const auto locked_at = Clock::now();
  const auto deadline = locked_at + config_.lock_timeout;

  // From here on, any failure before the unlock-with-sentry-dropped must UNLOCK with the sentry
  // in place: the queued RENAME then fails and the original stays.
  std::promise<void> rename_done;
  auto rename_result = rename_done.get_future();
  const std::uint64_t rename_id = rename->connection_id();
  std::thread renamer([&] {
    SqlThreadGuard guard;
    try {
      rename->execute(tag(plan_, "cut-over rename") + "RENAME TABLE " + t + " TO " + sentry + ", " + ghost + " TO " + t);
      rename_done.set_value();
    } catch (...) {
      rename_done.set_exception(std::current_exception());
    }
  });
  bool unlocked = false;
  auto abort = [&](const std::string& why) -> CutOverAborted {
    unlocked = true;
    try {
      lock->execute("UNLOCK TABLES");
    } catch (const std::exception& e) {
      // A failed unlock means a broken connection: dropping it releases the lock too.
      log_->warn("cut-over: unlock failed ({}); closing the lock connection", e.what());
      lock.reset();
    }
    renamer.join();
    bool renamed = false;
    try {
      rename_result.get();
      renamed = true;
    } catch (const std::exception&) {
      // Expected: the sentry made it fail.
    }
    if (renamed) {
      // Cannot happen while the sentry exists; if it did, the swap is complete and consistent.
      throw std::runtime_error("cut-over: the rename completed although the attempt was aborted (" + why +
                               "); the new table is live as " + plan_.table);
    }
    drop_sentry();
    return CutOverAborted("attempt " + std::to_string(n) + ": " + why);
  };

  try {
    const binlog::BinlogPosition target = [&] {
      auto st = lock->query("SHOW MASTER STATUS");
      if (st.empty()) throw std::runtime_error("SHOW MASTER STATUS returned nothing (binary log off?)");
      return binlog::BinlogPosition{*st.rows[0][0], to_uint64(st.rows[0][1])};
    }();

    // Wait until the RENAME is queued on the metadata lock (or has failed).
    bool queued = false;
    while (Clock::now() < deadline) {
      if (rename_result.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
      auto st = admin->query("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?", {rename_id});
      if (!st.empty() && st.rows[0][0] && st.rows[0][0]->find("metadata lock") != std::string::npos) {
        queued = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!queued) throw abort("the RENAME did not queue behind the lock in time");

    if (!drain_(target, deadline)) throw abort("the applier did not reach " + target.to_string() + " within the lock timeout");
    if (config_.before_unlock) config_.before_unlock(n);

    lock->execute(tag(plan_, "cut-over release") + "DROP TABLE " + sentry);
    // The server takes a statement's metadata locks in name order. With the sentry sorting before
    // t (any lower-case table name), the RENAME has been waiting on the sentry, not on t; only now
    // does it go on to take the names before t and then queue on t. Unlocking before it has queued
    // lets writers waiting on t run on the OLD table after the drain position: lost writes (seen
    // on MariaDB 10.11 under load). So wait until it holds the last name before t.
    if (const auto last = last_name_before_table(); last && !wait_until_held(*probe, *last, deadline, rename_result)) {
      // It never got there (another session holds that name?): stop the RENAME before unlocking,
      // so nothing is swapped; the attempt is retried.
      try {
        admin->execute("KILL QUERY " + std::to_string(rename_id));
      } catch (const std::exception& e) {
        log_->warn("cut-over: could not stop the RENAME: {}", e.what());
      }
      rename_result.wait_for(std::chrono::seconds(5));
      throw abort("the RENAME did not reach " + plan_.table + " before the lock timeout");
    }
    lock->execute("UNLOCK TABLES");
  } catch (const CutOverAborted&) {
    throw;
  } catch (const std::exception& e) {
    if (!unlocked) throw abort(e.what());
    throw;
  }

  renamer.join();
  try {
    rename_result.get();
  } catch (const std::exception& e) {
    // The sentry is gone and the lock released, but the rename failed: nothing was swapped.
    throw CutOverAborted("attempt " + std::to_string(n) + ": RENAME failed after unlock: " + e.what());
  }
  const auto stall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - locked_at);
  // Verify the swap (DESIGN §3.6): the old table is now _t_del and the ghost name is free.
  if (!table_exists(*admin, plan_.database, plan_.old_table) || table_exists(*admin, plan_.database, plan_.ghost_table))
    throw std::runtime_error("cut-over: rename reported success but the tables are not as expected; check " +
                             plan_.database + "." + plan_.table + " by hand");
  return stall;
}

CutOverResult CutOver::run(std::stop_token stop) {
  CutOverResult r;
  if (plan_.cut_over == CutOverStrategy::kRenameUnderLock) {
    // Safe on every MySQL too (gh-ost's default there); the single-connection variant is to come.
    log_->info("cut-over: using the queued rename (rename under lock is not implemented yet)");
  }
  for (int n = 1;; ++n) {
    r.attempts = n;
    try {
      r.write_stall = attempt(n);
      log_->info("cut-over: done in attempt {}; writes to {} waited {} ms", n, plan_.table, r.write_stall.count());
      return r;
    } catch (const CutOverAborted& e) {
      if (n > config_.retries || stop.stop_requested()) throw;
      log_->warn("cut-over: {}; original intact; retrying in {} ms", e.what(), config_.retry_backoff.count());
      std::this_thread::sleep_for(config_.retry_backoff);
    }
  }
}

}  // namespace ghostcut::engine
