// Live-server helpers for applier and copier tests: a MigrationPlan built from two real tables
// (what the Inspector would produce), a stream on the original, draining it into an Applier,
// and full content dumps for comparison.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "engine/apply/applier.h"
#include "engine/inspect/column_mapping.h"
#include "engine/inspect/plan.h"
#include "engine/schema/table_schema.h"
#include "engine/sql/query_builder.h"
#include "integration/stream_harness.h"
#include "integration/test_server.h"

namespace ghostcut::testing {

inline binlog::BinlogPosition master_position(engine::SqlConnection& c) {
  auto t = c.query("SHOW MASTER STATUS");
  return {*t.rows.at(0).at(0), engine::to_uint64(t.rows.at(0).at(1))};
}

// The plan for migrating db.table into its ghost `ghost` (which the caller created and altered).
// chunk key: `key` (default PRIMARY); new unique keys: the ghost's unique keys whose column list
// is not a unique key of the original.
inline engine::MigrationPlan make_plan(engine::SqlConnection& conn, const std::string& db, const std::string& table,
                                       const std::string& ghost, const std::string& key = "PRIMARY") {
  engine::MigrationPlan p;
  p.database = db;
  p.table = table;
  p.ghost_table = ghost;
  p.changelog_table = engine::changelog_table_name(table);
  p.old_table = engine::old_table_name(table);
  p.original = engine::load_table_schema(conn, db, table);
  p.ghost = engine::load_table_schema(conn, db, ghost);
  for (const auto& i : p.original.indexes)
    if (i.name == key) p.chunk_key = i;
  EXPECT_FALSE(p.chunk_key.columns.empty()) << "no key " << key;
  p.mapping = engine::build_column_mapping(p.original, p.ghost);
  std::set<std::vector<std::string>> old_unique;
  for (const auto& i : p.original.indexes)
    if (i.unique) old_unique.insert(i.columns);
  for (const auto& i : p.ghost.indexes)
    if (i.unique && !old_unique.count(i.columns)) p.new_unique_keys.push_back(i);
  return p;
}

// A stream of db.table's changes, from `start`, with names and signedness from `schema`.
class TableStream {
 public:
  TableStream(const ghostcut::ConnectionSettings& s, std::uint32_t server_id, const engine::TableSchema& schema,
              binlog::BinlogPosition start)
      : columns_{schema.column_names(), schema.signs()} {
    binlog::StreamSettings ss;
    ss.connection = binlog_settings(s, server_id);
    ss.start = std::move(start);
    ss.heartbeat_period = std::chrono::milliseconds(500);
    harness_ = std::make_unique<StreamHarness>(
        ss,
        [db = schema.schema, t = schema.table](std::string_view sc, std::string_view tb) {
          return sc == db && tb == t;
        },
        [this](const binlog::TableMap&) { return &columns_; });
  }
  binlog::ReplicationStream& operator*() { return **harness_; }
  binlog::ReplicationStream* operator->() { return &**harness_; }

  // Pops and applies transactions (in batches of up to `batch`) until the stream has read past
  // `until` and nothing is queued. Returns the number of transactions applied. Fails when the
  // stream moves on nothing (its position, a transaction or piece) for `timeout`: a loaded machine
  // can take longer than that to read a long binlog, and the stream's progress says it gets there.
  std::size_t drain_into(engine::Applier& applier, const binlog::BinlogPosition& until, std::size_t batch = 50,
                         std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t applied = 0;
    std::vector<binlog::Transaction> pending;
    auto& s = **harness_;
    auto seen = s.read_position();
    while (std::chrono::steady_clock::now() < deadline) {
      if (const auto at = s.read_position(); at != seen) {
        seen = at;
        deadline = std::chrono::steady_clock::now() + timeout;
      }
      auto trx = s.pop(std::chrono::milliseconds(100));
      if (trx) {
        deadline = std::chrono::steady_clock::now() + timeout;
        pending.push_back(std::move(*trx));
        if (pending.size() < batch) continue;
      }
      if (!pending.empty()) {
        applier.apply(pending);
        applied += pending.size();
        pending.clear();
        continue;
      }
      if (s.failure()) std::rethrow_exception(s.failure());
      if (s.read_position() >= until && s.queued() == 0) return applied;
    }
    ADD_FAILURE() << "stream did not reach " << until.to_string() << " (stuck at " << s.read_position().to_string()
                  << " for " << timeout.count() << " s)";
    return applied;
  }

 private:
  binlog::TableColumns columns_;
  std::unique_ptr<StreamHarness> harness_;
};

// Every row, every column, as raw text cells, ordered by `order_by`.
inline engine::ResultTable dump(engine::SqlConnection& c, const std::string& table, const std::string& columns,
                                const std::string& order_by) {
  return c.query("SELECT " + columns + " FROM " + engine::quote_identifier(table) + " ORDER BY " + order_by);
}

inline std::uint32_t test_server_id(std::uint32_t base) {
  static std::atomic<std::uint32_t> n{0};
  return base + static_cast<std::uint32_t>(::getpid() % 1000) * 10 + (n++ % 10);
}

}  // namespace ghostcut::testing
