#include "engine/create/ghost_tables.h"

#include <spdlog/spdlog.h>

#include "engine/create/deferred_indexes.h"
#include "engine/cutover/ghost_triggers.h"
#include "engine/resume/resume_session.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

void GhostTables::create(SqlConnection& c) {
  const auto& plan = m_.plan;
  if (m_.resume && m_.resume->resuming()) {  // the interrupted run's tables, as its checkpoint left them
    m_.log->info("resuming into the existing {} and {}", plan.changelog_table, plan.ghost_table);
    created_ = true;
    // A run killed in its cut-over after creating the ghost's triggers (--include-triggers) left
    // them: applying into the ghost would fire them again. Dropped before anything is applied;
    // every trigger on our ghost is ours (ghost_triggers.h).
    if (const int n = drop_table_triggers(c, plan.database, plan.ghost_table); n > 0)
      m_.log->warn("dropped {} trigger(s) an interrupted cut-over left on {}", n, plan.ghost_table);
    return;
  }
  if (m_.config.drop_leftover_tables) {
    c.execute(m_.qb.drop_table_query(plan.ghost_table));
    c.execute(m_.qb.drop_table_query(plan.changelog_table));
    c.execute(m_.qb.drop_table_query(plan.old_table));
  }
  m_.log->info("creating {} and {}", plan.changelog_table, plan.ghost_table);
  c.execute(m_.qb.changelog().create_query());
  created_ = true;
  c.execute(m_.qb.create_ghost_query());
  c.execute(m_.qb.alter_ghost_query(plan.alter));
  const auto deferral =
      decide_key_deferral(m_.config.defer_secondary_indexes, m_.plan, !m_.runtime.throttle_control_replicas().empty());
  if (deferral.defer) defer_secondary_indexes(m_, c, deferral.reason);
  else if (m_.config.defer_secondary_indexes == KeyDeferral::kAuto)
    m_.log->info("secondary keys kept on {} through the copy ({})", m_.plan.ghost_table, deferral.reason);
}

void GhostTables::drop(bool changelog, bool ghost) {
  const auto& plan = m_.plan;
  try {
    auto c = SqlConnection::open(m_.cs);
    if (changelog) c->execute(m_.qb.drop_table_query(plan.changelog_table));
    if (ghost) {
      c->execute(m_.qb.drop_table_query(plan.ghost_table));
      m_.log->info("dropped {} and {}", plan.changelog_table, plan.ghost_table);
    }
  } catch (const std::exception& e) {
    m_.log->error("cleanup failed, drop {} and {} by hand: {}", plan.changelog_table,
                  ghost ? plan.ghost_table : std::string("(kept)"), e.what());
  }
}

void GhostTables::clean_up_after_success() {
  if (keep_for_reverse_sync_) {
    m_.log->info("kept {} (the reverse sync's checkpoint) and {} for a restart", m_.plan.changelog_table,
                 m_.plan.old_table);
    return;
  }
  drop(true, false);
  if (!m_.config.ok_to_drop_table) return;
  const std::string& old = reverted_table_.empty() ? m_.plan.old_table : reverted_table_;
  try {
    SqlConnection::open(m_.cs)->execute(m_.qb.drop_table_query(old));
  } catch (const std::exception& e) {
    m_.log->warn("dropping {}: {}", old, e.what());
  }
}

void GhostTables::clean_up_after_failure() {
  if (swapped_) drop(true, false);
  // t_ghc holds the checkpoint: kept with t_gho, so the next run resumes.
  else if (created_) drop(m_.config.cleanup_on_failure, m_.config.cleanup_on_failure);
}

}  // namespace ghostcut::engine
