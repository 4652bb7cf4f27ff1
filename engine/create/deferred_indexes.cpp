#include "engine/create/deferred_indexes.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

#include "common/thread_name.h"
#include "engine/resume/checkpoint.h"
#include "engine/run/context.h"
#include "engine/sql/quoting.h"
#include "engine/sql/retry.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

std::vector<SecondaryKey> plain_secondary_keys(std::string_view create_statement) {
  std::vector<SecondaryKey> out;
  std::istringstream in{std::string(create_statement)};
  static constexpr std::string_view kPrefix = "  KEY `";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    if (!line.empty() && line.back() == ',') line.pop_back();
    // The name: a backquoted identifier, `` inside it standing for one backquote.
    std::string name;
    std::size_t i = kPrefix.size();
    for (; i < line.size(); ++i) {
      if (line[i] != '`') name += line[i];
      else if (i + 1 < line.size() && line[i + 1] == '`') name += line[i++];
      else break;
    }
    if (i >= line.size()) continue;  // not a whole name: leave the key alone
    out.push_back({std::move(name), line.substr(2)});
  }
  return out;
}

std::string drop_keys_clause(const std::vector<SecondaryKey>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + std::string("DROP KEY ") + quote_identifier(k.name);
  return s;
}

std::string add_keys_clause(const std::vector<SecondaryKey>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + std::string("ADD ") + k.definition;
  return s;
}

DeferralDecision decide_key_deferral(KeyDeferral mode, const MigrationPlan& plan, bool lag_checked_replicas) {
  if (plain_secondary_keys(plan.ghost_create_statement).empty()) return {false, "no plain secondary keys"};
  if (mode == KeyDeferral::kOn) return {true, "--defer-secondary-indexes=on"};
  if (mode == KeyDeferral::kOff) return {false, "--defer-secondary-indexes=off"};
  if (plan.cluster_member)
    return {false, "auto: a cluster member (Galera or Group Replication) runs the key build on every member"};
  if (lag_checked_replicas)
    return {false, "auto: replicas are lag-checked, and a replica would replay the key build as one statement"};
  if (!plan.binlog_readers)
    return {false, "auto: without the PROCESS privilege a replica reading the binlog cannot be ruled out"};
  if (*plan.binlog_readers > 0)
    return {false, "auto: " + std::to_string(*plan.binlog_readers) +
                       " session(s) read the binlog (replicas, CDC); a replica would replay the key build as one "
                       "statement"};
  return {true, "auto: no replica or other session reads the binlog"};
}

namespace {

// ER_INNODB_ONLINE_LOG_TOO_BIG: the writes during an online build outgrew
// innodb_online_alter_log_max_size; ER_ALTER_OPERATION_NOT_SUPPORTED_REASON: LOCK=NONE refused.
constexpr int kOnlineLogTooBig = 1799;
constexpr int kLockNoneNotSupported = 1846;

void build_keys(MigrationContext& m, SqlConnection& c, const std::vector<SecondaryKey>& keys) {
  const auto alter = "ALTER TABLE " + quote_qualified(m.plan.database, m.plan.ghost_table) + " " +
                     add_keys_clause(keys) + ", ALGORITHM=INPLACE, LOCK=";
  try {
    // LOCK=NONE: the applier's writes go on while the keys are built from sorted runs.
    c.execute(alter + "NONE");
  } catch (const SqlError& e) {
    if (e.code() != kOnlineLogTooBig && e.code() != kLockNoneNotSupported) throw;
    // The applier's writes then wait for the build (its lag grows, nothing is lost) instead of the
    // build failing again under the same write load.
    m.log->warn("building the keys of {} online failed ({}); building them with LOCK=SHARED, the applier waits",
                m.plan.ghost_table, e.what());
    c.execute(alter + "SHARED");
  }
}

void complete_on(MigrationContext& m, SqlConnection& c) {
  const auto& plan = m.plan;
  std::vector<SecondaryKey> missing;
  {
    const auto have = plain_secondary_keys(show_create_table(c, plan.database, plan.ghost_table));
    for (auto& k : plain_secondary_keys(plan.ghost_create_statement)) {
      bool found = false;
      for (const auto& h : have) found = found || h.name == k.name;
      if (!found) missing.push_back(std::move(k));
    }
  }
  if (!missing.empty()) {
    m.status.set_state(Phase::kVerifying,
                       "building " + std::to_string(missing.size()) + " secondary key(s) on " + plan.ghost_table);
    m.log->info("building {} deferred secondary key(s) on {} (the applier goes on meanwhile)", missing.size(),
                plan.ghost_table);
    const auto started = std::chrono::steady_clock::now();
    build_keys(m, c, missing);
    m.log->info(
        "built the secondary keys of {} in {} ms", plan.ghost_table,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  }
  // The proof: whatever was deferred or resumed, the ghost is now the table the ALTER makes.
  const auto now = show_create_table(c, plan.database, plan.ghost_table);
  if (schema_fingerprint(now, plan.ghost_table) != schema_fingerprint(plan.ghost_create_statement, plan.ghost_table))
    throw std::runtime_error("the definition of " + plan.ghost_table +
                             " differs from what the ALTER produced on a scratch copy (SHOW CREATE TABLE):\n" + now +
                             "\nexpected:\n" + plan.ghost_create_statement);
}

}  // namespace

void defer_secondary_indexes(const MigrationContext& m, SqlConnection& c, const std::string& reason) {
  const auto keys = plain_secondary_keys(m.plan.ghost_create_statement);
  if (keys.empty()) return;
  c.execute("ALTER TABLE " + quote_qualified(m.plan.database, m.plan.ghost_table) + " " + drop_keys_clause(keys));
  m.log->info("deferred {} secondary key(s) of {} until after the copy ({})", keys.size(), m.plan.ghost_table, reason);
}

void complete_ghost_indexes(MigrationContext& m) {
  // Fresh connections: the migration's main one sat idle through the copy (and may have been killed);
  // a build cut off by a lost connection rolled back, so it is simply done again on a new one.
  RetryBudget retry{ConflictRetryPolicy{}};
  const auto stop = m.abort.get_token();
  for (;;) {
    try {
      auto c = SqlConnection::open(m.cs);
      complete_on(m, *c);
      return;
    } catch (const SqlError& e) {
      if (!retry.allows(e, SqlErrorCategory::kConnectionLost, stop)) throw;
      m.log->warn("completing the keys of {}: connection lost ({}); again on a new connection", m.plan.ghost_table,
                  e.what());
      sleep_for(stop, retry.next_backoff(
                          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())));
    }
  }
}

KeyBuild::KeyBuild(MigrationContext& m)
    : thread_([this, &m] {
        name_this_thread("gc-keys");
        SqlThreadGuard guard;
        try {
          complete_ghost_indexes(m);
        } catch (...) {
          error_ = std::current_exception();
        }
      }) {}

KeyBuild::~KeyBuild() {
  if (thread_.joinable()) thread_.join();
}

void KeyBuild::wait() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace ghostcut::engine
