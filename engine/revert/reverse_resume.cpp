#include "engine/revert/reverse_resume.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "engine/create/ghost_tables.h"
#include "engine/inspect/inspector.h"
#include "engine/metrics/prometheus_format.h"
#include "engine/migrator.h"
#include "engine/migrator_session.h"
#include "engine/resume/checkpoint.h"
#include "engine/resume/resume.h"
#include "engine/revert/reverse_plan.h"
#include "engine/revert/reverse_sync_phase.h"
#include "engine/run/io_services.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

std::string utc(std::int64_t epoch) {
  const std::time_t tt = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool alter_was_cut(const std::string& stored) {
  return !stored.empty() && stored.back() == ']' && stored.find(" bytes, fnv64 ") != std::string::npos;
}

}  // namespace

bool has_reverse_sync_checkpoint(SqlConnection& conn, const std::string& database, const std::string& table) {
  try {
    return ReverseCheckpointStore(database, changelog_table_name(table)).read(conn).has_value();
  } catch (const std::runtime_error&) {
    return true;  // rows there but unreadable: the resume path says what is wrong with them
  }
}

ReverseResume prepare_reverse_resume(const ConnectionSettings& settings, SqlConnection& conn,
                                     const std::string& database, const std::string& table, const std::string& version,
                                     const std::string* alter, std::shared_ptr<spdlog::logger> log) {
  if (!log) log = spdlog::default_logger();
  ReverseResume out;
  out.guard = RunGuard::acquire(settings, database, table, log);
  const std::string what = "`" + database + "`.`" + table + "`";
  const std::string changelog = changelog_table_name(table);
  const std::string old_table = old_table_name(table);
  std::optional<ReverseCheckpoint> found;
  try {
    found = ReverseCheckpointStore(database, changelog).read(conn);
  } catch (const std::runtime_error& e) {
    throw RevertRefused(std::string("the reverse sync checkpoint cannot be read: ") + e.what());
  }
  if (!found)
    throw RevertRefused(
        "no reverse sync of " + what + " is checkpointed (" + changelog +
        (table_exists(conn, database, changelog) ? " holds no reverse sync checkpoint" : " does not exist") +
        "): a revert that keeps the writes made since the cut-over needs a migration run with "
        "--keep-old-table-in-sync whose window has not ended; without it " +
        old_table + " (if kept) lacks every write made since the cut-over");
  const ReverseCheckpoint& ck = *found;
  out.checkpoint = ck;
  if (ck.table != table || ck.old_table != old_table)
    throw RevertRefused("the reverse sync checkpoint in " + changelog + " is for " + ck.table + "/" + ck.old_table +
                        ", not " + table + "/" + old_table);
  if (ck.state.rfind("stopped", 0) == 0)
    throw RevertRefused("the reverse sync of " + what + " had stopped, so " + old_table +
                        " lacks writes made since and a revert would lose them (" + ck.state + ")");
  if (ck.state == "reverted")
    throw RevertRefused("the checkpoint says " + what + " was already reverted (the new table is " +
                        revert_table_name(table) + "); drop " + changelog + " to finish");
  if (ck.state == "ended")
    throw RevertRefused("the revert window of " + what + " ended at " + utc(ck.until_epoch) + "; " + old_table +
                        " is no longer in sync");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (now >= ck.until_epoch)
    throw RevertRefused("the revert window of " + what + " ended at " + utc(ck.until_epoch) + " (" +
                        std::to_string(now - ck.until_epoch) + " s ago): " + old_table +
                        " has not been kept in sync since and a revert now could lose writes. The migration stands; "
                        "drop " +
                        changelog + " (and " + old_table + " when you no longer want it) to finish");
  if (!table_exists(conn, database, old_table))
    throw RevertRefused(old_table + " is gone" +
                        (table_exists(conn, database, revert_table_name(table))
                             ? " and " + revert_table_name(table) +
                                   " exists: a revert already swapped the tables; "
                                   "check " +
                                   what + " and drop " + changelog
                             : ": nothing to revert to"));
  if (schema_fingerprint(show_create_table(conn, database, table), table) != ck.plan.new_schema)
    throw RevertRefused(what +
                        " is not the table the migration produced any more (its definition changed since the "
                        "checkpoint" +
                        (ck.state == "reverting" ? ", or the interrupted revert swapped it" : "") +
                        "): a revert would not be exact");
  if (schema_fingerprint(show_create_table(conn, database, old_table), old_table) != ck.plan.old_schema)
    throw RevertRefused(old_table + "'s definition changed since the checkpoint: it is no longer the old table");
  if (ck.applied.empty()) throw RevertRefused("the reverse sync checkpoint holds no binlog position");
  const auto logs = binary_logs(conn);
  if (std::find(logs.begin(), logs.end(), ck.applied.file) == logs.end())
    throw RevertRefused("the checkpointed binlog position " + ck.applied.to_string() + " is gone — binary log " +
                        ck.applied.file + " is no longer on the server (purged; it now starts at " +
                        (logs.empty() ? std::string("nothing") : logs.front()) + "), so the writes made to " + what +
                        " since cannot be applied to " + old_table + " and a revert would lose them");
  if (ck.plan.version != version)
    throw RevertRefused("the reverse sync was checkpointed by ghostcut " + ck.plan.version + ", this is " + version +
                        ": resume it with that version");
  std::string the_alter;
  if (alter) {
    if (stored_alter(*alter) != ck.plan.alter)
      throw RevertRefused("the migration of " + what + " that keeps " + old_table + " in sync had the ALTER '" +
                          ck.plan.alter + "', this command has '" + *alter + "'");
    the_alter = *alter;
  } else {
    if (alter_was_cut(ck.plan.alter))
      throw RevertRefused(
          "the checkpoint holds only part of this long ALTER; resume with the same `ghostcut migrate "
          "... --execute --keep-old-table-in-sync` command, then `ghostcut ctl revert=" +
          table + "`");
    the_alter = ck.plan.alter;
  }
  // The migration's plan again: the old table inspected with the same ALTER, under t's names.
  InspectorConfig ic;
  ic.allow_foreign_keys = true;  // the migration was allowed; the plan is checked against its identity below
  ic.allow_add_unique_key = true;
  MigrationPlan plan;
  try {
    plan = Inspector(conn, ic).inspect(database, old_table, the_alter);
  } catch (const InspectionError& e) {
    throw RevertRefused("the migration's plan cannot be derived again from " + old_table + ": " +
                        join(e.refusals(), "; "));
  }
  const std::string old_create = show_create_table(conn, database, old_table);
  plan.table = table;
  plan.ghost_table = ghost_table_name(table);
  plan.changelog_table = changelog;
  plan.old_table = old_table;
  plan.original.table = table;
  plan.ghost.table = plan.ghost_table;
  if (auto diff = plan_differences(ck.plan, plan_identity(plan, old_create, version)); !diff.empty())
    throw RevertRefused("the plan derived again differs from the checkpointed one: " + join(diff, "; "));
  if (auto why = reverse_sync_refusals(plan); !why.empty())
    throw RevertRefused("no exact way back: " + join(why, "; "));
  out.forward = std::move(plan);
  log->info("reverse sync of {}: checkpoint at {} ({}), revert possible until {}", what, ck.applied.to_string(),
            ck.state, utc(ck.until_epoch));
  return out;
}

MigrationResult Migrator::resume_reverse_sync(std::stop_token stop, const ReverseResume& from, bool revert_at_once) {
  status_.restart_clock();
  Session session(*this, stop);
  auto& hooks = session.hooks;
  auto& m = session.m;
  auto& io = session.io;
  hooks.post("on-startup", m.hook_context());

  MigrationResult result;
  GhostTables tables(m);
  tables.mark_swapped();
  try {
    ReverseSyncStart s;
    s.position = from.checkpoint.applied;
    s.past_rename = from.checkpoint.past_rename;
    s.until = std::chrono::system_clock::time_point(std::chrono::seconds(from.checkpoint.until_epoch));
    s.revert_at_once = revert_at_once;
    s.lock_lost = [&from] { return from.guard->failure(); };
    log_->info("resuming the reverse sync of {}.{} from {}", plan_.database, plan_.table, s.position.to_string());
    result.revert = keep_old_table_in_sync(m, io, s, tables);
    if (result.revert->resumable) tables.keep_for_reverse_sync();
    status_.set_state(Phase::kDone, result.revert->reverted ? "reverted: " + plan_.table + " is the old table again"
                                    : result.revert->stopped.empty() ? std::string()
                                                                     : result.revert->stopped);
  } catch (const std::exception& e) {
    status_.set_state(Phase::kFailed, e.what());
    hooks.run_now("on-failure", m.hook_context(e.what()));
    throw;
  }
  // Not reverted and not interrupted: the sync ended (window) or stopped; either way it is over.
  tables.clean_up_after_success();
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - status_.started());
  return result;
}

}  // namespace ghostcut::engine
