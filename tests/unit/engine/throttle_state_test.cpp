#include "engine/throttle/throttle_state.h"

#include <gtest/gtest.h>

#include <functional>

#include "engine/throttle/load_probe.h"
#include "engine/throttle/replica_lag_probe.h"

using namespace ghostcut::engine;
using namespace std::chrono_literals;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
const std::string kFlag = "/tmp/ghostcut-throttle";

ThrottleInputs base_inputs() {
  ThrottleInputs in;
  in.now = kNow;
  return in;
}

RuntimeSettingsSnapshot base_settings() {
  RuntimeSettingsSnapshot s;
  s.max_lag_millis = 1500;
  return s;
}

struct Expect {
  bool throttled;
  std::string reason;
  std::string detail;
};

struct Case {
  std::string name;
  std::function<void(ThrottleInputs&, RuntimeSettingsSnapshot&)> setup;
  Expect expect;
};

void run_cases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto in = base_inputs();
    auto settings = base_settings();
    c.setup(in, settings);
    const ThrottleStatus s = decide_throttle(in, settings, kFlag);
    EXPECT_EQ(s.throttled, c.expect.throttled);
    EXPECT_EQ(s.reason, c.expect.reason);
    EXPECT_EQ(s.detail, c.expect.detail);
    if (s.throttled) {
      EXPECT_EQ(s.since, kNow);
    } else {
      EXPECT_EQ(s.since, std::chrono::system_clock::time_point{});
    }
  }
}

}  // namespace

TEST(ThrottleDecision, EachSourceAlone) {
  run_cases({
      {"nothing configured", [](auto&, auto&) {}, {false, "", ""}},
      {"manual", [](auto&, auto& s) { s.manual_throttle = true; }, {true, "manual", "throttle command"}},
      {"flag file",
       [](auto& in, auto&) { in.flag_file_exists = true; },
       {true, "flag-file", "flag file /tmp/ghostcut-throttle exists"}},
      {"critical-load hibernating",
       [](auto& in, auto&) {
         in.hibernating_until = kNow + 2500ms;
         in.critical_detail = "Threads_running=31 >= 25";
       },
       {true, "critical-load", "Threads_running=31 >= 25, hibernating 2.5s more"}},
      {"critical-load hibernation over",
       [](auto& in, auto&) {
         in.hibernating_until = kNow - 1ms;
         in.critical_detail = "Threads_running=31 >= 25";
       },
       {false, "", ""}},
      {"critical-load aborted",
       [](auto& in, auto&) {
         in.critical_aborted = true;
         in.critical_detail = "Threads_running=31 >= 25";
       },
       {true, "critical-load", "Threads_running=31 >= 25 (aborting)"}},
      {"lag above max",
       [](auto& in, auto&) {
         in.replicas = {{"127.0.0.1:3307", 2310ms, ""}};
       },
       {true, "lag", "replica 127.0.0.1:3307 lag 2.31s > 1.5s"}},
      {"lag below max",
       [](auto& in, auto&) {
         in.replicas = {{"127.0.0.1:3307", 1499ms, ""}};
       },
       {false, "", ""}},
      {"max-load",
       [](auto& in, auto& s) {
         s.max_load = {{"Threads_running", 25}};
         in.status_measured = true;
         in.status = {{"Threads_running", 31}, {"Threads_connected", 2}};
       },
       {true, "max-load", "Threads_running=31 >= 25"}},
      {"max-load below",
       [](auto& in, auto& s) {
         s.max_load = {{"Threads_running", 25}};
         in.status_measured = true;
         in.status = {{"Threads_running", 24}};
       },
       {false, "", ""}},
      {"throttle-query > 0",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT 1";
         in.throttle_query_value = 1;
       },
       {true, "throttle-query", "throttle query returned 1"}},
      {"throttle-query 0",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT 0";
         in.throttle_query_value = 0;
       },
       {false, "", ""}},
      {"throttle-query set, not run yet",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT 0";
         in.throttle_query_pending = true;
       },
       {true, "throttle-query", "throttle query not run yet"}},
      {"throttle-query negative",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT -3";
         in.throttle_query_value = -3;
       },
       {false, "", ""}},
  });
}

TEST(ThrottleDecision, ThresholdBoundaries) {
  run_cases({
      {"lag equal to max is fine",
       [](auto& in, auto&) {
         in.replicas = {{"r:1", 1500ms, ""}};
       },
       {false, "", ""}},
      {"lag 1 ms over max",
       [](auto& in, auto&) {
         in.replicas = {{"r:1", 1501ms, ""}};
       },
       {true, "lag", "replica r:1 lag 1.501s > 1.5s"}},
      {"max-load equal to threshold throttles",
       [](auto& in, auto& s) {
         s.max_load = {{"Threads_running", 25}};
         in.status_measured = true;
         in.status = {{"Threads_running", 25}};
       },
       {true, "max-load", "Threads_running=25 >= 25"}},
      {"max-load name is case-insensitive",
       [](auto& in, auto& s) {
         s.max_load = {{"threads_RUNNING", 10}};
         in.status_measured = true;
         in.status = {{"Threads_running", 12}};
       },
       {true, "max-load", "threads_RUNNING=12 >= 10"}},
      {"throttle-query exactly 1",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT 1";
         in.throttle_query_value = 1;
       },
       {true, "throttle-query", "throttle query returned 1"}},
  });
}

TEST(ThrottleDecision, ReplicaErrorsAndUnknownLag) {
  run_cases({
      {"no heartbeat row yet: unknown, not throttled",
       [](auto& in, auto&) {
         in.replicas = {{"127.0.0.1:3307", std::nullopt, ""}};
       },
       {false, "", ""}},
      {"unreachable replica counts as lagging",
       [](auto& in, auto&) {
         in.replicas = {{"127.0.0.1:1", std::nullopt, "Can't connect"}};
       },
       {true, "lag", "replica 127.0.0.1:1 unreachable: Can't connect"}},
      {"unreachable wins over a measured lag",
       [](auto& in, auto&) {
         in.replicas = {{"a:1", 5000ms, ""}, {"b:2", std::nullopt, "timeout"}};
       },
       {true, "lag", "replica b:2 unreachable: timeout"}},
      {"the worst lagging replica is named",
       [](auto& in, auto&) {
         in.replicas = {{"a:1", 1600ms, ""}, {"b:2", 9000ms, ""}, {"c:3", 100ms, ""}};
       },
       {true, "lag", "replica b:2 lag 9s > 1.5s"}},
      {"max-lag-millis from the settings",
       [](auto& in, auto& s) {
         s.max_lag_millis = 500;
         in.replicas = {{"a:1", 600ms, ""}};
       },
       {true, "lag", "replica a:1 lag 0.6s > 0.5s"}},
  });
}

TEST(ThrottleDecision, LoadErrorsAndUnknownVariablesThrottle) {
  run_cases({
      {"status not measured yet: no load throttle",
       [](auto& in, auto& s) {
         s.max_load = {{"Threads_running", 1}};
         in.status_measured = false;
       },
       {false, "", ""}},
      {"SHOW GLOBAL STATUS failed",
       [](auto& in, auto& s) {
         s.max_load = {{"Threads_running", 1}};
         in.status_measured = true;
         in.status_error = "Lost connection";
       },
       {true, "max-load", "SHOW GLOBAL STATUS failed: Lost connection"}},
      {"unknown max-load variable",
       [](auto& in, auto& s) {
         s.max_load = {{"No_such_var", 1}};
         in.status_measured = true;
         in.status = {{"Threads_running", 3}};
       },
       {true, "max-load", "unknown status variable No_such_var"}},
      {"unknown critical-load variable",
       [](auto& in, auto& s) {
         s.critical_load = {{"Bogus", 1}};
         in.status_measured = true;
         in.status = {{"Threads_running", 3}};
       },
       {true, "max-load", "unknown status variable Bogus"}},
      {"a status error without load settings is ignored",
       [](auto& in, auto&) {
         in.status_measured = true;
         in.status_error = "x";
       },
       {false, "", ""}},
      {"throttle query failed",
       [](auto& in, auto& s) {
         s.throttle_query = "SELECT nope";
         in.throttle_query_error = "Unknown column";
       },
       {true, "throttle-query", "throttle query failed: Unknown column"}},
      {"throttle query not run yet", [](auto&, auto& s) { s.throttle_query = "SELECT 1"; }, {false, "", ""}},
      {"throttle query result without a query is ignored",
       [](auto& in, auto&) { in.throttle_query_value = 5; },
       {false, "", ""}},
  });
}

TEST(ThrottleDecision, Precedence) {
  // Everything holds; removing the winner each time reveals the next in order.
  const std::vector<std::string> order = {"manual", "flag-file", "critical-load", "lag", "max-load", "throttle-query"};
  auto in = base_inputs();
  auto s = base_settings();
  s.manual_throttle = true;
  in.flag_file_exists = true;
  in.hibernating_until = kNow + 10s;
  in.critical_detail = "Threads_running=99 >= 50";
  in.replicas = {{"r:1", 3s, ""}};
  s.max_load = {{"Threads_running", 25}};
  in.status_measured = true;
  in.status = {{"Threads_running", 99}};
  s.throttle_query = "SELECT 1";
  in.throttle_query_value = 1;
  for (const auto& expected : order) {
    SCOPED_TRACE(expected);
    const auto status = decide_throttle(in, s, kFlag);
    ASSERT_TRUE(status.throttled);
    EXPECT_EQ(status.reason, expected);
    if (expected == "manual") s.manual_throttle = false;
    if (expected == "flag-file") in.flag_file_exists = false;
    if (expected == "critical-load") in.hibernating_until.reset();
    if (expected == "lag") in.replicas.clear();
    if (expected == "max-load") s.max_load.clear();
    if (expected == "throttle-query") in.throttle_query_value = 0;
  }
  EXPECT_FALSE(decide_throttle(in, s, kFlag).throttled);
}

TEST(ThrottleDecision, CriticalLoadViolation) {
  struct C {
    std::string name;
    std::map<std::string, std::int64_t> status;
    LoadMap critical;
    std::optional<std::string> expected;
  };
  const std::vector<C> cases = {
      {"none configured", {{"Threads_running", 100}}, {}, std::nullopt},
      {"below", {{"Threads_running", 49}}, {{"Threads_running", 50}}, std::nullopt},
      {"equal", {{"Threads_running", 50}}, {{"Threads_running", 50}}, "Threads_running=50 >= 50"},
      {"above", {{"Threads_running", 51}}, {{"Threads_running", 50}}, "Threads_running=51 >= 50"},
      {"case-insensitive", {{"Threads_running", 51}}, {{"THREADS_RUNNING", 50}}, "THREADS_RUNNING=51 >= 50"},
      {"second variable",
       {{"Threads_running", 1}, {"Threads_connected", 700}},
       {{"Threads_connected", 500}, {"Threads_running", 50}},
       "Threads_connected=700 >= 500"},
      {"unknown variable is skipped", {{"Threads_running", 1}}, {{"Nope", 0}}, std::nullopt},
      {"zero threshold", {{"Threads_running", 0}}, {{"Threads_running", 0}}, "Threads_running=0 >= 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(critical_load_violation(c.status, c.critical), c.expected);
  }
  EXPECT_EQ(missing_status_variables({{"Threads_running", 1}}, {{"nope", 1}, {"threads_running", 1}}),
            std::vector<std::string>{"nope"});
}

TEST(ThrottleStatusText, ToString) {
  ThrottleStatus s;
  EXPECT_EQ(s.to_string(), "not throttled");
  s.throttled = true;
  s.reason = "lag";
  s.detail = "replica 127.0.0.1:3307 lag 2.31s > 1.5s";
  EXPECT_EQ(s.to_string(), "lag: replica 127.0.0.1:3307 lag 2.31s > 1.5s");
  s.detail.clear();
  EXPECT_EQ(s.to_string(), "lag");
}

TEST(ThrottleStatusText, FormatLagSeconds) {
  const std::vector<std::pair<std::chrono::milliseconds, std::string>> cases = {
      {0ms, "0s"},      {1ms, "0.001s"},   {500ms, "0.5s"},         {1000ms, "1s"},
      {1500ms, "1.5s"}, {2310ms, "2.31s"}, {86'400'000ms, "86400s"}};
  for (const auto& [ms, text] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(format_lag_seconds(ms), text);
  }
}

TEST(ThrottleProbes, ParseGlobalStatusAndThrottleQueryAnswer) {
  ResultTable status;
  status.columns = {"Variable_name", "Value"};
  status.rows = {{std::string("Threads_running"), std::string("7")},
                 {std::string("Ssl_cipher"), std::string("")},
                 {std::string("Rpl_status"), std::string("AUTH_MASTER")},
                 {std::string("Uptime_float"), std::string("3.5")},
                 {std::string("Null_value"), std::nullopt},
                 {std::string("Negative"), std::string("-4")}};
  const std::map<std::string, std::int64_t> expected = {{"Threads_running", 7}, {"Negative", -4}};
  EXPECT_EQ(parse_global_status(status), expected);

  struct C {
    std::string name;
    std::vector<std::vector<Cell>> rows;
    std::optional<std::int64_t> answer;  // nullopt: throws
  };
  const std::vector<C> cases = {
      {"one", {{std::string("1")}}, 1},
      {"zero", {{std::string("0")}}, 0},
      {"first row, first column", {{std::string("3"), std::string("9")}, {std::string("5")}}, 3},
      {"no row", {}, 0},
      {"NULL", {{std::nullopt}}, 0},
      {"text", {{std::string("yes")}}, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ResultTable t;
    t.columns = {"x", "y"};
    t.rows = c.rows;
    if (c.answer) {
      EXPECT_EQ(throttle_query_answer(t), *c.answer);
    } else {
      EXPECT_THROW((void)throttle_query_answer(t), std::invalid_argument);
    }
  }
}
