#include "engine/inspect/cost_estimate.h"

#include <gtest/gtest.h>

#include "engine/inspect/plan.h"

using namespace ghostcut::engine;

// An ALTER the server could do instantly still costs a copy when the run declines the instant path
// (--no-attempt-instant, a backfill, …): the estimate reports what the run will do.
TEST(CostEstimate, TheCopysCostsUnlessTheRunIsInstant) {
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
