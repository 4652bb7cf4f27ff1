#include "engine/create/deferred_indexes.h"

#include <gtest/gtest.h>

#include "engine/inspect/plan.h"

using namespace ghostcut::engine;

TEST(DeferredIndexes, PlainSecondaryKeysOfShowCreateTable) {
  const char* ddl =
      "CREATE TABLE `t_gho` (\n"
      "  `id` bigint(20) NOT NULL,\n"
      "  `a` int(11) DEFAULT NULL,\n"
      "  `b` varchar(64) DEFAULT NULL COMMENT 'KEY `x` (`a`)',\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `ub` (`b`),\n"
      "  KEY `ka` (`a`),\n"
      "  KEY `we``ird` (`b`(10),`a`) COMMENT 'c',\n"
      "  FULLTEXT KEY `ft` (`b`),\n"
      "  SPATIAL KEY `sp` (`g`),\n"
      "  KEY `inv` (`a`) /*!80000 INVISIBLE */,\n"
      "  KEY `last` (`a`) IGNORED\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4";
  const auto keys = plain_secondary_keys(ddl);
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].name, "ka");
  EXPECT_EQ(keys[0].definition, "KEY `ka` (`a`)");
  EXPECT_EQ(keys[1].name, "we`ird");
  EXPECT_EQ(keys[1].definition, "KEY `we``ird` (`b`(10),`a`) COMMENT 'c'");
  EXPECT_EQ(keys[2].definition, "KEY `inv` (`a`) /*!80000 INVISIBLE */");
  EXPECT_EQ(keys[3].definition, "KEY `last` (`a`) IGNORED");
  EXPECT_EQ(drop_keys_clause({keys[0], keys[1]}), "DROP KEY `ka`, DROP KEY `we``ird`");
  EXPECT_EQ(add_keys_clause({keys[0], keys[1]}), "ADD KEY `ka` (`a`), ADD KEY `we``ird` (`b`(10),`a`) COMMENT 'c'");
  EXPECT_TRUE(plain_secondary_keys("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n)").empty());
}

// auto defers only where no replica would replay the build as one long statement.
TEST(DeferredIndexes, AutoDefersWhenNoSessionReadsTheBinlogAndNoReplicaIsLagChecked) {
  MigrationPlan plan;
  plan.ghost_create_statement =
      "CREATE TABLE `t_gho` (\n  `id` int NOT NULL,\n  `a` int,\n  PRIMARY KEY (`id`),\n"
      "  KEY `ka` (`a`)\n)";
  plan.binlog_readers = 0;
  EXPECT_TRUE(decide_key_deferral(KeyDeferral::kAuto, plan, false).defer);
  const auto lag_checked = decide_key_deferral(KeyDeferral::kAuto, plan, true);
  EXPECT_FALSE(lag_checked.defer);
  EXPECT_NE(lag_checked.reason.find("lag-checked"), std::string::npos) << lag_checked.reason;
  plan.cluster_member = true;
  EXPECT_FALSE(decide_key_deferral(KeyDeferral::kAuto, plan, false).defer);
  plan.cluster_member = false;
  plan.binlog_readers = 2;
  const auto readers = decide_key_deferral(KeyDeferral::kAuto, plan, false);
  EXPECT_FALSE(readers.defer);
  EXPECT_NE(readers.reason.find("2 session(s) read the binlog"), std::string::npos) << readers.reason;
  EXPECT_TRUE(decide_key_deferral(KeyDeferral::kOn, plan, true).defer);  // the operator's word
  plan.binlog_readers.reset();                                           // no PROCESS: a replica cannot be ruled out
  const auto unseen = decide_key_deferral(KeyDeferral::kAuto, plan, false);
  EXPECT_FALSE(unseen.defer);
  EXPECT_NE(unseen.reason.find("PROCESS"), std::string::npos) << unseen.reason;
  plan.binlog_readers = 0;
  EXPECT_FALSE(decide_key_deferral(KeyDeferral::kOff, plan, false).defer);
  plan.ghost_create_statement = "CREATE TABLE `t_gho` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n)";
  EXPECT_FALSE(decide_key_deferral(KeyDeferral::kOn, plan, false).defer);  // nothing to defer
}
