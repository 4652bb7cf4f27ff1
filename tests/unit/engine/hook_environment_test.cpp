#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "engine/hooks/hook_environment.h"

using namespace ghostcut::engine;

namespace {

std::multimap<std::string, std::string> as_map(const std::vector<std::string>& env) {
  std::multimap<std::string, std::string> out;
  for (const auto& e : env) {
    const auto eq = e.find('=');
    EXPECT_NE(eq, std::string::npos) << e;
    out.emplace(e.substr(0, eq), e.substr(eq + 1));
  }
  return out;
}

HookContext sample() {
  HookContext c;
  c.database = "shop";
  c.table = "orders";
  c.ghost_table = "orders_gho";
  c.old_table = "orders_del";
  c.alter = "ADD COLUMN priority TINYINT NOT NULL DEFAULT 0";
  c.state = "postponing cut-over";
  c.binlog_position = "mysql-bin.000042:1234";
  c.throttle_reason = "max-lag 2100ms > 1500ms";
  c.failure_message = "cut-over failed 5 times";
  c.status = "Copy: 250/1000 25.0%";
  c.rows_copied = 250;
  c.rows_estimated = 1000;
  c.elapsed = std::chrono::seconds(93);
  c.executing_host = "ops-1";
  c.migrated_host = "db1:3306";
  return c;
}

}  // namespace

TEST(HookEnvironment, EveryVariableUnderBothNames) {
  const auto env = as_map(hook_environment(kHookOnSuccess, sample(), nullptr));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"GHOSTCUT_HOOK", "on-success"},
      {"GHOSTCUT_DATABASE_NAME", "shop"},
      {"GH_OST_DATABASE_NAME", "shop"},
      {"GHOSTCUT_TABLE_NAME", "orders"},
      {"GH_OST_TABLE_NAME", "orders"},
      {"GHOSTCUT_GHOST_TABLE_NAME", "orders_gho"},
      {"GH_OST_GHOST_TABLE_NAME", "orders_gho"},
      {"GHOSTCUT_OLD_TABLE_NAME", "orders_del"},
      {"GH_OST_OLD_TABLE_NAME", "orders_del"},
      {"GHOSTCUT_DDL", "ADD COLUMN priority TINYINT NOT NULL DEFAULT 0"},
      {"GH_OST_DDL", "ADD COLUMN priority TINYINT NOT NULL DEFAULT 0"},
      {"GHOSTCUT_COPIED_ROWS", "250"},
      {"GH_OST_COPIED_ROWS", "250"},
      {"GHOSTCUT_ESTIMATED_ROWS", "1000"},
      {"GH_OST_ESTIMATED_ROWS", "1000"},
      {"GHOSTCUT_PROGRESS", "25.0"},
      {"GH_OST_PROGRESS", "25.0"},
      {"GHOSTCUT_ELAPSED_SECONDS", "93"},
      {"GH_OST_ELAPSED_SECONDS", "93"},
      {"GHOSTCUT_EXECUTING_HOST", "ops-1"},
      {"GH_OST_EXECUTING_HOST", "ops-1"},
      {"GHOSTCUT_MIGRATED_HOST", "db1:3306"},
      {"GH_OST_MIGRATED_HOST", "db1:3306"},
      {"GH_OST_INSPECTED_HOST", "db1:3306"},
      {"GHOSTCUT_STATUS", "Copy: 250/1000 25.0%"},
      {"GH_OST_STATUS", "Copy: 250/1000 25.0%"},
      {"GHOSTCUT_STATE", "postponing cut-over"},
      {"GHOSTCUT_BINLOG_POSITION", "mysql-bin.000042:1234"},
      {"GHOSTCUT_THROTTLE_REASON", "max-lag 2100ms > 1500ms"},
      {"GHOSTCUT_FAILURE_MESSAGE", "cut-over failed 5 times"},
      {"GHOSTCUT_PLAN_REGRESSIONS", ""},
      // gh-ost's doc/hooks.md set (the context leaves these at their defaults)
      {"GHOSTCUT_ELAPSED_COPY_SECONDS", "0"},
      {"GH_OST_ELAPSED_COPY_SECONDS", "0"},
      {"GHOSTCUT_LAG_SECONDS", "0.000"},
      {"GH_OST_INSPECTED_LAG", "0.000"},
      {"GH_OST_HEARTBEAT_LAG", "0.000"},
      {"GHOSTCUT_ETA_SECONDS", ""},
      {"GH_OST_ETA_SECONDS", ""},
      {"GHOSTCUT_HOOKS_HINT", ""},
      {"GH_OST_HOOKS_HINT", ""},
      {"GHOSTCUT_HOOKS_HINT_OWNER", ""},
      {"GH_OST_HOOKS_HINT_OWNER", ""},
      {"GHOSTCUT_HOOKS_HINT_TOKEN", ""},
      {"GH_OST_HOOKS_HINT_TOKEN", ""},
      {"GHOSTCUT_DRY_RUN", "false"},
      {"GH_OST_DRY_RUN", "false"},
      {"GHOSTCUT_REVERT", "false"},
      {"GH_OST_REVERT", "false"},
      {"GH_OST_INSTANT_DDL", "false"},
  };
  for (const auto& [name, value] : want) {
    SCOPED_TRACE(name);
    ASSERT_EQ(env.count(name), 1u);
    EXPECT_EQ(env.find(name)->second, value);
  }
  EXPECT_EQ(env.size(), want.size());
}

TEST(HookEnvironment, EmptyContextStillSetsEverything) {
  const auto env = as_map(hook_environment(kHookOnStartup, HookContext{}, nullptr));
  EXPECT_EQ(env.find("GHOSTCUT_HOOK")->second, "on-startup");
  EXPECT_EQ(env.find("GHOSTCUT_PROGRESS")->second, "0.0");  // no estimate: no division by zero
  EXPECT_EQ(env.find("GHOSTCUT_FAILURE_MESSAGE")->second, "");
  EXPECT_EQ(env.count("GH_OST_DDL"), 1u);
  HookContext over;
  over.rows_copied = 1500;
  over.rows_estimated = 1000;  // estimates run low
  EXPECT_EQ(as_map(hook_environment(kHookOnStatus, over, nullptr)).find("GH_OST_PROGRESS")->second, "100.0");
}

TEST(HookEnvironment, InheritedPassesThroughExceptSecrets) {
  std::vector<std::string> storage = {
      "PATH=/usr/bin:/bin",
      "HOME=/home/dba",
      "GHOSTCUT_PASSWORD=hunter2",
      "MYSQL_PWD=hunter2",
      "DB_PASSWORD=hunter2",
      "backup_password_file=/etc/x",
      "Password=hunter2",
      "GH_OST_TABLE_NAME=stale",       // replaced by ours
      "GHOSTCUT_TEST_HOST=127.0.0.1",  // not one of ours: kept
      "NOEQUALSIGN",
      "EMPTY=",
  };
  std::vector<char*> environ_like;
  for (auto& s : storage) environ_like.push_back(s.data());
  environ_like.push_back(nullptr);
  const auto list = hook_environment(kHookOnFailure, sample(), environ_like.data());
  const auto env = as_map(list);
  EXPECT_EQ(env.find("PATH")->second, "/usr/bin:/bin");
  EXPECT_EQ(env.find("HOME")->second, "/home/dba");
  EXPECT_EQ(env.find("GHOSTCUT_TEST_HOST")->second, "127.0.0.1");
  EXPECT_EQ(env.count("EMPTY"), 1u);
  for (const char* secret : {"GHOSTCUT_PASSWORD", "MYSQL_PWD", "DB_PASSWORD", "backup_password_file", "Password"}) {
    SCOPED_TRACE(secret);
    EXPECT_EQ(env.count(secret), 0u);
  }
  for (const auto& e : list) EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  ASSERT_EQ(env.count("GH_OST_TABLE_NAME"), 1u);
  EXPECT_EQ(env.find("GH_OST_TABLE_NAME")->second, "orders");
  EXPECT_EQ(env.count("NOEQUALSIGN"), 0u);
}

TEST(HookEnvironment, SecretNamesAndHookNames) {
  struct Case {
    std::string name;
    bool secret;
  };
  const std::vector<Case> cases = {
      {"GHOSTCUT_PASSWORD", true}, {"MYSQL_PWD", true}, {"mysql_pwd", true}, {"X_PASSWORD_Y", true},
      {"password", true},          {"PASSWD", true},    {"PATH", false},     {"MYSQL_HOST", false},
      {"GHOSTCUT_DDL", false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(is_secret_variable(c.name), c.secret);
  }
  for (const auto name : kHookNames) EXPECT_TRUE(is_hook_name(name)) << name;
  EXPECT_FALSE(is_hook_name("on-nothing"));
  EXPECT_FALSE(is_hook_name("../on-success"));
  EXPECT_FALSE(is_hook_name(""));
}

// gh-ost's rule (go/logic/migrator.go) and file naming (doc/hooks.md).
TEST(HookEnvironment, WhichFailuresStopAndWhichFilesBelongToAHook) {
  for (const auto name : {kHookOnStartup, kHookOnValidated, kHookOnBeforeRowCopy, kHookOnRowCopyComplete,
                          kHookOnBeginPostponed, kHookOnBeforeCutOver})
    EXPECT_TRUE(hook_failure_stops_migration(name)) << name;
  for (const auto name : {kHookOnSuccess, kHookOnFailure, kHookOnStatus, kHookOnThrottled})
    EXPECT_FALSE(hook_failure_stops_migration(name)) << name;
  EXPECT_TRUE(hook_file_matches("on-startup", "on-startup"));
  EXPECT_TRUE(hook_file_matches("on-startup", "on-startup-2"));
  EXPECT_TRUE(hook_file_matches("on-startup", "gh-ost-on-startup"));
  EXPECT_TRUE(hook_file_matches("on-startup", "gh-ost-on-startup--send-notification-mail"));
  EXPECT_TRUE(hook_file_matches("on-startup", "gh-ost-on-startup12345"));
  EXPECT_FALSE(hook_file_matches("on-startup", "on-status"));
  EXPECT_FALSE(hook_file_matches("on-startup", "x-on-startup"));
  EXPECT_FALSE(hook_file_matches("on-row-copy-complete", "gh-ost-on-rowcount-complete"));
  EXPECT_FALSE(hook_file_matches("on-success", "gh-ost-on-startup"));
}
