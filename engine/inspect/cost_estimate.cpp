#include "engine/inspect/cost_estimate.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/apply/apply_sql.h"
#include "engine/create/deferred_indexes.h"
#include "engine/inspect/copy_sample.h"
#include "engine/inspect/phased_queries.h"
#include "engine/inspect/scratch_table.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"
#include "engine/verify/checksum_behind_copy.h"

namespace ghostcut::engine {
namespace {

constexpr std::uint64_t kSampleRows = 5000;

std::string mib(std::uint64_t b) {
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << b / 1048576.0 << " MiB";
  return o.str();
}

double seconds_of(SqlConnection& conn, const std::string& sql) {
  const auto started = std::chrono::steady_clock::now();
  conn.execute(sql);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// Seconds per row to build `keys` after the copy: their build on the sample's rows, less the same
// build on an empty copy (an ALTER's fixed cost, a few ms, would else be scaled up with the rows);
// the median of three of each, since one build of a few ms is at the mercy of the machine's load.
double key_build_seconds_per_row(SqlConnection& conn, const std::string& database, const std::string& sample,
                                 std::uint64_t sample_rows, const std::vector<SecondaryKey>& keys) {
  if (sample_rows == 0) return 0;
  ScratchTable scratch(conn, database);
  const std::string empty = "_gct_keys_" + std::to_string(conn.connection_id());
  conn.execute("CREATE /* ghostcut inspect */ TABLE " + quote_qualified(database, empty) + " LIKE " +
               quote_qualified(database, sample));
  scratch.created(empty);
  const auto add = " " + add_keys_clause(keys) + ", ALGORITHM=INPLACE, LOCK=NONE";
  const auto drop = " " + drop_keys_clause(keys);
  std::vector<double> fixed, built;
  for (int round = 0; round < 3; ++round) {
    for (auto* table : {&empty, &sample}) {
      const auto q = "ALTER /* ghostcut inspect */ TABLE " + quote_qualified(database, *table);
      (table == &empty ? fixed : built).push_back(seconds_of(conn, q + add));
      conn.execute(q + drop);
    }
  }
  std::sort(fixed.begin(), fixed.end());
  std::sort(built.begin(), built.end());
  return std::max(0.0, built[1] - fixed[1]) / static_cast<double>(sample_rows);
}

}  // namespace

CostEstimate estimate_cost(SqlConnection& conn, const MigrationPlan& plan, bool checksum, bool defer_keys,
                           bool during_copy) {
  CostEstimate c;
  c.instant = plan.instant.possible;
  c.checksum_during_copy =
      checksum && during_copy && ChecksumBehindCopy::applies(plan) && snapshot_binlog_position(conn).has_value();
  const auto t = conn.query(
      "SELECT /* ghostcut inspect */ TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, AVG_ROW_LENGTH "
      "FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      {plan.database, plan.table});
  if (!t.empty()) {
    c.rows = to_uint64(t.rows[0][0]);
    c.data_bytes = to_uint64(t.rows[0][1]);
    c.index_bytes = to_uint64(t.rows[0][2]);
    c.avg_row_bytes = to_uint64(t.rows[0][3]);
  }
  c.ghost_bytes = c.data_bytes + c.index_bytes;
  c.binlog_bytes = c.rows * c.avg_row_bytes;
  // A timed sample: a few chunks copied as the copier copies them, into a scratch ghost.
  std::string key;
  for (const auto& k : plan.chunk_key.columns) key += (key.empty() ? "" : ", ") + quote_identifier(k);
  try {
    ScratchTable scratch(conn, plan.database);
    const std::string name = "_gct_sample_" + std::to_string(conn.connection_id());
    const std::string q = quote_qualified(plan.database, name);
    conn.execute("CREATE /* ghostcut inspect */ TABLE " + q + " LIKE " + quote_qualified(plan.database, plan.table));
    scratch.created(name);
    conn.execute("ALTER /* ghostcut inspect */ TABLE " + q + " " + plan.alter);
    // The copy as the run will do it: into a ghost without the keys it builds afterwards.
    const auto deferred = defer_keys ? plain_secondary_keys(plan.ghost_create_statement) : std::vector<SecondaryKey>{};
    if (!deferred.empty()) conn.execute("ALTER /* ghostcut inspect */ TABLE " + q + " " + drop_keys_clause(deferred));
    const auto sample = sample_copy(conn, plan, name, scratch.unlogged());
    c.sample_rows = sample.rows;
    c.sample_chunks = sample.chunks;
    c.sample_seconds = sample.seconds;
    c.copy_us_per_row = sample.copy_us_per_row;
    const auto time = estimate_time(sample, c.rows, checksum, c.checksum_during_copy);
    c.copy_seconds = time.copy_seconds;
    c.checksum_seconds = time.checksum_seconds;
    c.run_seconds = time.run_seconds;
    if (!deferred.empty() && sample.chunks) {
      c.deferred_keys = deferred.size();
      c.key_build_seconds =
          key_build_seconds_per_row(conn, plan.database, name, sample.rows, deferred) * static_cast<double>(c.rows);
      c.run_seconds += c.key_build_seconds;
    }
    if (auto failed = scratch.drop()) c.warnings.push_back(*failed);
    // The sample's bytes per row: the statistics of a freshly loaded table are stale or empty.
    std::string bytes;
    for (const auto& col : plan.original.columns)
      bytes += (bytes.empty() ? "" : " + ") + std::string("COALESCE(LENGTH(") + quote_identifier(col.name) + "), 0)";
    const auto avg = conn.query("SELECT /* ghostcut inspect */ AVG(" + bytes + ") FROM (SELECT * FROM " +
                                quote_qualified(plan.database, plan.table) + " ORDER BY " + key + " LIMIT " +
                                std::to_string(kSampleRows) + ") s")
                         .scalar();
    const auto sampled = static_cast<std::uint64_t>(std::stod(avg.value_or("0")) + 0.5);
    if (sampled > c.avg_row_bytes) {
      c.avg_row_bytes = sampled;
      c.binlog_bytes = c.rows * sampled;
      if (c.data_bytes < c.binlog_bytes / 2) {  // InnoDB's numbers predate the rows: take the sample's
        c.data_bytes = c.binlog_bytes;
        c.ghost_bytes = c.data_bytes + c.index_bytes;
        c.warnings.push_back(
            "the table's statistics look stale (ANALYZE TABLE refreshes them): sizes are estimated from "
            "the sample");
      }
    }
  } catch (const std::exception& e) {
    c.warnings.push_back(std::string("no timed sample (") + e.what() + "): no copy-time estimate");
  }
  try {
    c.retention_seconds = std::stoll(conn.query(binlog_retention_query(plan.server)).scalar().value_or("0"));
    const auto basedir = conn.query("SELECT @@basedir").scalar().value_or("");
    const bool rds = basedir.rfind("/rdsdbbin", 0) == 0;
    if (auto w = binlog_retention_warning(plan.server, c.retention_seconds, c.run_seconds, rds))
      c.warnings.push_back(*w);
  } catch (const std::exception& e) {
    c.warnings.push_back(std::string("binlog retention not read: ") + e.what());
  }
  try {
    const auto r = conn.query(read_only_query(plan.server));
    for (const auto& v : r.rows.at(0))
      c.read_only = c.read_only || v.value_or("0") == "1" || upper(v.value_or("")) == "ON";
    if (c.read_only)
      c.warnings.push_back("the server is read-only (@@read_only" +
                           std::string(plan.server.flavour == Flavour::kMySql ? "/@@super_read_only" : "") +
                           "; a replica?): --execute would fail");
  } catch (const std::exception&) {
  }
  c.lock_holders = lock_holders(conn, plan);
  if (!c.lock_holders.empty())
    c.warnings.push_back("the cut-over (or an instant ALTER) waits for these metadata-lock holders: " +
                         describe_lock_holders(c.lock_holders, plan.server));
  return c;
}

std::string describe_cost(const CostEstimate& c, const MigrationPlan& plan) {
  std::ostringstream o;
  o << "Cost estimate\n";
  o << "  table size:      " << mib(c.data_bytes) << " data + " << mib(c.index_bytes) << " indexes, ~" << c.rows
    << " rows of ~" << c.avg_row_bytes << " bytes\n";
  if (c.instant) {
    o << "  instant:         metadata only: no ghost, no copy, no binlog volume\n";
  } else {
    o << "  ghost space:     ~" << mib(c.ghost_bytes) << " (plus the old table until it is dropped)\n";
    o << "  binlog volume:   ~" << mib(c.binlog_bytes) << " for the copy (one row image per row), plus the writes\n";
    if (c.sample_chunks)
      o << "  run time:        ~" << static_cast<long long>(c.run_seconds + 0.5) << " s: copy ~"
        << static_cast<long long>(c.copy_seconds + 0.5) << " s"
        << (c.deferred_keys ? ", " + std::to_string(c.deferred_keys) + " deferred key(s) ~" +
                                  std::to_string(static_cast<long long>(c.key_build_seconds + 0.5)) + " s"
                            : std::string())
        << ", checksum ~" << static_cast<long long>(c.checksum_seconds + 0.5) << " s"
        << (c.checksum_during_copy ? " behind the copy" : "") << " (a sample of " << c.sample_rows << " rows in "
        << c.sample_chunks << " chunks: " << static_cast<long long>(c.copy_us_per_row + 0.5)
        << " us/row; one thread, before throttling and the cut-over's wait)\n";
  }
  o << "  binlog retention: " << (c.retention_seconds > 0 ? std::to_string(c.retention_seconds) + " s" : "not by age")
    << " (" << binlog_retention_setting(plan.server) << ")\n";
  o << "  read-only:       " << (c.read_only ? "YES" : "no") << "\n";
  o << "  lock holders:    " << describe_lock_holders(c.lock_holders, plan.server) << "\n";
  for (const auto& w : c.warnings) o << "  WARNING: " << w << "\n";
  return o.str();
}

namespace {

nlohmann::json cost_object(const CostEstimate& c) {
  auto holders = nlohmann::json::array();
  for (const auto& h : c.lock_holders)
    holders.push_back({{"id", h.id}, {"user", h.user}, {"seconds", h.seconds}, {"statement", h.statement}});
  return {{"rows", c.rows},
          {"data_bytes", c.data_bytes},
          {"index_bytes", c.index_bytes},
          {"instant", c.instant},
          {"ghost_bytes", c.instant ? 0 : c.ghost_bytes},
          {"binlog_bytes", c.instant ? 0 : c.binlog_bytes},
          {"copy_seconds", c.instant ? 0 : c.copy_seconds},
          {"key_build_seconds", c.instant ? 0 : c.key_build_seconds},
          {"checksum_seconds", c.instant ? 0 : c.checksum_seconds},
          {"checksum_during_copy", !c.instant && c.checksum_during_copy},
          {"run_seconds", c.instant ? 0 : c.run_seconds},
          {"sample_rows", c.sample_rows},
          {"sample_chunks", c.sample_chunks},
          {"binlog_retention_seconds", c.retention_seconds},
          {"read_only", c.read_only},
          {"lock_holders", holders},
          {"warnings", c.warnings}};
}

// Invalid UTF-8 in a statement or a name is replaced, never an exception.
std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string cost_json(const CostEstimate& c, const MigrationPlan& /*plan*/) { return dump(cost_object(c)); }

std::string plan_json(const MigrationPlan& plan, const CostEstimate& c) {
  std::vector<std::string> backfills;
  for (const auto& [col, expr] : plan.mapping.backfills) backfills.push_back(col + "=" + expr);
  const nlohmann::json j = {{"database", plan.database},
                            {"table", plan.table},
                            {"alter", plan.alter},
                            {"server", plan.server.name()},
                            {"instant", {{"possible", plan.instant.possible}, {"reason", plan.instant.reason}}},
                            {"chunk_key", plan.chunk_key.name},
                            {"columns_added", plan.mapping.added},
                            {"columns_dropped", plan.mapping.dropped},
                            {"backfills", backfills},
                            {"notes", plan.notes},
                            {"cost", cost_object(c)}};
  return dump(j);
}

}  // namespace ghostcut::engine
