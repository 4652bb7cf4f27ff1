#include "engine/create/deferred_indexes.h"

#include <gtest/gtest.h>

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
