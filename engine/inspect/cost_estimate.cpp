#include "engine/inspect/cost_estimate.h"

#include <chrono>
#include <sstream>

#include "engine/apply/apply_sql.h"
#include "engine/inspect/phased_queries.h"
#include "engine/inspect/scratch_table.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

constexpr std::uint64_t kSampleRows = 5000;

std::string mib(std::uint64_t b) {
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << b / 1048576.0 << " MiB";
  return o.str();
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += ' ';
    else o += c;
  }
  return o + "\"";
}

}  // namespace

CostEstimate estimate_cost(SqlConnection& conn, const MigrationPlan& plan) {
  CostEstimate c;
  c.instant = plan.instant.possible;
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
  // A timed sample: the first rows by the chunk key, copied as the copier does into a scratch ghost.
  try {
    ScratchTable scratch(conn, plan.database);
    const std::string name = "_gct_sample_" + std::to_string(conn.connection_id());
    const std::string q = quote_qualified(plan.database, name);
    conn.execute("CREATE /* ghostcut inspect */ TABLE " + q + " LIKE " + quote_qualified(plan.database, plan.table));
    scratch.created(name);
    conn.execute("ALTER /* ghostcut inspect */ TABLE " + q + " " + plan.alter);
    std::string targets, sources, key;
    for (const auto& sc : plan.mapping.shared) {
      targets += (targets.empty() ? "" : ", ") + quote_identifier(sc.target_name);
      sources += (sources.empty() ? "" : ", ") + tz_shifted(quote_identifier(sc.source_name), sc.tz_shift);
    }
    for (const auto& k : plan.chunk_key.columns) key += (key.empty() ? "" : ", ") + quote_identifier(k);
    const auto t0 = std::chrono::steady_clock::now();
    c.sample_rows = conn.update("INSERT IGNORE /* ghostcut inspect */ INTO " + q + " (" + targets + ") SELECT " +
                                sources + " FROM " + quote_qualified(plan.database, plan.table) + " ORDER BY " + key +
                                " LIMIT " + std::to_string(kSampleRows));
    c.sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  if (c.sample_rows > 0 && c.sample_seconds > 0) c.copy_seconds = c.rows * c.sample_seconds / c.sample_rows;
  try {
    c.retention_seconds = std::stoll(conn.query(binlog_retention_query(plan.server)).scalar().value_or("0"));
    const auto basedir = conn.query("SELECT @@basedir").scalar().value_or("");
    const bool rds = basedir.rfind("/rdsdbbin", 0) == 0;
    if (auto w = binlog_retention_warning(plan.server, c.retention_seconds, c.copy_seconds, rds))
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
    if (c.sample_rows)
      o << "  copy time:       ~" << static_cast<long long>(c.copy_seconds + 0.5) << " s (a sample of " << c.sample_rows
        << " rows copied in " << static_cast<long long>(c.sample_seconds * 1000) << " ms, one thread, no load)\n";
  }
  o << "  binlog retention: " << (c.retention_seconds > 0 ? std::to_string(c.retention_seconds) + " s" : "not by age")
    << " (" << binlog_retention_setting(plan.server) << ")\n";
  o << "  read-only:       " << (c.read_only ? "YES" : "no") << "\n";
  o << "  lock holders:    " << describe_lock_holders(c.lock_holders, plan.server) << "\n";
  for (const auto& w : c.warnings) o << "  WARNING: " << w << "\n";
  return o.str();
}

std::string cost_json(const CostEstimate& c, const MigrationPlan& /*plan*/) {
  std::ostringstream o;
  o << "{\"rows\":" << c.rows << ",\"data_bytes\":" << c.data_bytes << ",\"index_bytes\":" << c.index_bytes
    << ",\"instant\":" << (c.instant ? "true" : "false") << ",\"ghost_bytes\":" << (c.instant ? 0 : c.ghost_bytes)
    << ",\"binlog_bytes\":" << (c.instant ? 0 : c.binlog_bytes) << ",\"copy_seconds\":" << c.copy_seconds
    << ",\"sample_rows\":" << c.sample_rows << ",\"binlog_retention_seconds\":" << c.retention_seconds
    << ",\"read_only\":" << (c.read_only ? "true" : "false") << ",\"lock_holders\":[";
  for (std::size_t i = 0; i < c.lock_holders.size(); ++i) {
    const auto& h = c.lock_holders[i];
    o << (i ? "," : "") << "{\"id\":" << h.id << ",\"user\":" << json_string(h.user) << ",\"seconds\":" << h.seconds
      << ",\"statement\":" << json_string(h.statement) << "}";
  }
  o << "],\"warnings\":[";
  for (std::size_t i = 0; i < c.warnings.size(); ++i) o << (i ? "," : "") << json_string(c.warnings[i]);
  o << "]}";
  return o.str();
}

std::string plan_json(const MigrationPlan& plan, const CostEstimate& c) {
  auto list = [](const std::vector<std::string>& v) {
    std::string o = "[";
    for (std::size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + json_string(v[i]);
    return o + "]";
  };
  std::vector<std::string> backfills;
  for (const auto& [col, expr] : plan.mapping.backfills) backfills.push_back(col + "=" + expr);
  std::ostringstream o;
  o << "{\"database\":" << json_string(plan.database) << ",\"table\":" << json_string(plan.table)
    << ",\"alter\":" << json_string(plan.alter) << ",\"server\":" << json_string(plan.server.name())
    << ",\"instant\":{\"possible\":" << (plan.instant.possible ? "true" : "false")
    << ",\"reason\":" << json_string(plan.instant.reason) << "},\"chunk_key\":" << json_string(plan.chunk_key.name)
    << ",\"columns_added\":" << list(plan.mapping.added) << ",\"columns_dropped\":" << list(plan.mapping.dropped)
    << ",\"backfills\":" << list(backfills) << ",\"notes\":" << list(plan.notes) << ",\"cost\":" << cost_json(c, plan)
    << "}";
  return o.str();
}

}  // namespace ghostcut::engine
