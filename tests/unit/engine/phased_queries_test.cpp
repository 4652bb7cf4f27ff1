// #15's flavour- and version-dependent queries and decisions, over a version matrix (the live
// tests run on MariaDB 10.11 only).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/inspect/backfill_check.h"
#include "engine/inspect/cost_estimate.h"
#include "engine/inspect/phased_queries.h"

using namespace ghostcut::engine;

namespace {

ServerInfo phased_server(const std::string& version) { return parse_server_version(version, ""); }

TEST(PhasedQueries, InstantRowVersionsAreReadOnMySql8029AndLaterOnly) {
  EXPECT_FALSE(instant_row_versions_query(phased_server("10.11.6-MariaDB-log")));
  EXPECT_FALSE(instant_row_versions_query(phased_server("11.4.2-MariaDB")));
  EXPECT_FALSE(instant_row_versions_query(phased_server("8.0.28")));
  EXPECT_FALSE(instant_row_versions_query(phased_server("5.7.44-log")));
  for (const char* v : {"8.0.29", "8.0.36", "8.4.0", "9.1.0"}) {
    SCOPED_TRACE(v);
    const auto q = instant_row_versions_query(phased_server(v));
    ASSERT_TRUE(q);
    EXPECT_NE(q->find("INNODB_TABLES"), std::string::npos);
    EXPECT_NE(q->find("TOTAL_ROW_VERSIONS"), std::string::npos);
  }
}

TEST(PhasedQueries, RowVersionVerdictWarnsNearAndFallsBackPastTheLimit) {
  EXPECT_EQ(row_version_verdict(0), RowVersionVerdict::kFine);
  EXPECT_EQ(row_version_verdict(kWarnInstantRowVersions - 2), RowVersionVerdict::kFine);
  EXPECT_EQ(row_version_verdict(kWarnInstantRowVersions - 1), RowVersionVerdict::kNear);
  EXPECT_EQ(row_version_verdict(63), RowVersionVerdict::kNear);  // the 64th is allowed
  EXPECT_EQ(row_version_verdict(64), RowVersionVerdict::kExceeds);
  EXPECT_EQ(row_version_verdict(70), RowVersionVerdict::kExceeds);
}

TEST(PhasedQueries, InnodbTableNameOnlyForPlainNames) {
  EXPECT_EQ(innodb_table_name("shop", "orders_2"), "shop/orders_2");
  EXPECT_FALSE(innodb_table_name("shop", "or-ders"));
  EXPECT_FALSE(innodb_table_name("sh op", "t"));
}

TEST(PhasedQueries, LockHoldersExactOnMySqlEveryOpenTransactionOnMariaDb) {
  const auto mysql = phased_server("8.0.36");
  EXPECT_TRUE(lock_holders_exact(mysql));
  EXPECT_NE(lock_holders_query(mysql).find("performance_schema.metadata_locks"), std::string::npos);
  const auto q = lock_holders_query(mysql);
  EXPECT_EQ(std::count(q.begin(), q.end(), '?'), 2);
  const auto maria = phased_server("10.11.6-MariaDB");
  EXPECT_FALSE(lock_holders_exact(maria));
  EXPECT_NE(lock_holders_query(maria).find("INNODB_TRX"), std::string::npos);
  EXPECT_EQ(lock_holders_query(maria).find('?'), std::string::npos);
}

TEST(PhasedQueries, BinlogRetentionSettingByFlavourAndVersion) {
  EXPECT_EQ(binlog_retention_setting(phased_server("8.0.36")), "binlog_expire_logs_seconds");
  EXPECT_EQ(binlog_retention_setting(phased_server("10.11.6-MariaDB")), "binlog_expire_logs_seconds");
  EXPECT_EQ(binlog_retention_setting(phased_server("10.5.20-MariaDB")), "expire_logs_days");
  EXPECT_NE(binlog_retention_query(phased_server("10.5.20-MariaDB")).find("expire_logs_days"), std::string::npos);
  // Long enough (2× the estimate), never purged by age, too short, and RDS.
  EXPECT_FALSE(binlog_retention_warning(phased_server("8.0.36"), 86400, 3600, false));
  EXPECT_FALSE(binlog_retention_warning(phased_server("8.0.36"), 0, 3600, false));
  const auto w = binlog_retention_warning(phased_server("8.0.36"), 3600, 3600, false);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("binlog_expire_logs_seconds"), std::string::npos) << *w;
  const auto rds = binlog_retention_warning(phased_server("8.0.36"), 0, 3600, true);
  ASSERT_TRUE(rds);
  EXPECT_NE(rds->find("mysql.rds_set_configuration('binlog retention hours'"), std::string::npos) << *rds;
}

TEST(PhasedQueries, ReadOnlyAlsoAsksSuperReadOnlyOnMySql) {
  EXPECT_NE(read_only_query(phased_server("8.0.36")).find("super_read_only"), std::string::npos);
  EXPECT_EQ(read_only_query(phased_server("10.11.6-MariaDB")).find("super_read_only"), std::string::npos);
}

TEST(Backfill, SpecsAndNondeterministicCalls) {
  std::string error;
  auto s = parse_backfill("full_name = CONCAT(first, ' ', last)", error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->column, "full_name");
  EXPECT_EQ(s->expression, "CONCAT(first, ' ', last)");
  s = parse_backfill("`we``ird`=a=b", error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->column, "we`ird");
  EXPECT_EQ(s->expression, "a=b");
  EXPECT_FALSE(parse_backfill("nocolumn", error));
  EXPECT_FALSE(parse_backfill("c=", error));
  using V = std::vector<std::string>;
  EXPECT_EQ(nondeterministic_calls("CONCAT(a, NOW(), rand())"), (V{"NOW", "RAND"}));
  EXPECT_EQ(nondeterministic_calls("CURRENT_TIMESTAMP + 0"), (V{"CURRENT_TIMESTAMP"}));
  EXPECT_EQ(nondeterministic_calls("UNIX_TIMESTAMP()"), (V{"UNIX_TIMESTAMP"}));
  EXPECT_TRUE(nondeterministic_calls("UNIX_TIMESTAMP(created)").empty());
  EXPECT_TRUE(nondeterministic_calls("'NOW()' ").empty()) << "inside a string";
  EXPECT_TRUE(nondeterministic_calls("`now` + 1").empty()) << "a column named now";
  EXPECT_EQ(nondeterministic_calls("uuid_short() + connection_id() + last_insert_id() + user()"),
            (V{"UUID_SHORT", "CONNECTION_ID", "LAST_INSERT_ID", "USER"}));
}

}  // namespace

// An ALTER the server could do instantly still costs a copy when the run declines the instant path
// (--no-attempt-instant, a backfill, …): the estimate reports what the run will do.
TEST(PhasedQueries, CostEstimateTheCopysCostsUnlessTheRunIsInstant) {
  MigrationPlan plan;
  plan.instant.possible = true;
  CostEstimate c;
  c.rows = 1000;
  c.ghost_bytes = 5000;
  c.binlog_bytes = 7000;
  c.instant = false;
  const auto copy = cost_json(c, plan);
  EXPECT_NE(copy.find("\"ghost_bytes\":5000"), std::string::npos) << copy;
  EXPECT_NE(copy.find("\"binlog_bytes\":7000"), std::string::npos) << copy;
  EXPECT_NE(copy.find("\"instant\":false"), std::string::npos) << copy;
  EXPECT_NE(describe_cost(c, plan).find("binlog volume"), std::string::npos);
  c.instant = true;
  const auto instant = cost_json(c, plan);
  EXPECT_NE(instant.find("\"ghost_bytes\":0"), std::string::npos) << instant;
  EXPECT_NE(instant.find("\"binlog_bytes\":0"), std::string::npos) << instant;
  EXPECT_NE(describe_cost(c, plan).find("metadata only"), std::string::npos);
}
