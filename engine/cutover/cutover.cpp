#include "engine/cutover/cutover.h"

#include <spdlog/spdlog.h>

#include <array>
#include <future>
#include <thread>

#include "engine/cutover/ghost_triggers.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array<std::pair<CutOverStep, const char*>, 7> kSteps = {{
    {CutOverStep::kSentryCreated, "sentry"},
    {CutOverStep::kLocked, "lock"},
    {CutOverStep::kRenameQueued, "queued"},
    {CutOverStep::kDrained, "drained"},
    {CutOverStep::kSentryDropped, "dropped"},
    {CutOverStep::kUnlocked, "unlocked"},
    {CutOverStep::kTriggersCreated, "triggers"},
}};

std::string tag(const MigrationPlan& p, const char* purpose) {
  return statement_comment(p.database + "." + p.table, purpose);
}

constexpr const char* kRenamePurpose = "cut-over rename";

std::string qualified(const MigrationPlan& p, const std::string& table) { return quote_qualified(p.database, table); }

// Lock waits bounded by `lock_wait`; an idle session ended by the server after `idle` (a stopped
// or partitioned ghostcut must not keep LOCK TABLES for the server's default 8 hours).
void configure(SqlConnection& c, std::chrono::seconds lock_wait, std::chrono::seconds idle) {
  const auto lw = std::to_string(std::max<long long>(1, lock_wait.count()));
  const auto it = std::to_string(std::max<long long>(1, idle.count()));
  c.execute("SET SESSION lock_wait_timeout = " + lw + ", innodb_lock_wait_timeout = " + lw + ", wait_timeout = " + it +
            ", net_read_timeout = " + it + ", net_write_timeout = " + it);
}

// What the server says the rename session is doing.
enum class RenameState { kPendingOnMetadataLock, kRunning, kEnded };

RenameState rename_state(SqlConnection& c, std::uint64_t id) {
  const auto s = session_state(c, id);
  if (!s) return RenameState::kEnded;  // the session is gone
  if (!s->info || s->info->find(kRenamePurpose) == std::string::npos) return RenameState::kEnded;
  if (s->state && *s->state == "Waiting for table metadata lock") return RenameState::kPendingOnMetadataLock;
  return RenameState::kRunning;
}

}  // namespace

const char* to_string(CutOverStep s) {
  for (const auto& [step, name] : kSteps)
    if (step == s) return name;
  return "?";
}

std::optional<CutOverStep> parse_cut_over_step(const std::string& s) {
  for (const auto& [step, name] : kSteps)
    if (s == name) return step;
  return std::nullopt;
}

std::chrono::seconds session_idle_bound(std::chrono::seconds lock_timeout) {
  return std::max(std::chrono::seconds(5), lock_timeout * 3 + std::chrono::seconds(2));
}

CutOver::CutOver(ConnectionSettings settings, const MigrationPlan& plan, CutOverConfig config, DrainFn drain,
                 std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      plan_(plan),
      config_(std::move(config)),
      drain_(std::move(drain)),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

std::chrono::milliseconds CutOver::attempt(int n) {
  // The argument in the header needs t to be the RENAME's first table lock.
  for (const auto* name : {&plan_.old_table, &plan_.ghost_table})
    if (!sorts_after_in_lock_order(*name, plan_.table))
      throw std::runtime_error("cut-over: `" + *name + "` does not sort after `" + plan_.table +
                               "` in the server's lock order; the queued rename would not be safe");

  const auto idle = session_idle_bound(config_.lock_timeout);
  const auto rename_wait = config_.lock_timeout * 2 + std::chrono::seconds(1);
  // Client-side bound too: no statement of ours may take longer than the RENAME's wait, so a
  // partitioned server cannot hang a join or a check forever.
  ConnectionSettings cs = settings_;
  cs.read_timeout = rename_wait + std::chrono::seconds(10);
  auto lock = SqlConnection::open(cs);
  auto rename = SqlConnection::open(cs);
  configure(*lock, config_.lock_timeout, idle);
  // The rename waits behind our lock for as long as we may hold it, plus margin.
  configure(*rename, rename_wait, idle);
  auto open_admin = [&] {
    auto c = SqlConnection::open(cs);
    configure(*c, config_.lock_timeout, idle);
    return c;
  };
  std::unique_ptr<SqlConnection> admin = open_admin();
  // --include-triggers: its own session (create_ghost_triggers changes sql_mode and charsets),
  // connected before the lock so that the stall does not include a connect.
  std::unique_ptr<SqlConnection> trigger_conn = plan_.triggers.empty() ? nullptr : open_admin();
  bool triggers_maybe_created = false;
  // Server checks go through `admin`, reopened once if it broke: the outcome must come from the
  // server, never be assumed from a client-side error.
  auto on_server = [&](auto&& fn) {
    try {
      return fn(*admin);
    } catch (const SqlError&) {
      admin = open_admin();
      return fn(*admin);
    }
  };
  const CutOverSessions sessions{lock->connection_id(), rename->connection_id()};
  auto step = [&](CutOverStep s) {
    if (config_.at_step) config_.at_step(s, sessions);
  };

  const std::string t = qualified(plan_, plan_.table);
  const std::string ghost = qualified(plan_, plan_.ghost_table);
  const std::string sentry = qualified(plan_, plan_.old_table);
  const std::string what = "attempt " + std::to_string(n) + ": ";

  try {
    lock->execute(tag(plan_, "cut-over sentry") + "CREATE TABLE " + sentry +
                  " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB COMMENT='" + std::string(kCutOverSentryComment) + "'");
  } catch (const SqlError& e) {
    if (e.code() == 1050)
      throw std::runtime_error("cut-over: `" + plan_.old_table + "` already exists (left by an earlier run?); " +
                               "nothing was changed. Check that no RENAME of `" + plan_.table +
                               "` is running, then drop it");
    throw CutOverAborted(what + "could not create the sentry table (" + e.what() + ")");
  }
  // Only ever our sentry (checked by its comment: once swapped, t_del is the ORIGINAL table), and
  // only once the server shows no RENAME running that could still depend on it being there. While
  // the sentry exists no RENAME can succeed, so the check cannot go stale before the DROP.
  auto drop_sentry = [&] {
    on_server([&](SqlConnection& c) {
      const auto comment = table_comment(c, plan_.database, plan_.old_table);
      if (!comment) return;
      if (*comment != kCutOverSentryComment)
        throw std::runtime_error("`" + plan_.old_table + "` is not the cut-over sentry (were the tables swapped?)");
      c.execute(tag(plan_, "cut-over cleanup") + "DROP TABLE IF EXISTS " + sentry);
    });
  };

  // Only once the RENAME has ended on the server with the tables not swapped (the sentry still in
  // place, or confirmed not swapped): the applier resumes after this, and it must never write into
  // a ghost with triggers (ghost_triggers.h). If the drop fails the attempt is not "undone".
  auto drop_ghost_triggers = [&](const std::string& why) {
    if (!triggers_maybe_created) return;
    try {
      on_server([&](SqlConnection& c) { return drop_table_triggers(c, plan_.database, plan_.ghost_table); });
      triggers_maybe_created = false;
    } catch (const std::exception& e) {
      throw std::runtime_error("cut-over " + what + why + "; the triggers created on `" + plan_.ghost_table +
                               "` could not be dropped (" + e.what() + "), so the applier is not resumed: drop them " +
                               "(or the ghost) by hand; a new run drops them before applying anything");
    }
  };

  std::promise<void> rename_done;
  auto rename_result = rename_done.get_future();
  std::optional<std::thread> renamer;
  struct JoinAtExit {  // every path joins first; this only keeps a missed one from terminating
    std::optional<std::thread>& t;
    ~JoinAtExit() {
      if (t && t->joinable()) t->join();
    }
  } join_at_exit{renamer};
  const std::uint64_t rename_id = rename->connection_id();
  // Until the RENAME has ended on the server; kills it once `kill_after` passes. False if the
  // server could not be asked or the RENAME would not end.
  auto wait_rename_ended = [&](Clock::time_point kill_after) -> bool {
    bool killed = false;
    const auto give_up = kill_after + rename_wait + std::chrono::seconds(5);
    for (;;) {
      RenameState st;
      try {
        st = on_server([&](SqlConnection& c) { return rename_state(c, rename_id); });
      } catch (const std::exception& e) {
        log_->warn("cut-over: cannot ask the server about the RENAME: {}", e.what());
        return false;
      }
      if (st == RenameState::kEnded) return true;
      const auto now = Clock::now();
      if (now >= give_up) return false;
      if (!killed && now >= kill_after) {
        try {
          on_server([&](SqlConnection& c) { c.execute("KILL QUERY " + std::to_string(rename_id)); });
          killed = true;
        } catch (const std::exception& e) {
          log_->warn("cut-over: could not stop the RENAME: {}", e.what());
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  auto join_renamer = [&] {
    if (renamer && renamer->joinable()) renamer->join();
  };

  // Undo before the sentry drop: UNLOCK with the sentry in place (the RENAME cannot succeed), see
  // the RENAME end on the server, then drop the sentry. Runs at most once; its own errors pass
  // through the handlers below untouched.
  bool undoing = false;
  auto abort_before_drop = [&](const std::string& why) -> CutOverAborted {
    undoing = true;
    try {
      if (lock) lock->execute("UNLOCK TABLES");
    } catch (const std::exception& e) {
      // A broken connection: the server releases its lock when it sees it go.
      log_->warn("cut-over: unlock failed ({}); closing the lock connection", e.what());
      lock.reset();
    }
    if (!wait_rename_ended(Clock::now() + config_.lock_timeout)) {
      join_renamer();  // bounded by the rename's own lock_wait_timeout
      throw std::runtime_error("cut-over " + what + why +
                               "; the RENAME's end could not be confirmed on the server, so " + "the sentry `" +
                               plan_.old_table + "` was left in place on purpose (it makes a late " +
                               "RENAME fail). Check that no RENAME of `" + plan_.table + "` runs, then drop `" +
                               plan_.old_table + "` and run ghostcut again");
    }
    join_renamer();
    bool swapped = false;
    try {
      swapped = !on_server([&](SqlConnection& c) { return table_exists(c, plan_.database, plan_.ghost_table); });
    } catch (const std::exception& e) {
      throw std::runtime_error("cut-over " + what + why + "; the tables cannot be checked (" + e.what() +
                               "), so nothing was dropped: `" + plan_.ghost_table + "` existing means not swapped");
    }
    if (swapped)  // only after a drop the client missed, i.e. after a complete drain: consistent
      throw std::runtime_error("cut-over " + what + why + "; the RENAME completed nevertheless (the ghost was fully " +
                               "drained): `" + plan_.table + "` is the new table, `" + plan_.old_table +
                               "` the old one");
    drop_ghost_triggers(why);
    try {
      drop_sentry();
    } catch (const std::exception& e) {
      log_->warn("cut-over: could not drop the sentry table {}: {}", plan_.old_table, e.what());
    }
    return CutOverAborted(what + why);
  };

  try {
    step(CutOverStep::kSentryCreated);
  } catch (...) {
    drop_sentry();
    throw;
  }
  try {
    lock->execute(tag(plan_, "cut-over lock") + "LOCK TABLES " + t + " WRITE, " + sentry + " WRITE");
  } catch (const SqlError& e) {
    try {
      drop_sentry();
    } catch (const std::exception& d) {
      log_->warn("cut-over: could not drop the sentry table {}: {}", plan_.old_table, d.what());
    }
    throw CutOverAborted(what + "could not lock " + plan_.table + " within " +
                         std::to_string(config_.lock_timeout.count()) + " s (" + e.what() + ")");
  }
  const auto locked_at = Clock::now();
  const auto deadline = locked_at + config_.lock_timeout;

  bool dropped = false;
  try {
    step(CutOverStep::kLocked);
    const binlog::BinlogPosition target = current_binlog_position(*lock, plan_.server.version);
    lock_position_ = target;

    renamer.emplace([&] {
      SqlThreadGuard guard;
      try {
        rename->execute(tag(plan_, kRenamePurpose) + "RENAME TABLE " + t + " TO " + sentry + ", " + ghost + " TO " + t);
        rename_done.set_value();
      } catch (...) {
        rename_done.set_exception(std::current_exception());
      }
    });
    // (b): pending on a table metadata lock = pending on t, its first one, which we hold.
    bool queued = false;
    while (Clock::now() < deadline) {
      const auto st = on_server([&](SqlConnection& c) { return rename_state(c, rename_id); });
      if (st == RenameState::kPendingOnMetadataLock) {
        queued = true;
        break;
      }
      if (st == RenameState::kEnded &&
          rename_result.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready)
        break;  // it failed at once
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!queued) throw abort_before_drop("the RENAME did not queue behind the lock in time");
    step(CutOverStep::kRenameQueued);

    if (!drain_(target, deadline))
      throw abort_before_drop("the applier did not reach " + target.to_string() + " within the lock timeout");
    step(CutOverStep::kDrained);
    if (trigger_conn) {
      // 5b. Writers wait on t and the applier is drained through P and paused, so from here on
      // nothing writes to the ghost until the RENAME makes it t: the triggers go on now, before the
      // sentry drop lets the RENAME through. MDL: the queued RENAME waits for t, its FIRST table
      // lock (a, b above), and holds no lock on the ghost; CREATE TRIGGER needs only the ghost's
      // (and intention locks, compatible with the RENAME's), so it does not queue behind it. Were
      // that ever wrong, it would wait lock_wait_timeout (no cycle: our lock waits on nothing),
      // fail, and the abort drops what was created. gh-ost creates them at the same point of its
      // cut-over (after the lock and the drain; it issues its RENAME afterwards).
      triggers_maybe_created = true;
      const auto t0 = Clock::now();
      create_ghost_triggers(*trigger_conn, plan_);
      log_->info("cut-over: created {} trigger(s) on {} in {} ms", plan_.triggers.size(), plan_.ghost_table,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
      step(CutOverStep::kTriggersCreated);
    }
    if (config_.before_unlock) config_.before_unlock(n);

    try {
      lock->execute(tag(plan_, "cut-over release") + "DROP TABLE " + sentry);
      dropped = true;
    } catch (const std::exception& e) {
      // Did it happen? Only the server knows.
      dropped = !on_server([&](SqlConnection& c) { return table_exists(c, plan_.database, plan_.old_table); });
      if (!dropped) throw abort_before_drop(std::string("could not drop the sentry (") + e.what() + ")");
    }
  } catch (const std::exception& e) {
    if (undoing) throw;  // from the undo itself: already as precise as it gets
    if (!dropped) throw abort_before_drop(e.what());
    // Dropped but then failed: the drain is complete, so letting the RENAME finish is safe (e);
    // fall through to the unlock and read the outcome from the server.
    log_->warn("cut-over: {} after the sentry drop; releasing the lock", e.what());
  }

  // From here the drain is complete and the sentry gone: the RENAME completing is the success.
  try {
    step(CutOverStep::kSentryDropped);
  } catch (const std::exception& e) {
    log_->warn("cut-over: {} after the sentry drop; releasing the lock", e.what());
  }
  RenameState pending_at_unlock = RenameState::kEnded;
  try {
    pending_at_unlock = on_server([&](SqlConnection& c) { return rename_state(c, rename_id); });
  } catch (const std::exception& e) {
    log_->warn("cut-over: cannot read the RENAME's state before the unlock: {}", e.what());
  }
  if (pending_at_unlock == RenameState::kEnded)
    log_->warn("cut-over: the RENAME is no longer pending before the unlock; the original stays live");
  // MariaDB: a backup lock request (BACKUP STAGE, FLUSH TABLES WITH READ LOCK) waiting behind our
  // lock would be granted at the unlock, and the RENAME, which only TRIES the backup lock after
  // taking t, would then give t back to the queued writers. Stop the RENAME instead and unlock:
  // the original stays live and consistent, the attempt is retried.
  bool backup_pending = false;
  try {
    backup_pending = on_server([&](SqlConnection& c) { return backup_lock_requested(c); });
  } catch (const std::exception& e) {
    log_->warn("cut-over: cannot look for backup locks: {}", e.what());
  }
  if (backup_pending && pending_at_unlock != RenameState::kEnded) {
    log_->warn("cut-over: a backup lock request waits behind the lock; stopping the RENAME before the unlock");
    if (!wait_rename_ended(Clock::now())) {
      // Cannot confirm: keep the lock until the server ends the session (bounded), never unlock
      // into a RENAME that may give t back.
      throw std::runtime_error(
          "cut-over: a backup lock request waits and the RENAME could not be stopped; the lock "
          "is released by the server within " +
          std::to_string(idle.count()) + " s; check the tables");
    }
    pending_at_unlock = RenameState::kEnded;
  }
  try {
    if (lock) lock->execute("UNLOCK TABLES");
  } catch (const std::exception& e) {
    log_->warn("cut-over: unlock failed ({}); closing the lock connection", e.what());
  }
  lock.reset();  // releases the lock if UNLOCK did not
  try {
    step(CutOverStep::kUnlocked);
  } catch (const std::exception& e) {
    log_->warn("cut-over: {} after the unlock", e.what());
  }

  // The RENAME holds t now; if another session holds the ghost or sentry name it waits there while
  // writers wait behind it: give it one lock timeout, then stop it (the original stays live).
  const bool ended = wait_rename_ended(Clock::now() + config_.lock_timeout);
  join_renamer();  // the client has its answer (or its connection is gone): the tables say the rest
  const auto stall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - locked_at);
  if (!ended) log_->warn("cut-over: the server could not confirm the RENAME ended; reading the tables");
  bool old_exists = false, ghost_exists = false;
  try {
    on_server([&](SqlConnection& c) {
      old_exists = table_exists(c, plan_.database, plan_.old_table);
      ghost_exists = table_exists(c, plan_.database, plan_.ghost_table);
      return 0;
    });
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cut-over: the RENAME ended but the tables cannot be checked (") + e.what() +
                             "); check whether `" + plan_.old_table + "` exists (swapped) or `" + plan_.ghost_table +
                             "` does (not swapped)");
  }
  if (old_exists && !ghost_exists) return stall;  // swapped: the old table is t_del, the ghost is t
  if (!ended)
    throw std::runtime_error(
        "cut-over: the tables are not swapped yet, but the server could not confirm that the "
        "RENAME of " +
        plan_.table + " ended; check the process list for it before anything else");
  std::string client_error = "none";
  if (rename_result.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
    try {
      rename_result.get();
    } catch (const std::exception& e) {
      client_error = e.what();
    }
  }
  if (!old_exists && ghost_exists) {
    drop_ghost_triggers("the RENAME ended without swapping");  // it ended: it can no longer swap
    throw CutOverAborted(what + "the RENAME ended without swapping (" + client_error + "); the original is live");
  }
  throw std::runtime_error("cut-over: after the RENAME, `" + plan_.old_table +
                           (old_exists ? "` exists" : "` is missing") + " and `" + plan_.ghost_table +
                           (ghost_exists ? "` exists" : "` is missing") + "; check `" + plan_.database + "`.`" +
                           plan_.table + "` by hand");
}

}  // namespace ghostcut::engine
