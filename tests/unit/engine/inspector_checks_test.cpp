// Pure parts of inspector.h: server checks, cut-over strategy choice, ALTER text, grants.
#include <gtest/gtest.h>

#include "engine/inspect/inspector.h"
#include "engine/inspect/plan.h"

using namespace ghostcut::engine;
using ghostcut::Flavour;

namespace {

ServerInfo server(const char* version, const char* comment = "") {
  ServerInfo s = parse_server_version(version, comment);
  s.log_bin = true;
  s.binlog_format = "ROW";
  s.binlog_row_image = "FULL";
  return s;
}

bool mentions(const std::vector<std::string>& v, const std::string& what) {
  for (const auto& s : v)
    if (s.find(what) != std::string::npos) return true;
  return false;
}

TEST(ParseServerVersion, FlavourAndNumbers) {
  struct C {
    const char* version;
    const char* comment;
    Flavour flavour;
    int major, minor, patch;
  };
  const C cases[] = {
      {"10.11.19-MariaDB-0+deb12u1-log", "Debian 12", Flavour::kMariaDb, 10, 11, 19},
      {"8.0.36", "MySQL Community Server - GPL", Flavour::kMySql, 8, 0, 36},
      {"8.4.0-log", "", Flavour::kMySql, 8, 4, 0},
      {"5.7.44", "", Flavour::kMySql, 5, 7, 44},
      {"11.4.2", "mariadb.org binary distribution MariaDB", Flavour::kMariaDb, 11, 4, 2},
      {"8", "", Flavour::kMySql, 8, 0, 0},
      {"", "", Flavour::kMySql, 0, 0, 0},
      {"junk", "", Flavour::kMySql, 0, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.version);
    auto s = parse_server_version(c.version, c.comment);
    EXPECT_EQ(s.flavour, c.flavour);
    EXPECT_EQ(s.major, c.major);
    EXPECT_EQ(s.minor, c.minor);
    EXPECT_EQ(s.patch, c.patch);
    EXPECT_EQ(s.version, c.version);
  }
  EXPECT_EQ(parse_server_version("10.11.6-MariaDB", "").name(), "MariaDB 10.11.6");
  EXPECT_EQ(parse_server_version("8.0.36", "").name(), "MySQL 8.0.36");
}

TEST(CheckServer, AcceptsSupportedServers) {
  for (const char* v : {"10.6.0-MariaDB", "10.11.19-MariaDB-log", "11.4.2-MariaDB", "8.0.0", "8.0.36", "8.4.1"}) {
    SCOPED_TRACE(v);
    EXPECT_TRUE(check_server(server(v)).empty());
  }
  ServerInfo compressed = server("8.0.36");
  compressed.binlog_transaction_compression = true;
  EXPECT_TRUE(check_server(compressed).empty());
}

TEST(CheckServer, RefusesEachBadSetting) {
  struct C {
    const char* name;
    ServerInfo s;
    const char* expected;
  };
  auto with = [](auto f) {
    ServerInfo s = server("10.11.6-MariaDB");
    f(s);
    return s;
  };
  const C cases[] = {
      {"old MariaDB", server("10.5.22-MariaDB"), "MariaDB 10.6 or newer"},
      {"old MySQL", server("5.7.44"), "MySQL 8.0 or newer"},
      {"no binlog", with([](ServerInfo& s) { s.log_bin = false; }), "log_bin = OFF"},
      {"STATEMENT", with([](ServerInfo& s) { s.binlog_format = "STATEMENT"; }), "binlog_format is 'STATEMENT'"},
      {"MIXED", with([](ServerInfo& s) { s.binlog_format = "MIXED"; }), "must be ROW"},
      {"MINIMAL", with([](ServerInfo& s) { s.binlog_row_image = "MINIMAL"; }), "binlog_row_image is 'MINIMAL'"},
      {"NOBLOB", with([](ServerInfo& s) { s.binlog_row_image = "NOBLOB"; }), "must be FULL"},
      {"PARTIAL_JSON", with([](ServerInfo& s) { s.binlog_row_value_options = "PARTIAL_JSON"; }), "partial diffs"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = check_server(c.s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_NE(r[0].find(c.expected), std::string::npos) << r[0];
  }
  // All problems at once, not only the first.
  ServerInfo bad = server("5.6.1");
  bad.log_bin = false;
  bad.binlog_format = "STATEMENT";
  bad.binlog_row_image = "MINIMAL";
  EXPECT_EQ(check_server(bad).size(), 4u);
}

TEST(CheckAlterText, Accepted) {
  struct C {
    const char* alter;
    const char* clause;
  };
  const C cases[] = {
      {"ADD COLUMN c INT", "ADD COLUMN c INT"},
      {"  add column c int  ", "add column c int"},
      {"ADD COLUMN c INT;", "ADD COLUMN c INT"},
      {"ADD COLUMN c VARCHAR(10) DEFAULT 'a;b'", "ADD COLUMN c VARCHAR(10) DEFAULT 'a;b'"},
      {"ADD COLUMN `we;ird` INT", "ADD COLUMN `we;ird` INT"},
      {"ADD COLUMN c INT COMMENT \"x;y\"", "ADD COLUMN c INT COMMENT \"x;y\""},
      {"ADD COLUMN c INT DEFAULT 'it\\'s;'", "ADD COLUMN c INT DEFAULT 'it\\'s;'"},
      {"ADD COLUMN c INT /* a ; comment */", "ADD COLUMN c INT /* a ; comment */"},
      {"ALTER TABLE t ADD COLUMN c INT", "ADD COLUMN c INT"},
      {"alter table `t` DROP COLUMN c", "DROP COLUMN c"},
      {"ALTER TABLE db.t ENGINE=InnoDB", "ENGINE=InnoDB"},
      {"ALTER TABLE `db`.`t` FORCE", "FORCE"},
      {"ALTER TABLE IF EXISTS t FORCE", "FORCE"},
      {"RENAME COLUMN a TO b", "RENAME COLUMN a TO b"},
      {"RENAME INDEX i TO j", "RENAME INDEX i TO j"},
      {"rename key i to j", "rename key i to j"},
      {"ADD COLUMN `rename` INT", "ADD COLUMN `rename` INT"},
      {"ADD COLUMN c INT COMMENT 'RENAME TO x'", "ADD COLUMN c INT COMMENT 'RENAME TO x'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alter);
    auto r = check_alter_text(c.alter, "db", "t");
    EXPECT_TRUE(r.refusals.empty()) << (r.refusals.empty() ? "" : r.refusals[0]);
    EXPECT_EQ(r.clause, c.clause);
  }
}

TEST(CheckAlterText, Refused) {
  struct C {
    const char* alter;
    const char* expected;
  };
  const C cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {";", "empty"},
      {"ALTER TABLE t", "empty"},
      {"ADD COLUMN c INT; DROP TABLE t", "';' outside quotes"},
      {"ADD COLUMN c INT;;", "';' outside quotes"},
      {"ADD c INT /*! ; DROP TABLE x */", "';' outside quotes"},  // executable comments run
      {"ADD c INT DEFAULT 'x'; DROP TABLE t", "';' outside quotes"},
      {"RENAME TO t2", "renames the table"},
      {"ADD COLUMN c INT, RENAME AS t2", "renames the table"},
      {"rename t2", "renames the table"},
      {"ADD COLUMN c INT DEFAULT 'oops", "unterminated"},
      {"ADD COLUMN `c INT", "unterminated"},
      {"ADD COLUMN c INT /* open", "unterminated"},
      {"ALTER TABLE other ADD COLUMN c INT", "names table 'other'"},
      {"ALTER TABLE otherdb.t ADD COLUMN c INT", "names table 'otherdb.t'"},
      {"ALTER TABLE ADD COLUMN c INT", "names table 'ADD'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alter);
    auto r = check_alter_text(c.alter, "db", "t");
    ASSERT_FALSE(r.refusals.empty());
    EXPECT_NE(r.refusals[0].find(c.expected), std::string::npos) << r.refusals[0];
  }
}

TEST(MissingPrivileges, Cases) {
  struct C {
    const char* name;
    std::vector<std::string> grants;
    Flavour flavour;
    std::vector<std::string> missing_mentions;  // empty = nothing missing
  };
  const std::string to = " TO `u`@`%`";
  const C cases[] = {
      {"all global", {"GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION"}, Flavour::kMariaDb, {}},
      {"all on db + replication",
       {"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.*" + to, "GRANT ALL PRIVILEGES ON `db`.*" + to},
       Flavour::kMariaDb,
       {}},
      {"explicit db privileges, MySQL",
       {"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to,
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, LOCK TABLES ON `db`.*" + to},
       Flavour::kMySql,
       {}},
      {"pattern db grant",
       {"GRANT REPLICATION SLAVE, SUPER ON *.*" + to, "GRANT ALL ON `d\\_%`.*" + to},
       Flavour::kMySql,
       {"ON `db`.*"}},  // d\_% needs "d_" prefix: db does not match
      {"no replication slave",
       {"GRANT BINLOG MONITOR ON *.*" + to, "GRANT ALL PRIVILEGES ON `db`.*" + to},
       Flavour::kMariaDb,
       {"REPLICATION SLAVE"}},
      {"nothing",
       {"GRANT USAGE ON *.*" + to},
       Flavour::kMariaDb,
       {"REPLICATION SLAVE", "BINLOG MONITOR", "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, LOCK TABLES"}},
      {"other db only",
       {"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to, "GRANT ALL ON `other`.*" + to},
       Flavour::kMySql,
       {"ON `db`.*"}},
      {"missing lock tables",
       {"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to,
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON `db`.*" + to},
       Flavour::kMySql,
       {"LOCK TABLES (ON `db`.*)"}},
      {"table grant does not count",
       {"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to, "GRANT SELECT (`a`, `b`), INSERT ON `db`.`t`" + to},
       Flavour::kMySql,
       {"SELECT"}},
      {"role lines ignored", {"GRANT `role1` TO `u`@`%`", "GRANT ALL PRIVILEGES ON *.*" + to}, Flavour::kMySql, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto m = missing_privileges(c.grants, "db", c.flavour);
    if (c.missing_mentions.empty()) {
      EXPECT_TRUE(m.empty()) << m.front();
    } else {
      for (const auto& w : c.missing_mentions) EXPECT_TRUE(mentions(m, w)) << w;
    }
  }
  // A pattern that matches.
  EXPECT_TRUE(missing_privileges(
                  {"GRANT ALL PRIVILEGES ON `d%`.*" + to, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to},
                  "db", Flavour::kMySql)
                  .empty());
}

// Only these users see every session, so only they can tell that no replica reads the binlog.
TEST(InspectorChecks, SeesAllSessionsWithProcessSuperOrAllGlobally) {
  const std::string to = " TO `u`@`%`";
  EXPECT_TRUE(sees_all_sessions({"GRANT PROCESS, REPLICATION SLAVE ON *.*" + to}));
  EXPECT_TRUE(sees_all_sessions({"GRANT SUPER ON *.*" + to}));
  EXPECT_TRUE(sees_all_sessions({"GRANT ALL PRIVILEGES ON *.*" + to}));
  EXPECT_FALSE(sees_all_sessions({"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*" + to}));
  EXPECT_FALSE(sees_all_sessions({"GRANT ALL PRIVILEGES ON `db`.*" + to}));  // PROCESS is global only
}

TEST(InspectionError, ListsEveryRefusal) {
  InspectionError e({"first problem", "second problem"});
  EXPECT_EQ(e.refusals().size(), 2u);
  const std::string what = e.what();
  EXPECT_NE(what.find("2 problems"), std::string::npos) << what;
  EXPECT_NE(what.find("first problem"), std::string::npos);
  EXPECT_NE(what.find("second problem"), std::string::npos);
}

TEST(MigrationPlanDescribe, NamesTheEssentials) {
  MigrationPlan p;
  p.database = "db";
  p.table = "t";
  p.alter = "ADD COLUMN c INT";
  p.ghost_table = "t_gho";
  p.changelog_table = "t_ghc";
  p.old_table = "t_del";
  p.server = server("10.11.6-MariaDB");
  p.original.columns = {{"id", "int", "int(11)", false, false, false, {}, {}},
                        {"b", "int", "int(11)", false, true, false, {}, {}}};
  p.ghost.columns = {{"id", "int", "bigint(20)", false, false, false, {}, {}},
                     {"c", "int", "int(11)", false, true, false, {}, {}}};
  p.mapping.shared = {{"id", "id", 0, 0, true}};
  p.mapping.added = {"c"};
  p.mapping.dropped = {"b"};
  p.chunk_key = {"PRIMARY", true, true, {"id"}};
  p.estimated_rows = 1234;
  p.ghost_create_statement = "CREATE TABLE `db`.`t_gho` (\n  `id` bigint(20) NOT NULL\n)";
  p.leftover_tables = {"t_gho"};
  p.notes = {"a note"};
  const std::string d = p.describe();
  for (const char* s : {"MariaDB 10.11.6", "`db`.`t`", "1234", "PRIMARY (id)", "columns added:   c",
                        "columns dropped: b", "id int(11) -> bigint(20)", "queued rename", "CREATE TABLE `db`.`t_gho`",
                        "note: a note", "leftover tables: t_gho"}) {
    SCOPED_TRACE(s);
    EXPECT_NE(d.find(s), std::string::npos) << d;
  }
}

}  // namespace
