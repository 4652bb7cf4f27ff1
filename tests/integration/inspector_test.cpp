// Inspector against the live server: every refusal is reported with a clear message, and
// inspecting changes nothing (same tables, same definitions, same binlog position).
#include "engine/inspect/inspector.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "integration/test_server.h"

using namespace ghostcut::engine;
using ghostcut::testing::LiveServerTest;

namespace {

class InspectorTest : public LiveServerTest {
 protected:
  // Every table in the test database with its SHOW CREATE TABLE text.
  std::map<std::string, std::string> snapshot() {
    std::map<std::string, std::string> out;
    auto t = admin_->query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", {db_});
    for (const auto& r : t.rows) {
      const std::string name = r[0].value_or("");
      auto c = admin_->query("SHOW CREATE TABLE " + quote_qualified(db_, name));
      out[name] = c.rows.at(0).at(1).value_or("");
    }
    return out;
  }
  std::string binlog_position() {
    auto s = admin_->query("SHOW MASTER STATUS");
    return s.empty() ? "" : s.rows[0][0].value_or("") + ":" + s.rows[0][1].value_or("");
  }

  MigrationPlan inspect(const std::string& table, const std::string& alter, InspectorConfig config = {}) {
    Inspector inspector(*conn_, config);
    return inspector.inspect(db_, table, alter);
  }

  // Expects a refusal mentioning each of `expected`, and no change at all on the server.
  std::vector<std::string> expect_refused(const std::string& table, const std::string& alter,
                                          std::vector<std::string> expected, InspectorConfig config = {}) {
    const auto before = snapshot();
    std::vector<std::string> refusals;
    try {
      (void)inspect(table, alter, config);
      ADD_FAILURE() << "inspect accepted " << table << " / " << alter;
    } catch (const InspectionError& e) {
      refusals = e.refusals();
      const std::string what = e.what();
      for (const auto& x : expected)
        EXPECT_NE(what.find(x), std::string::npos) << "missing '" << x << "' in:\n" << what;
      EXPECT_EQ(what.find("_gct_inspect"), std::string::npos) << "temporary name leaked: " << what;
    }
    EXPECT_EQ(snapshot(), before) << "inspect changed the database";
    for (const auto& name : {ghost_table_name(table), changelog_table_name(table)})
      if (!before.count(name)) {
        EXPECT_FALSE(snapshot().count(name)) << name << " was created";
      }
    return refusals;
  }
};

TEST_F(InspectorTest, ServerInfoOfTheTestServer) {
  Inspector inspector(*conn_, {});
  const ServerInfo s = inspector.server_info();
  EXPECT_FALSE(s.version.empty());
  EXPECT_GT(s.major, 0);
  EXPECT_TRUE(s.log_bin);
  EXPECT_EQ(s.binlog_format, "ROW");
  EXPECT_EQ(s.binlog_row_image, "FULL");
  EXPECT_TRUE(check_server(s).empty());
}

TEST_F(InspectorTest, AcceptsAndPlansWithoutChangingAnything) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), old_col INT, k INT, KEY (k))");
  conn_->execute("INSERT INTO t VALUES (1,'a',1,1),(2,'b',2,2),(3,NULL,3,3)");
  const auto before = snapshot();
  const auto pos = binlog_position();

  const auto plan = inspect("t", "ADD COLUMN c INT DEFAULT 7, DROP COLUMN old_col, MODIFY name VARCHAR(40)");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(binlog_position(), pos) << "inspect wrote to the binlog";

  EXPECT_EQ(plan.database, db_);
  EXPECT_EQ(plan.table, "t");
  EXPECT_EQ(plan.ghost_table, "t_gho");
  EXPECT_EQ(plan.changelog_table, "t_ghc");
  EXPECT_EQ(plan.old_table, "t_del");
  EXPECT_TRUE(plan.chunk_key.primary);
  EXPECT_EQ(plan.chunk_key.columns, std::vector<std::string>{"id"});
  EXPECT_EQ(plan.mapping.source_names(), (std::vector<std::string>{"id", "name", "k"}));
  EXPECT_EQ(plan.mapping.added, std::vector<std::string>{"c"});
  EXPECT_EQ(plan.mapping.dropped, std::vector<std::string>{"old_col"});
  ASSERT_NE(plan.mapping.find_source("name"), nullptr);
  EXPECT_TRUE(plan.mapping.find_source("name")->type_changed);
  EXPECT_EQ(plan.ghost.table, "t_gho");
  EXPECT_TRUE(plan.new_unique_keys.empty());
  EXPECT_TRUE(plan.leftover_tables.empty());
  EXPECT_EQ(plan.ghost_create_statement.rfind("CREATE TABLE " + quote_qualified(db_, "t_gho") + " (", 0), 0u)
      << plan.ghost_create_statement;
  EXPECT_NE(plan.ghost_create_statement.find("`c` int(11) DEFAULT 7"), std::string::npos)
      << plan.ghost_create_statement;
  EXPECT_EQ(plan.ghost_create_statement.find("old_col"), std::string::npos);

  const std::string d = plan.describe();
  for (const char* s : {"PRIMARY (id)", "columns added:   c", "columns dropped: old_col",
                        "name varchar(20) -> varchar(40)", "CREATE TABLE", "cut-over:"}) {
    SCOPED_TRACE(s);
    EXPECT_NE(d.find(s), std::string::npos) << d;
  }

  // The ghost DDL is real: created, it has exactly the schema the plan predicted.
  admin_->execute(plan.ghost_create_statement);
  auto ghost = load_table_schema(*admin_, db_, "t_gho");
  EXPECT_EQ(ghost.columns, plan.ghost.columns);
  EXPECT_EQ(ghost.indexes, plan.ghost.indexes);
}

TEST_F(InspectorTest, EstimatedRowsComeFromStatistics) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute(
      "INSERT INTO t WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 500) "
      "SELECT n, n FROM s");
  conn_->execute("ANALYZE TABLE t");
  auto plan = inspect("t", "ADD COLUMN c INT");
  EXPECT_GT(plan.estimated_rows, 250u);
  EXPECT_LT(plan.estimated_rows, 1000u);
  EXPECT_NE(plan.describe().find("estimated rows:  " + std::to_string(plan.estimated_rows)), std::string::npos);
}

TEST_F(InspectorTest, ShowBasedSchemaMatchesInformationSchema) {
  conn_->execute(
      "CREATE TABLE t (id BIGINT UNSIGNED NOT NULL, code VARCHAR(10) CHARACTER SET latin1 NOT NULL, "
      "e ENUM('a','b') NULL, price DECIMAL(10,2), doubled INT AS (id * 2) VIRTUAL, b BLOB, j JSON, ts TIMESTAMP(3) NULL, "
      "PRIMARY KEY (id, code), UNIQUE KEY uk (code, e), KEY zeta (price), KEY Alpha (ts))");
  auto a = load_table_schema(*conn_, db_, "t");
  auto b = load_table_schema_from_show(*conn_, db_, "t");
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.indexes, b.indexes);
}

TEST_F(InspectorTest, UnknownTable) {
  expect_refused("no_such_table", "ADD COLUMN c INT", {"`no_such_table` does not exist"});
}

TEST_F(InspectorTest, View) {
  conn_->execute("CREATE TABLE base (id INT PRIMARY KEY)");
  conn_->execute("CREATE VIEW v AS SELECT id FROM base");
  expect_refused("v", "ADD COLUMN c INT", {"is a VIEW, not a base table"});
}

TEST_F(InspectorTest, NotInnoDb) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=MyISAM");
  expect_refused("t", "ADD COLUMN c INT", {"uses engine MyISAM"});
}

TEST_F(InspectorTest, NoUniqueKey) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL, v INT, KEY (id))");
  expect_refused("t", "ADD COLUMN c INT", {"no usable unique key", "no unique key"});
}

TEST_F(InspectorTest, NullableOnlyUniqueKey) {
  conn_->execute("CREATE TABLE t (id INT NULL, v INT, UNIQUE KEY uk (id))");
  expect_refused("t", "ADD COLUMN c INT", {"no usable unique key", "uk (id) has nullable columns"});
}

TEST_F(InspectorTest, BadAlterSyntax) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  expect_refused("t", "ADD COLUMN c INT ADD ADD", {"the ALTER is not valid", "1064", "syntax"});
  expect_refused("t", "ADD COLUMN c INTT", {"the ALTER is not valid", "INTT"});
}

TEST_F(InspectorTest, AlterReferencesUnknownColumn) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  expect_refused("t", "CHANGE COLUMN nope other INT", {"the ALTER is not valid", "1054", "nope"});
}

TEST_F(InspectorTest, SmuggledStatementAndRenameAndEmpty) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  conn_->execute("CREATE TABLE victim (id INT PRIMARY KEY)");
  expect_refused("t", "ADD COLUMN c INT; DROP TABLE victim", {"';' outside quotes"});
  expect_refused("t", "RENAME TO t2", {"renames the table"});
  expect_refused("t", "", {"the ALTER is empty"});
}

TEST_F(InspectorTest, Trigger) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.v = 1");
  expect_refused("t", "ADD COLUMN c INT", {"has triggers (t_bi)"});
}

TEST_F(InspectorTest, CollectsEveryRefusal) {
  conn_->execute("CREATE TABLE t (id INT, KEY (id))");
  conn_->execute("CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.id = 1");
  conn_->execute("CREATE TABLE t_gho (id INT)");
  auto r = expect_refused("t", "ADD COLUMN c INT", {"has triggers", "no usable unique key", "leftover tables"});
  EXPECT_EQ(r.size(), 3u);
}

TEST_F(InspectorTest, ForeignKeysRefusedUnlessAllowed) {
  conn_->execute("CREATE TABLE parent (id INT PRIMARY KEY)");
  conn_->execute(
      "CREATE TABLE child (id INT PRIMARY KEY, pid INT, CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES parent (id))");
  expect_refused("parent", "ADD COLUMN c INT", {"foreign keys involve", "fk_p", "--allow-foreign-keys"});
  expect_refused("child", "ADD COLUMN c INT", {"foreign keys involve", "fk_p"});

  InspectorConfig allow;
  allow.allow_foreign_keys = true;
  const auto before = snapshot();
  auto plan = inspect("parent", "ADD COLUMN c INT", allow);
  EXPECT_EQ(snapshot(), before);
  bool noted = false;
  for (const auto& n : plan.notes)
    noted = noted || (n.find("fk_p") != std::string::npos && n.find("CASCADE") != std::string::npos &&
                      n.find("NOT carried") != std::string::npos);
  EXPECT_TRUE(noted) << "the plan must say that cascaded changes are not carried";
  EXPECT_NE(plan.describe().find("NOT carried"), std::string::npos);
  EXPECT_NO_THROW((void)inspect("child", "ADD COLUMN c INT", allow));
}

TEST_F(InspectorTest, AddUniqueKey) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(50), a INT, b INT)");
  conn_->execute("INSERT INTO t VALUES (1,'x@y',1,NULL),(2,'z@y',1,NULL),(3,NULL,2,5),(4,NULL,3,5)");
  expect_refused("t", "ADD UNIQUE KEY uk_email (email)",
                 {"adds unique key uk_email (email)", "--allow-add-unique-key"});

  InspectorConfig allow;
  allow.allow_add_unique_key = true;
  const auto before = snapshot();
  // NULLs are not duplicates.
  auto plan = inspect("t", "ADD UNIQUE KEY uk_email (email)", allow);
  EXPECT_EQ(snapshot(), before);
  ASSERT_EQ(plan.new_unique_keys.size(), 1u);
  EXPECT_EQ(plan.new_unique_keys[0].columns, std::vector<std::string>{"email"});
  // (a, b): rows with b NULL don't collide; (2,5) and (3,5) differ.
  EXPECT_NO_THROW((void)inspect("t", "ADD UNIQUE KEY uk_ab (a, b)", allow));

  conn_->execute("INSERT INTO t VALUES (5,'x@y',9,9)");
  expect_refused("t", "ADD UNIQUE KEY uk_email (email)", {"would be violated", "email='x@y' appears 2 times"}, allow);
  expect_refused("t", "ADD UNIQUE KEY uk_a (a)", {"a='1' appears 2 times"}, allow);
}

TEST_F(InspectorTest, NarrowerPrefixUniqueKeyCountsAsNew) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50), UNIQUE KEY uk (name))");
  conn_->execute("INSERT INTO t VALUES (1,'abcdef-1'),(2,'abcdef-2')");
  // Same column, but only the first 6 characters must now be unique: the two rows collide.
  expect_refused("t", "DROP KEY uk, ADD UNIQUE KEY uk (name(6))", {"adds unique key uk (name)"});
  InspectorConfig allow;
  allow.allow_add_unique_key = true;
  expect_refused("t", "DROP KEY uk, ADD UNIQUE KEY uk (name(6))", {"would be violated"}, allow);
  // Re-creating the very same key is not new.
  EXPECT_TRUE(inspect("t", "DROP KEY uk, ADD UNIQUE KEY uk2 (name)").new_unique_keys.empty());
}

TEST_F(InspectorTest, LeftoverTables) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  conn_->execute("CREATE TABLE t_gho (id INT PRIMARY KEY)");
  conn_->execute("CREATE TABLE t_ghc (id INT PRIMARY KEY)");
  expect_refused("t", "ADD COLUMN c INT", {"leftover tables", "t_ghc, t_gho", "--drop-leftover-tables"});

  InspectorConfig drop;
  drop.drop_leftover_tables = true;
  const auto before = snapshot();
  auto plan = inspect("t", "ADD COLUMN c INT", drop);
  EXPECT_EQ(snapshot(), before) << "inspect must not drop leftovers";
  EXPECT_EQ(plan.leftover_tables, (std::vector<std::string>{"t_ghc", "t_gho"}));
  EXPECT_NE(plan.describe().find("t_ghc, t_gho"), std::string::npos);
}

TEST_F(InspectorTest, LeftoverOldTable) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  conn_->execute("CREATE TABLE t_del (id INT PRIMARY KEY)");
  expect_refused("t", "ADD COLUMN c INT", {"leftover tables", "t_del"});
  InspectorConfig drop;
  drop.drop_leftover_tables = true;
  EXPECT_EQ(inspect("t", "ADD COLUMN c INT", drop).leftover_tables, std::vector<std::string>{"t_del"});
}

TEST_F(InspectorTest, CompositeVarcharPrimaryKeyChosen) {
  conn_->execute(
      "CREATE TABLE t (region VARCHAR(16) NOT NULL, code VARCHAR(32) NOT NULL, v INT, "
      "UNIQUE KEY uv (v, code), PRIMARY KEY (region, code))");
  auto plan = inspect("t", "ADD COLUMN c INT");
  EXPECT_TRUE(plan.chunk_key.primary);
  EXPECT_EQ(plan.chunk_key.columns, (std::vector<std::string>{"region", "code"}));
}

TEST_F(InspectorTest, UniqueNotNullKeyChosenWithoutPrimaryKey) {
  conn_->execute(
      "CREATE TABLE t (id INT NULL, a INT NOT NULL, b VARCHAR(10) NOT NULL, "
      "UNIQUE KEY a_nullable (id), UNIQUE KEY b_key (a, b))");
  auto plan = inspect("t", "ADD COLUMN c INT");
  EXPECT_FALSE(plan.chunk_key.primary);
  EXPECT_EQ(plan.chunk_key.name, "b_key");
  EXPECT_EQ(plan.chunk_key.columns, (std::vector<std::string>{"a", "b"}));
}

TEST_F(InspectorTest, AlterDroppingThePrimaryKeyColumnIsRefused) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, uuid CHAR(36) NOT NULL)");
  expect_refused("t", "DROP COLUMN id, ADD PRIMARY KEY (uuid)",
                 {"no usable unique key", "PRIMARY (id) does not survive the ALTER"});
}

TEST_F(InspectorTest, UserWithoutReplicationSlaveIsRefused) {
  const std::string user = "gct_lim_" + std::to_string(::getpid());
  const std::string account = quote_string(user) + "@" + quote_string(settings_.host);
  admin_->execute("DROP USER IF EXISTS " + account);
  admin_->execute("CREATE USER " + account + " IDENTIFIED BY 'limited-pass'");
  struct Cleanup {
    ghostcut::engine::SqlConnection& c;
    std::string a;
    ~Cleanup() {
      try {
        c.execute("DROP USER IF EXISTS " + a);
      } catch (...) {
      }
    }
  } cleanup{*admin_, account};
  admin_->execute("GRANT ALL PRIVILEGES ON " + quote_identifier(db_) + ".* TO " + account);
  admin_->execute("GRANT REPLICATION CLIENT ON *.* TO " + account);
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");

  auto s = settings_;
  s.user = user;
  s.password = "limited-pass";
  auto limited = SqlConnection::open(s);
  Inspector inspector(*limited, {});
  try {
    (void)inspector.inspect(db_, "t", "ADD COLUMN c INT");
    FAIL() << "accepted a user without REPLICATION SLAVE";
  } catch (const InspectionError& e) {
    ASSERT_EQ(e.refusals().size(), 1u) << e.what();
    EXPECT_NE(e.refusals()[0].find("REPLICATION SLAVE"), std::string::npos) << e.what();
    EXPECT_EQ(e.refusals()[0].find("BINLOG MONITOR"), std::string::npos) << e.what();
    EXPECT_EQ(e.refusals()[0].find("LOCK TABLES"), std::string::npos) << e.what();
  }

  // Replication rights but only read access to the database: the table privileges are named.
  admin_->execute("REVOKE ALL PRIVILEGES ON " + quote_identifier(db_) + ".* FROM " + account);
  admin_->execute("GRANT SELECT ON " + quote_identifier(db_) + ".* TO " + account);
  admin_->execute("GRANT REPLICATION SLAVE ON *.* TO " + account);
  auto reader = SqlConnection::open(s);
  Inspector inspector2(*reader, {});
  try {
    (void)inspector2.inspect(db_, "t", "ADD COLUMN c INT");
    FAIL() << "accepted a read-only user";
  } catch (const InspectionError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, LOCK TABLES"), std::string::npos) << what;
    EXPECT_EQ(what.find("REPLICATION SLAVE"), std::string::npos) << what;
  }
}

TEST_F(InspectorTest, FullAlterStatementAccepted) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  auto plan = inspect("t", "ALTER TABLE `t` ADD COLUMN c INT;");
  EXPECT_EQ(plan.alter, "ADD COLUMN c INT");
  EXPECT_EQ(plan.mapping.added, std::vector<std::string>{"c"});
  expect_refused("t", "ALTER TABLE other ADD COLUMN c INT", {"names table 'other'"});
}

}  // namespace
