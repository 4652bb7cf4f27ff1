// The model-checked writer of the migration tests: each writer owns the ids = w (mod writers) of
// table t (id BIGINT PK, a BIGINT, b VARCHAR) and mirrors every committed change in its model, so
// after a migration the table must equal the union of the models.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::testing {

using engine::Cell;
using engine::quote_qualified;
using engine::SqlConnection;
using engine::SqlThreadGuard;
using ghostcut::ConnectionSettings;

using Row = std::vector<Cell>;
using Table = std::map<std::string, Row>;  // key text → row (every column as text)

inline Table read_table(SqlConnection& c, const std::string& db, const std::string& table, const std::string& columns,
                        const std::string& key_expr) {
  Table t;
  auto r = c.query("SELECT " + key_expr + ", " + columns + " FROM " + quote_qualified(db, table));
  for (auto& row : r.rows) {
    std::string k = row[0].value_or("NULL");
    row.erase(row.begin());
    t.emplace(std::move(k), std::move(row));
  }
  return t;
}

// Every difference between the writers' model and the new table (at most 10 reported), each with
// what the old table holds for that key: a change there but not in the new table was lost.
inline std::size_t count_differences(const Table& expected, const Table& got, const Table& old) {
  auto in_old = [&](const std::string& k) {
    auto it = old.find(k);
    return it == old.end()
               ? std::string(" (not in t_del)")
               : " (in t_del: a=" + it->second[0].value_or("NULL") + ", b=" + it->second[1].value_or("NULL") + ")";
  };
  std::size_t diffs = 0;
  for (const auto& [k, row] : expected) {
    auto it = got.find(k);
    if (it == got.end()) {
      if (++diffs < 10) ADD_FAILURE() << "row " << k << " lost" << in_old(k);
    } else if (it->second != row) {
      if (++diffs < 10)
        ADD_FAILURE() << "row " << k << " differs: a=" << it->second[0].value_or("NULL") << " want "
                      << row[0].value_or("NULL") << in_old(k);
    }
  }
  for (const auto& [k, row] : got)
    if (!expected.count(k) && ++diffs < 10) ADD_FAILURE() << "row " << k << " should not exist" << in_old(k);
  return diffs;
}

// Table t as the writers expect it: ids 1..rows with a = id and b = 'seed'.
inline void create_seeded_table(SqlConnection& c, int rows) {
  c.execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
  c.execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_" + std::to_string(rows));
}

// A writer owns the ids ≡ w (mod writers) and mirrors every committed change in its model.
struct Writer {
  int w = 0, writers = 1;
  std::map<std::int64_t, std::pair<std::int64_t, std::string>> model;  // id → (a, b)
  std::int64_t next_id = 0;
  std::uint64_t ops = 0, errors = 0;
  std::uint64_t deadlocks = 0;  // InnoDB chose this writer as a deadlock victim: rolled back, model untouched
  std::string last_error;
  std::chrono::steady_clock::duration longest{};  // the longest single operation (a write stall)
  int lock_wait_timeout = 0;                      // seconds; 0 = the server's default
  // Row changes committed (a trigger test counts what each must have fired), and the session's id.
  std::uint64_t inserts = 0, updates = 0, deletes = 0;
  std::uint64_t connection_id = 0;
  // Called by the writer's thread after each committed operation (e.g. to bump a counter other
  // threads may read while it runs: `ops` is the writer's own).
  std::function<void()> on_commit;
};

// Writers for a table seeded with ids 1..rows (a = id, b = 'seed'): each owns the ids ≡ w (mod
// writers) and starts its new ids after the seed.
inline void seed_models(std::vector<Writer>& writers, int rows) {
  const int n = static_cast<int>(writers.size());
  for (int w = 0; w < n; ++w) {
    writers[w].w = w;
    writers[w].writers = n;
    writers[w].next_id = rows + w;
  }
  for (std::int64_t id = 1; id <= rows; ++id) writers[static_cast<std::size_t>(id % n)].model[id] = {id, "seed"};
}

// What t must hold after the writers stopped: the union of their models as (a, b), each row
// followed by `extra` (the values of columns the migration added).
inline Table model_rows(const std::vector<Writer>& writers, const std::vector<std::string>& extra = {}) {
  Table expected;
  for (const auto& wr : writers)
    for (const auto& [id, v] : wr.model) {
      Row row{std::to_string(v.first), v.second};
      row.insert(row.end(), extra.begin(), extra.end());
      expected[std::to_string(id)] = std::move(row);
    }
  return expected;
}

inline void writer_loop(Writer& wr, ConnectionSettings cs, std::atomic<bool>& stop) {
  SqlThreadGuard guard;
  auto c = SqlConnection::open(cs);
  if (wr.lock_wait_timeout > 0) c->execute("SET SESSION lock_wait_timeout = " + std::to_string(wr.lock_wait_timeout));
  wr.connection_id = c->connection_id();
  std::mt19937_64 rng(static_cast<unsigned>(wr.w) * 7919u + 1);
  auto fresh_id = [&] {
    wr.next_id += wr.writers;
    return wr.next_id;
  };
  auto pick = [&]() -> std::int64_t {
    if (wr.model.empty()) return -1;
    auto it = wr.model.begin();
    std::advance(it, static_cast<long>(rng() % wr.model.size()));
    return it->first;
  };
  while (!stop) {
    const int op = static_cast<int>(rng() % 10);
    const auto started = std::chrono::steady_clock::now();
    try {
      if (op < 3) {  // insert
        const auto id = fresh_id();
        const std::int64_t a = static_cast<std::int64_t>(rng() % 1000000);
        const std::string b = "w" + std::to_string(wr.w) + "-" + std::to_string(id);
        c->update("INSERT INTO t (id, a, b) VALUES (?, ?, ?)", {id, a, b});
        wr.model[id] = {a, b};
        ++wr.inserts;
      } else if (op < 6) {  // non-key update
        const auto id = pick();
        if (id < 0) continue;
        const std::int64_t a = static_cast<std::int64_t>(rng() % 1000000);
        c->update("UPDATE t SET a = ? WHERE id = ?", {a, id});
        wr.model[id].first = a;
        ++wr.updates;
      } else if (op < 7) {  // primary-key change
        const auto id = pick();
        if (id < 0) continue;
        const auto to = fresh_id();
        c->update("UPDATE t SET id = ? WHERE id = ?", {to, id});
        wr.model[to] = wr.model[id];
        wr.model.erase(id);
        ++wr.updates;       // one UPDATE row event
      } else if (op < 8) {  // delete
        const auto id = pick();
        if (id < 0) continue;
        c->update("DELETE FROM t WHERE id = ?", {id});
        wr.model.erase(id);
        ++wr.deletes;
      } else {  // multi-statement transaction: insert two, update one, delete one
        auto model = wr.model;
        c->execute("BEGIN");
        const auto i1 = fresh_id(), i2 = fresh_id();
        c->update("INSERT INTO t (id, a, b) VALUES (?, 1, 'trx'), (?, 2, 'trx')", {i1, i2});
        model[i1] = {1, "trx"};
        model[i2] = {2, "trx"};
        c->update("UPDATE t SET a = a + 10, b = 'trx-upd' WHERE id = ?", {i1});
        model[i1] = {11, "trx-upd"};
        const auto victim = pick();
        if (victim >= 0) {
          c->update("DELETE FROM t WHERE id = ?", {victim});
          model.erase(victim);
        }
        c->execute("COMMIT");
        wr.model = std::move(model);
        wr.inserts += 2;
        wr.updates += 1;
        wr.deletes += victim >= 0 ? 1 : 0;
      }
      ++wr.ops;
      if (wr.on_commit) wr.on_commit();
      wr.longest = std::max(wr.longest, std::chrono::steady_clock::now() - started);
    } catch (const std::exception& e) {
      // A deadlock between writers' transactions (gap locks) rolls the whole transaction back, as
      // for any application; the model was not touched, so it stays exact. Anything else is an error.
      const auto* sql = dynamic_cast<const engine::SqlError*>(&e);
      if (sql && sql->code() == 1213) ++wr.deadlocks;
      else ++wr.errors;
      wr.last_error = e.what();
      try {
        c->execute("ROLLBACK");
      } catch (...) {
      }
    }
  }
}

}  // namespace ghostcut::testing
