// Copy completeness per chunk-key type (issue #21): the row copy of a no-op migration
// (ENGINE=InnoDB; ghost created LIKE t + the ALTER, as the Migrator does) of a table keyed on
// each type, at chunk size 10 and at the adaptive size, must copy every row, and the ghost must
// equal the original byte for byte, compared row by row in key order. The issue's reproduction
// also runs whole, through the CLI. Keys are
// filled with the values where text order, collation order, time zones or precision differ from
// the index's order. No concurrent writes: rows_copied must be exactly the row count.
// KeyBoundsExplain checks that the bounded queries stay index range scans.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "engine/apply/apply_sql.h"
#include "engine/copy/copier.h"
#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::test::run_shell;
using ghostcut::test::shell_quote;
using ghostcut::testing::LiveServerTest;

namespace {

class KeyTypesCopyTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    // The fixture's sessions write zero dates and invalid ENUM values on purpose; rows are read
    // back in UTC.
    conn_->execute("SET SESSION time_zone = '+00:00', sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  }

  // Every column of `table`, in an exact text form, row by row in the order of `order_by`.
  std::vector<std::vector<Cell>> rows_of(const std::string& table, const std::string& order_by) {
    auto cols = conn_->query(
        "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
        "ORDER BY ORDINAL_POSITION",
        {db_, table});
    std::string select;
    for (const auto& r : cols.rows) {
      const std::string c = quote_identifier(r[0].value_or("")), t = r[1].value_or("");
      std::string e;
      if (t == "float" || t == "double") e = "CAST(CAST(" + c + " AS DOUBLE) AS CHAR)";
      else if (t == "enum" || t == "set") e = "CONCAT(" + c + " + 0, ':', HEX(" + c + "))";
      else if (t == "bit") e = c + " + 0";
      else if (t == "uuid" || t == "inet6") e = "CAST(" + c + " AS CHAR)";
      else e = "HEX(CAST(" + c + " AS BINARY))";
      select += (select.empty() ? "" : ", ") + e;
    }
    return conn_->query("SELECT " + select + " FROM " + quote_identifier(table) + " ORDER BY " + order_by).rows;
  }

  // Copies t into a fresh ghost table (created as the migration does: LIKE t, then the ALTER) with
  // the Copier. chunk_size 0: adaptive, from a small start with a short target, so the size
  // moves between chunks. Returns the rows the copy inserted.
  std::uint64_t copy(const std::string& alter, std::uint64_t chunk_size, MigrationPlan& plan) {
    conn_->execute("DROP TABLE IF EXISTS " + quote_identifier(ghost_table_name("t")));
    Inspector inspector(*conn_, InspectorConfig{});
    plan = inspector.inspect(db_, "t", alter);
    auto qb = QueryBuilder::create(db_, "t", plan.chunk_key, plan.mapping, plan.original);
    EXPECT_TRUE(qb.has_value());
    if (!qb) return 0;
    conn_->execute(qb->create_ghost_query());
    conn_->execute(qb->alter_ghost_query(plan.alter));
    RuntimeSettings runtime;
    if (chunk_size) {
      EXPECT_TRUE(runtime.set_chunk_size(chunk_size));
    }
    ProgressCounters progress;
    CopierConfig cfg;
    cfg.initial_chunk_size = 7;
    cfg.target_chunk_time = 5ms;
    Copier copier(settings_, plan, runtime, progress, cfg, nullptr);
    copier.run(std::stop_token{});
    EXPECT_GE(progress.chunks_copied.load(), chunk_size ? 4u : 2u) << "too few chunks to test their bounds";
    return progress.rows_copied.load();
  }

  // Creates the table with `setup`, copies it at chunk size 10 and at the adaptive size, and
  // expects exactly `rows` rows, all copied, equal to the original byte for byte.
  void expect_complete_copy(const std::vector<std::string>& setup, std::size_t rows, const std::string& order_by,
                            const std::string& alter = "ENGINE=InnoDB") {
    conn_->execute("DROP TABLE IF EXISTS t");
    for (const auto& q : setup) conn_->execute(q);
    const auto before = rows_of("t", order_by);
    ASSERT_EQ(before.size(), rows) << "the setup does not make the rows the test expects";
    for (const std::uint64_t chunk : {std::uint64_t{10}, std::uint64_t{0}}) {
      SCOPED_TRACE(chunk ? "chunk size 10" : "adaptive chunk size");
      MigrationPlan plan;
      const auto copied = copy(alter, chunk, plan);
      EXPECT_EQ(copied, rows) << "chunk key " << plan.chunk_key.name;
      const auto after = rows_of(ghost_table_name("t"), order_by);
      EXPECT_EQ(after.size(), before.size());
      std::size_t diffs = 0;
      for (std::size_t r = 0; r < std::min(before.size(), after.size()) && diffs < 5; ++r)
        if (before[r] != after[r]) {
          ++diffs;
          ADD_FAILURE() << "row " << r << " differs (first column " << before[r][0].value_or("NULL") << " vs "
                        << after[r][0].value_or("NULL") << ")";
        }
      if (before.size() != after.size()) {
        // Name the first missing row: the rows are in key order.
        for (std::size_t r = 0; r < before.size(); ++r)
          if (r >= after.size() || before[r] != after[r]) {
            std::string row;
            for (const auto& c : before[r]) row += c.value_or("NULL") + " ";
            ADD_FAILURE() << "first row missing or moved: #" << r << ": " << row;
            break;
          }
      }
    }
  }
};

TEST_F(KeyTypesCopyTest, EnumReproductionOfIssue21) {
  expect_complete_copy(
      {"CREATE TABLE t (id INT NOT NULL, i INT NOT NULL, e ENUM('red','green','blue','orange') NOT NULL DEFAULT 'red', "
       "PRIMARY KEY (id, e))",
       "INSERT INTO t SELECT seq, seq, ELT(1 + seq % 4, 'red','green','blue','orange') FROM seq_1_to_200",
       "INSERT IGNORE INTO t SELECT seq, seq, 'green' FROM seq_1_to_200",
       "INSERT IGNORE INTO t SELECT seq, seq, 'red' FROM seq_1_to_200"},
      500, "id, e");
}

TEST_F(KeyTypesCopyTest, EnumAloneWithTheEmptyErrorValue) {
  // Text order (blue < green < orange < red) is not the index order (red, green, blue, orange);
  // ordinal 0 ('', an invalid value stored without strict mode) sorts first.
  expect_complete_copy(
      {"CREATE TABLE t (e ENUM('red','green','blue','orange') NOT NULL, id INT NOT NULL, v INT, PRIMARY KEY (e, id))",
       "INSERT INTO t SELECT ELT(1 + seq % 4, 'red','green','blue','orange'), seq, seq FROM seq_1_to_120",
       "INSERT INTO t VALUES ('nope', 1, 1), ('nope', 2, 2), ('nope', 3, 3)"},
      123, "e, id");
}

TEST_F(KeyTypesCopyTest, EnumMembersWithQuotesCommasAndBackslashes) {
  // The IN lists span the ENUM's domain, read from the server's spelling of the type: a member
  // miscounted would drop the rows of the last ordinals.
  const std::vector<std::string> setup = {
      R"(CREATE TABLE t (e ENUM('a,b', 'it''s', 'back\slash', ')', '(', 'x'',y', 'é', '\'') NOT NULL, )"
      R"(id INT NOT NULL, PRIMARY KEY (e, id)))",
      "INSERT INTO t SELECT 1 + seq % 8, seq FROM seq_1_to_160"};
  expect_complete_copy(setup, 160, "e, id");
  const auto schema = load_table_schema(*conn_, db_, "t");
  auto bound = key_bound_for(schema.columns.at(0));
  ASSERT_TRUE(bound.has_value()) << bound.error().message();
  EXPECT_EQ(bound->ordinal_domain, 9u) << schema.columns.at(0).column_type;
  EXPECT_EQ(conn_->query("SELECT MAX(e + 0) FROM t").scalar(), "8");
}

TEST_F(KeyTypesCopyTest, Set) {
  // Every combination of 4 members: text order ('a,b' < 'b') is not the bit order (3 > 2).
  expect_complete_copy({"CREATE TABLE t (s SET('a','b','c','d') NOT NULL, id INT NOT NULL, v INT, PRIMARY KEY (s, id))",
                        "INSERT INTO t SELECT seq % 16, seq, seq FROM seq_1_to_160"},
                       160, "s, id");
}

TEST_F(KeyTypesCopyTest, IntSignedAndUnsignedEdges) {
  expect_complete_copy(
      {"CREATE TABLE t (k INT NOT NULL PRIMARY KEY, v INT)",
       "INSERT INTO t VALUES (-2147483648, 1), (-2147483647, 2), (-1, 3), (0, 4), (1, 5), (2147483646, 6), "
       "(2147483647, 7)",
       "INSERT INTO t SELECT CAST(seq AS SIGNED) * 1000 - 50007, seq FROM seq_1_to_93"},
      100, "k");
  expect_complete_copy(
      {"CREATE TABLE t (k INT UNSIGNED NOT NULL PRIMARY KEY, t TINYINT NOT NULL, UNIQUE KEY (t, k))",
       "INSERT INTO t VALUES (0, -128), (1, 127), (2147483647, 0), (2147483648, 1), (4294967294, -1), (4294967295, 2)",
       "INSERT INTO t SELECT seq * 7, CAST(seq AS SIGNED) % 100 - 50 FROM seq_1_to_94"},
      100, "k");
  // A signed TINYINT leading a composite key.
  expect_complete_copy({"CREATE TABLE t (a TINYINT NOT NULL, b SMALLINT UNSIGNED NOT NULL, PRIMARY KEY (a, b))",
                        "INSERT INTO t SELECT CAST(seq AS SIGNED) % 256 - 128, seq * 131 % 65536 FROM seq_0_to_299"},
                       300, "a, b");
}

TEST_F(KeyTypesCopyTest, BigintUnsignedMax) {
  // Sparse (the end-finding query) ...
  expect_complete_copy(
      {"CREATE TABLE t (k BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT)",
       "INSERT INTO t VALUES (0, 0), (9223372036854775807, 1), (9223372036854775808, 2), (18446744073709551614, 3), "
       "(18446744073709551615, 4)",
       "INSERT INTO t SELECT 18446744073709551615 - seq * 1000000000000, seq FROM seq_1_to_95"},
      100, "k");
  // ... and dense next to the maximum (chunked by value, the end capped at the max).
  expect_complete_copy({"CREATE TABLE t (k BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t SELECT 18446744073709551615 - seq, seq FROM seq_0_to_149", "ANALYZE TABLE t"},
                       150, "k");
  // BIGINT signed edges.
  expect_complete_copy({"CREATE TABLE t (k BIGINT NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t VALUES (-9223372036854775808, 0), (9223372036854775807, 1)",
                        "INSERT INTO t SELECT -9223372036854775808 + CAST(seq AS SIGNED), seq FROM seq_1_to_49",
                        "INSERT INTO t SELECT 9223372036854775807 - CAST(seq AS SIGNED), seq FROM seq_1_to_49"},
                       100, "k");
}

TEST_F(KeyTypesCopyTest, Decimal) {
  // Values that differ only in the 30th decimal (equal as doubles), negatives and zero.
  expect_complete_copy(
      {"CREATE TABLE t (d DECIMAL(65,30) NOT NULL PRIMARY KEY, v INT)",
       "INSERT INTO t SELECT 1 + seq * 0.000000000000000000000000000001, seq FROM seq_1_to_60",
       "INSERT INTO t SELECT -CAST(seq AS SIGNED) / 7, seq FROM seq_1_to_39", "INSERT INTO t VALUES (0, 0)"},
      100, "d");
  expect_complete_copy({"CREATE TABLE t (d DECIMAL(5,2) UNSIGNED NOT NULL, i INT NOT NULL, PRIMARY KEY (d, i))",
                        "INSERT INTO t SELECT (seq % 37) / 100 + 999 * (seq % 2), seq FROM seq_1_to_100"},
                       100, "d, i");
}

TEST_F(KeyTypesCopyTest, FloatAndDouble) {
  // A FLOAT prints with 6 digits (16777216 as 16777200): bounds must be read exactly.
  expect_complete_copy({"CREATE TABLE t (f FLOAT NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t SELECT 16777216 + seq * 2, seq FROM seq_1_to_50",
                        "INSERT INTO t SELECT seq / 10, seq FROM seq_1_to_50"},
                       100, "f");
  expect_complete_copy(
      {"CREATE TABLE t (d DOUBLE NOT NULL PRIMARY KEY, v INT)", "INSERT INTO t SELECT 1e0 / seq, seq FROM seq_1_to_50",
       "INSERT INTO t SELECT 0.1e0 * seq + 100.2e0, seq FROM seq_1_to_50"},
      100, "d");
}

TEST_F(KeyTypesCopyTest, DateDatetimeTimeYear) {
  expect_complete_copy({"CREATE TABLE t (d DATE NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t VALUES ('0000-00-00', 0), ('1000-01-01', 1), ('9999-12-31', 2)",
                        "INSERT INTO t SELECT '2026-01-01' + INTERVAL seq DAY, seq FROM seq_1_to_97"},
                       100, "d");
  // Microseconds apart: a bound without its fraction would skip rows.
  expect_complete_copy({"CREATE TABLE t (dt DATETIME(6) NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t SELECT '2026-03-29 01:59:59' + INTERVAL seq MICROSECOND, seq FROM seq_1_to_95",
                        "INSERT INTO t VALUES ('0000-00-00 00:00:00', 0), ('1000-01-01 00:00:00.000001', 1), "
                        "('9999-12-31 23:59:59.999999', 2), ('2026-03-29 02:30:00', 3), ('2026-10-25 02:30:00', 4)"},
                       100, "dt");
  expect_complete_copy(
      {"CREATE TABLE t (tm TIME(6) NOT NULL PRIMARY KEY, v INT)",
       "INSERT INTO t VALUES ('-838:59:59', 0), ('838:59:59', 1), ('-00:00:00.000001', 2), ('00:00:00', 3)",
       "INSERT INTO t SELECT SEC_TO_TIME(CAST(seq AS SIGNED) * 3600 - 180000) + INTERVAL seq MICROSECOND, seq "
       "FROM seq_1_to_96"},
      100, "tm");
  expect_complete_copy({"CREATE TABLE t (y YEAR NOT NULL, b BIT(10) NOT NULL, PRIMARY KEY (y, b))",
                        "INSERT INTO t SELECT 1901 + seq % 255, seq FROM seq_1_to_299", "INSERT INTO t VALUES (0, 0)"},
                       300, "y, b");
}

TEST_F(KeyTypesCopyTest, TimestampAcrossDstChanges) {
  // The server's zone has DST: Europe/Berlin, loaded into the time zone tables when missing.
  if (conn_->query("SELECT COUNT(*) FROM mysql.time_zone_name WHERE Name = 'Europe/Berlin'").scalar() == "0") {
    const char* pass = std::getenv("GHOSTCUT_TEST_PASSWORD");
    const auto r = run_shell("mariadb-tzinfo-to-sql /usr/share/zoneinfo/Europe/Berlin Europe/Berlin | MYSQL_PWD=" +
                             shell_quote(pass ? pass : "") + " mariadb --no-defaults -h " + settings_.host + " -P " +
                             std::to_string(settings_.port) + " -u " + shell_quote(settings_.user) + " mysql");
    if (r.status != 0) GTEST_SKIP() << "cannot load the Europe/Berlin time zone: " << r.out;
  }
  const std::string old_zone = admin_->query("SELECT @@global.time_zone").scalar().value_or("SYSTEM");
  admin_->execute("SET GLOBAL time_zone = 'Europe/Berlin'");
  struct Restore {
    SqlConnection& c;
    std::string zone;
    ~Restore() {
      try {
        c.execute("SET GLOBAL time_zone = " + quote_string(zone));
      } catch (const std::exception& e) {
        ADD_FAILURE() << "could not restore the global time zone: " << e.what();
      }
    }
  } restore{*admin_, old_zone};

  // Every 45 s through both 2026 changes: the October hour 02:00-03:00 local happens twice
  // (00:00-02:00 UTC), the March hour 02:00-03:00 local never (01:00 UTC).
  const std::vector<std::string> setup = {
      "CREATE TABLE t (ts TIMESTAMP(6) NOT NULL, id INT NOT NULL, v INT, PRIMARY KEY (ts), UNIQUE KEY (id))",
      "SET SESSION time_zone = '+00:00'",
      "INSERT INTO t SELECT '2026-10-24 23:30:00' + INTERVAL seq * 45 SECOND, seq, seq FROM seq_1_to_220",
      "INSERT INTO t SELECT '2026-03-29 00:30:00.5' + INTERVAL seq * 45 SECOND, 1000 + seq, seq FROM seq_1_to_80"};
  expect_complete_copy(setup, 300, "ts");
  // The data really crosses the fold: read in the server's zone, distinct rows print the same.
  auto local = SqlConnection::open(settings_);
  EXPECT_LT(std::stoi(local->query("SELECT COUNT(DISTINCT CAST(ts AS CHAR)) FROM t").scalar().value_or("0")), 300);
}

TEST_F(KeyTypesCopyTest, StringsInCiBinAndNoPadCollations) {
  // _ci: 'a', 'A', 'á' are one value of k, so the composite key holds all three; binary order
  // ('B' < 'a') is not the collation's order; PAD SPACE: 'x' = 'x  '.
  expect_complete_copy(
      {"CREATE TABLE t (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, id INT NOT NULL, "
       "PRIMARY KEY (k, id))",
       "INSERT INTO t SELECT ELT(1 + seq % 10, 'a', 'A', 'á', 'B', 'b ', 'x', 'x  ', '', 'é', 'Z'), seq FROM seq_1_to_150"},
      150, "k, id");
  // _bin: case and accents distinct, trailing spaces still padded (PAD SPACE).
  expect_complete_copy({"CREATE TABLE t (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY)",
                        "INSERT INTO t SELECT CONCAT(ELT(1 + seq % 6, 'a', 'A', 'á', 'B', 'b', 'é'), seq) "
                        "FROM seq_1_to_100"},
                       100, "k");
  // NO PAD: 'a' < 'a ' < 'a  ', and 'a\t' (0x09 < space) sorts between 'a' and 'a '.
  expect_complete_copy(
      {"CREATE TABLE t (k VARCHAR(12) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY, v INT)",
       "INSERT INTO t SELECT CONCAT(ELT(1 + seq % 5, 'a', 'b', 'c', 'é', ''), REPEAT(' ', seq DIV 5)), seq "
       "FROM seq_0_to_49",
       "INSERT INTO t SELECT CONCAT(ELT(1 + seq % 5, 'a', 'b', 'c', 'é', ''), CHAR(9), REPEAT(' ', seq DIV 5)), seq "
       "FROM seq_0_to_49"},
      100, "k");
  expect_complete_copy(
      {"CREATE TABLE t (k VARCHAR(12) CHARACTER SET latin1 COLLATE latin1_swedish_nopad_ci NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT CONCAT(ELT(1 + seq % 4, 'a', 'B', CHAR(233 USING latin1), 'z'), REPEAT(' ', seq DIV 4)) "
       "FROM seq_0_to_43"},
      44, "k");
  // CHAR in a non-UTF-8 charset: bytes travel as they are stored.
  expect_complete_copy(
      {"CREATE TABLE t (k CHAR(6) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL, "
       "id INT NOT NULL, PRIMARY KEY (k, id))",
       "INSERT INTO t SELECT CONCAT(CHAR(200 + seq % 50 USING latin1), seq % 3), seq FROM seq_1_to_100"},
      100, "k, id");
}

TEST_F(KeyTypesCopyTest, BinaryAndVarbinaryWithZeroAndFfBytes) {
  expect_complete_copy({"CREATE TABLE t (b BINARY(3) NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t SELECT UNHEX(LPAD(HEX(seq * 167), 6, '0')), seq FROM seq_0_to_99"},
                       100, "b");
  // '' < 0x00 < 0x0000 < 0x00FF < 0x01 … < 0xFF < 0xFF00: prefixes and extreme bytes.
  expect_complete_copy({"CREATE TABLE t (b VARBINARY(4) NOT NULL PRIMARY KEY, v INT)",
                        "INSERT INTO t VALUES ('', 0), (X'00', 1), (X'0000', 2), (X'00FF', 3), (X'FF', 4), "
                        "(X'FF00', 5), (X'FFFF', 6), (X'FFFFFFFF', 7), (X'20', 8), (X'2000', 9)",
                        "INSERT INTO t SELECT UNHEX(CONCAT(ELT(1 + seq % 3, '00', 'FF', '7F'), HEX(seq))), seq "
                        "FROM seq_1_to_90"},
                       100, "b");
}

TEST_F(KeyTypesCopyTest, UuidAndInet6) {
  // A UUID's index order swaps its groups: not its text order.
  expect_complete_copy(
      {"CREATE TABLE t (u UUID NOT NULL PRIMARY KEY, i INET6 NOT NULL, UNIQUE KEY (i))",
       "INSERT INTO t SELECT CONCAT(LPAD(HEX(seq), 8, '0'), '-0000-', LPAD(HEX(100 - seq), 4, '0'), "
       "'-0000-', LPAD(HEX(seq * 7), 12, '0')), CONCAT(HEX(seq), '::', HEX(100 - seq)) FROM seq_1_to_100"},
      100, "u");
}

TEST_F(KeyTypesCopyTest, CompositeKeysMixingTypes) {
  expect_complete_copy(
      {"CREATE TABLE t (e ENUM('z','y','x') NOT NULL, s VARCHAR(5) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci "
       "NOT NULL, b VARBINARY(2) NOT NULL, d DECIMAL(20,10) NOT NULL, ts TIMESTAMP(6) NOT NULL DEFAULT "
       "'2001-01-01', v INT, PRIMARY KEY (e, s, b, d, ts))",
       "INSERT INTO t SELECT ELT(1 + seq % 3, 'x', 'y', 'z'), ELT(1 + seq % 4, 'a', 'A ', 'b', 'Á'), "
       "UNHEX(ELT(1 + seq % 3, '00', 'FF', '')), (seq % 5) * 0.0000000001, '2026-10-25 00:59:59' + INTERVAL seq "
       "SECOND, seq FROM seq_1_to_300"},
      300, "e, s, b, d, ts");
  expect_complete_copy(
      {"CREATE TABLE t (st SET('p','q','r') NOT NULL, dt DATETIME(6) NOT NULL, u BIGINT UNSIGNED NOT NULL, "
       "c CHAR(3) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL, v INT, UNIQUE KEY k (st, dt, u, c))",
       "INSERT INTO t SELECT seq % 8, '2026-01-01' + INTERVAL (seq % 3) MICROSECOND, 18446744073709551615 - seq % 2, "
       "ELT(1 + seq % 5, 'a', 'B', '', 'ab', 'b'), seq FROM seq_1_to_120"},
      120, "st, dt, u, c");
}

// The issue's reproduction through the real binary, exactly as reported.
TEST_F(KeyTypesCopyTest, EnumReproductionThroughTheCli) {
  conn_->execute(
      "CREATE TABLE t (id INT NOT NULL, i INT NOT NULL, e ENUM('red','green','blue','orange') NOT NULL DEFAULT 'red', "
      "PRIMARY KEY (id, e))");
  conn_->execute("INSERT INTO t SELECT seq, seq, ELT(1 + seq % 4, 'red','green','blue','orange') FROM seq_1_to_200");
  conn_->execute("INSERT IGNORE INTO t SELECT seq, seq, 'green' FROM seq_1_to_200");
  conn_->execute("INSERT IGNORE INTO t SELECT seq, seq, 'red' FROM seq_1_to_200");
  const auto before = rows_of("t", "id, e");
  ASSERT_EQ(before.size(), 500u);
  const char* pass = std::getenv("GHOSTCUT_TEST_PASSWORD");
  const auto r = run_shell("env HOME=/nonexistent-ghostcut-home GHOSTCUT_PASSWORD=" + shell_quote(pass ? pass : "") +
                           " " + std::string(GHOSTCUT_BINARY) + " migrate --host " + settings_.host + " --port " +
                           std::to_string(settings_.port) + " --user " + shell_quote(settings_.user) +
                           " --ssl-mode disabled --database " + shell_quote(db_) +
                           " --table t --alter \"ENGINE=InnoDB\" --chunk-size 10 --execute");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("500 rows copied"), std::string::npos) << r.out;
  EXPECT_EQ(rows_of("t", "id, e"), before);
}

// The bounded queries stay index range scans for every key type (EXPLAIN type range, on the
// chunk key), with bounds read from the table itself.
TEST_F(KeyTypesCopyTest, KeyBoundsExplain) {
  struct Case {
    std::string create, fill;
  };
  const std::vector<Case> cases = {
      {"CREATE TABLE t (id INT NOT NULL, e ENUM('red','green','blue','orange') NOT NULL, PRIMARY KEY (id, e))",
       "INSERT INTO t SELECT seq DIV 4, 1 + seq % 4 FROM seq_0_to_3999"},
      {"CREATE TABLE t (e ENUM('red','green','blue','orange') NOT NULL, id INT NOT NULL, PRIMARY KEY (e, id))",
       "INSERT INTO t SELECT 1 + seq % 4, seq FROM seq_0_to_3999"},
      {"CREATE TABLE t (s SET('a','b','c','d') NOT NULL, id INT NOT NULL, PRIMARY KEY (s, id))",
       "INSERT INTO t SELECT seq % 16, seq FROM seq_0_to_3999"},
      {"CREATE TABLE t (k DECIMAL(65,30) NOT NULL PRIMARY KEY)", "INSERT INTO t SELECT seq / 3 FROM seq_0_to_3999"},
      {"CREATE TABLE t (k FLOAT NOT NULL PRIMARY KEY)", "INSERT INTO t SELECT seq / 3 FROM seq_0_to_3999"},
      {"CREATE TABLE t (k DATETIME(6) NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT '2026-01-01' + INTERVAL seq SECOND FROM seq_0_to_3999"},
      {"CREATE TABLE t (k TIMESTAMP(6) NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT '2026-01-01' + INTERVAL seq SECOND FROM seq_0_to_3999"},
      {"CREATE TABLE t (k DATE NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT '2000-01-01' + INTERVAL seq DAY FROM seq_0_to_3999"},
      {"CREATE TABLE t (k TIME(6) NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT SEC_TO_TIME(seq * 7) FROM seq_0_to_3999"},
      {"CREATE TABLE t (k VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_nopad_ci NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT CONCAT('k', seq) FROM seq_0_to_3999"},
      {"CREATE TABLE t (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, i INT NOT NULL, "
       "PRIMARY KEY (k, i))",
       "INSERT INTO t SELECT CONCAT('k', seq % 50), seq FROM seq_0_to_3999"},
      {"CREATE TABLE t (k VARBINARY(10) NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT UNHEX(LPAD(HEX(seq * 7), 6, '0')) FROM seq_0_to_3999"},
      {"CREATE TABLE t (k BIGINT UNSIGNED NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT 18446744073709551615 - seq * 1000 FROM seq_0_to_3999"},
      {"CREATE TABLE t (k UUID NOT NULL PRIMARY KEY)",
       "INSERT INTO t SELECT CONCAT(LPAD(HEX(seq), 8, '0'), '-0000-0000-0000-', LPAD(HEX(seq), 12, '0')) FROM seq_0_to_3999"},
      {"CREATE TABLE t (y YEAR NOT NULL, b BIT(12) NOT NULL, PRIMARY KEY (y, b))",
       "INSERT INTO t SELECT 1901 + seq % 200, seq FROM seq_0_to_3999"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.create);
    conn_->execute("DROP TABLE IF EXISTS t, " + quote_identifier(ghost_table_name("t")));
    conn_->execute(c.create);
    conn_->execute(c.fill);
    conn_->execute("ANALYZE TABLE t");
    Inspector inspector(*conn_, InspectorConfig{});
    const auto plan = inspector.inspect(db_, "t", "ENGINE=InnoDB");
    auto qb = QueryBuilder::create(db_, "t", plan.chunk_key, plan.mapping, plan.original);
    ASSERT_TRUE(qb.has_value()) << qb.error().message();
    conn_->execute(qb->create_ghost_query());
    auto session = SqlConnection::open(settings_);
    session->execute(kEngineSessionSetup);
    // Bounds of a chunk in the middle: rows 1000 and 1100 in key order.
    auto all = session->query(qb->min_key_query());
    ASSERT_EQ(all.size(), 1u);
    std::string order;
    for (const auto& k : plan.chunk_key.columns) order += (order.empty() ? "" : ", ") + quote_identifier(k);
    std::string reads;
    for (const auto& b : qb->key_bounds()) reads += (reads.empty() ? "" : ", ") + b.read_expr;
    auto lo_row = session->query("SELECT " + reads + " FROM t ORDER BY " + order + " LIMIT 1 OFFSET 1000");
    auto hi_row = session->query("SELECT " + reads + " FROM t ORDER BY " + order + " LIMIT 1 OFFSET 1100");
    auto lo = qb->key_tuple(lo_row.rows.at(0));
    auto hi = qb->key_tuple(hi_row.rows.at(0));
    ASSERT_TRUE(lo && hi);
    auto copy = qb->range_copy_query(*lo, false, *hi);
    ASSERT_TRUE(copy.has_value());
    // The copy reads exactly the 100 rows after row 1000 up to row 1100.
    auto count_sql = copy->sql;
    const auto select = count_sql.find(" SELECT ");
    ASSERT_NE(select, std::string::npos);
    const auto from = count_sql.find(" FROM ", select);
    count_sql = "SELECT COUNT(*)" + count_sql.substr(from);
    EXPECT_EQ(session->query(count_sql, copy->params).scalar(), "100");
    for (const auto& sql : {std::string("EXPLAIN ") + copy->sql}) {
      auto ex = session->query(sql, copy->params);
      bool found = false;
      for (std::size_t r = 0; r < ex.size(); ++r) {
        if (ex.at(r, "table").value_or("") != "t") continue;
        found = true;
        std::cerr << "EXPLAIN row copy, key " << plan.chunk_key.name << ": type " << ex.at(r, "type").value_or("")
                  << ", key " << ex.at(r, "key").value_or("") << ", key_len " << ex.at(r, "key_len").value_or("")
                  << ", rows " << ex.at(r, "rows").value_or("") << " — " << c.create.substr(13, 90) << "\n";
        EXPECT_EQ(ex.at(r, "type").value_or(""), "range") << sql;
        EXPECT_EQ(ex.at(r, "key").value_or(""), plan.chunk_key.name) << sql;
        // An index range, not the whole index: the estimate is far below the 4000 rows.
        EXPECT_LT(std::stoll(ex.at(r, "rows").value_or("0")), 2000) << sql;
      }
      EXPECT_TRUE(found) << sql;
    }
    auto next = qb->next_chunk_end_query(*lo, false, *hi, 10);
    ASSERT_TRUE(next.has_value());
    auto ex = session->query("EXPLAIN " + next->sql, next->params);
    for (std::size_t r = 0; r < ex.size(); ++r)
      if (ex.at(r, "table").value_or("") == "t") {
        EXPECT_EQ(ex.at(r, "type").value_or(""), "range") << next->sql;
        EXPECT_EQ(ex.at(r, "key").value_or(""), plan.chunk_key.name);
      }
    // The chunk end after row 1000 with 10 rows is row 1010.
    auto end_row = session->query(next->sql, next->params);
    auto want = session->query("SELECT " + reads + " FROM t ORDER BY " + order + " LIMIT 1 OFFSET 1010");
    EXPECT_EQ(end_row.rows, want.rows);
  }
}

}  // namespace
