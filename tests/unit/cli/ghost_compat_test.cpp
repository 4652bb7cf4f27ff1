// gh-ost drop-in (cli/ghost_compat.h): every gh-ost flag of the README's mapping table parses, as
// an alias (the config changes), a no-op (one notice, the config does not change) or a refusal
// with the reason; no flag is ever prefix-guessed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/ghost_compat.h"
#include "cli/migrate_options.h"

using namespace ghostcut::cli;

namespace {

class GhostCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("GHOSTCUT_PASSWORD");
    ::setenv("HOME", "/nonexistent-ghostcut-home", 1);
  }
  static MigrateConfig parse(std::vector<std::string> extra) {
    std::vector<std::string> a = {"--user", "u", "--database", "db", "--table", "t", "--alter", "ADD COLUMN c INT"};
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_migrate_args(a).config;
  }
  static std::string refusal(std::vector<std::string> extra) {
    try {
      parse(std::move(extra));
    } catch (const MigrateUsageError& e) {
      return e.what();
    }
    return "(accepted)";
  }
};

TEST_F(GhostCompat, NoPrefixGuessing) {
  // Each is a prefix of exactly one or several real flags; Boost's default would guess or call it ambiguous.
  for (const char* prefix : {"--exec", "--chunk", "--throttle-control", "--serve-tcp", "--cut-over-lock", "--hooks"}) {
    SCOPED_TRACE(prefix);
    EXPECT_NE(refusal({prefix, "1"}).find("unrecognised option"), std::string::npos) << refusal({prefix, "1"});
  }
}

TEST_F(GhostCompat, CutOverAtomicIsAcceptedTwoStepRefused) {
  EXPECT_EQ(refusal({"--cut-over=atomic"}), "(accepted)");
  EXPECT_EQ(refusal({"--cut-over", "default"}), "(accepted)");
  EXPECT_NE(refusal({"--cut-over=two-step"}).find("two-step is not offered"), std::string::npos);
  EXPECT_NE(refusal({"--cut-over=bogus"}).find("--cut-over takes atomic"), std::string::npos);
}

TEST_F(GhostCompat, AliasesSetTheRealSetting) {
  EXPECT_EQ(parse({"--default-retries", "9"}).cut_over_retries, 9);
  EXPECT_EQ(parse({"--default-retries", "9", "--cut-over-retries", "4"}).cut_over_retries, 4);  // ours wins
  EXPECT_NE(refusal({"--default-retries", "0"}).find("--default-retries must be between 1 and 1000"),
            std::string::npos);
  EXPECT_EQ(parse({"--replica-server-id", "99999"}).server_id, 99999u);
  EXPECT_EQ(parse({"--replica-server-id", "99999", "--server-id", "7"}).server_id, 7u);
  EXPECT_TRUE(parse({"--discard-foreign-keys"}).allow_foreign_keys);
  EXPECT_EQ(parse({"--panic-flag-file", "/tmp/p"}).panic_flag_file, "/tmp/p");
  EXPECT_EQ(parse({"--throttle-additional-flag-file", "/tmp/gh-ost.throttle"}).throttle_additional_flag_file,
            "/tmp/gh-ost.throttle");
  const auto h = parse({"--hooks-hint", "h", "--hooks-hint-owner", "o", "--hooks-hint-token", "k"});
  EXPECT_EQ(h.hooks_hint + h.hooks_hint_owner + h.hooks_hint_token, "hok");
  EXPECT_TRUE(parse({"--initially-drop-ghost-table"}).drop_leftover_tables);
  EXPECT_TRUE(parse({"--initially-drop-old-table"}).drop_leftover_tables);
  EXPECT_EQ(refusal({"--storage-engine", "innodb"}), "(accepted)");
  EXPECT_NE(refusal({"--storage-engine", "rocksdb"}).find("not supported"), std::string::npos);
  // Every one of these is gh-ost's own name and means the same here.
  const auto same = parse({"--chunk-size",
                           "500",
                           "--dml-batch-size",
                           "20",
                           "--nice-ratio",
                           "0.5",
                           "--max-lag-millis",
                           "2000",
                           "--max-load",
                           "Threads_running=25",
                           "--critical-load",
                           "Threads_running=500",
                           "--critical-load-interval-millis",
                           "100",
                           "--critical-load-hibernate-seconds",
                           "0",
                           "--throttle-query",
                           "SELECT 0",
                           "--throttle-flag-file",
                           "/tmp/f",
                           "--throttle-control-replicas",
                           "r1:3306,r2",
                           "--heartbeat-interval-millis",
                           "200",
                           "--postpone-cut-over-flag-file",
                           "/tmp/pp",
                           "--serve-socket-file",
                           "/tmp/s.sock",
                           "--serve-tcp-port",
                           "9001",
                           "--hooks-path",
                           "/tmp/h",
                           "--hooks-status-interval",
                           "30",
                           "--cut-over-lock-timeout-seconds",
                           "4",
                           "--ok-to-drop-table",
                           "--execute",
                           "--verbose"});
  EXPECT_EQ(same.chunk_size, 500u);
  EXPECT_EQ(same.throttle_control_replicas, (std::vector<std::string>{"r1:3306", "r2"}));
  EXPECT_EQ(same.cut_over_lock_timeout_seconds, 4);
  EXPECT_TRUE(same.ok_to_drop_table && same.execute && same.verbose);
  EXPECT_TRUE(same.ghost_notices.empty());
}

TEST_F(GhostCompat, EveryNoOpFlagIsAcceptedWithOneNotice) {
  const MigrateConfig plain = parse({});
  ASSERT_GE(ghost_no_op_flags().size(), 40u);
  for (const auto& f : ghost_no_op_flags()) {
    SCOPED_TRACE(f.flag);
    std::vector<std::string> args = {std::string("--") + f.flag};
    if (f.takes_value) args.push_back("secret-or-value");
    const auto c = parse(args);
    ASSERT_EQ(c.ghost_notices.size(), 1u);
    EXPECT_EQ(c.ghost_notices[0], std::string("gh-ost flag --") + f.flag + " ignored: " + f.why);
    EXPECT_EQ(c.ghost_notices[0].find("secret-or-value"), std::string::npos);  // values (passwords) never logged
    // Nothing else changed.
    EXPECT_EQ(c.cut_over_retries, plain.cut_over_retries);
    EXPECT_EQ(c.allow_foreign_keys, plain.allow_foreign_keys);
    EXPECT_EQ(c.skip_checksum, plain.skip_checksum);
  }
  // gh-ost booleans also come as --flag=true / --flag=false.
  EXPECT_EQ(parse({"--allow-on-master=true", "--assume-rbr", "--exact-rowcount"}).ghost_notices.size(), 3u);
  EXPECT_NE(refusal({"--allow-on-master=maybe"}).find("takes no value"), std::string::npos);
  for (const char* named : {"allow-on-master", "assume-rbr", "exact-rowcount", "concurrent-rowcount", "switch-to-rbr",
                            "cut-over-exponential-backoff", "timestamp-old-table", "approve-renamed-columns"}) {
    bool found = false;
    for (const auto& f : ghost_no_op_flags()) found = found || std::string(f.flag) == named;
    EXPECT_TRUE(found) << named;
  }
}

TEST_F(GhostCompat, FlagsThatWouldChangeWhatHappensAreRefusedWithTheReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--test-on-replica"}, "migrates on the primary"},
      {{"--migrate-on-replica"}, "migrates on the primary"},
      {{"--throttle-http", "http://x/"}, "--throttle-http is not offered"},
      {{"--ignore-http-errors"}, "--throttle-http is not offered"},
      {{"--skip-renamed-columns"}, "--skip-renamed-columns is not offered"},
      {{"--force-table-names", "x"}, "--force-table-names is not offered"},
      {{"--revert"}, "use `ghostcut revert`"},
      {{"--old-table", "_t_del"}, "use `ghostcut revert`"},
  };
  for (const auto& [args, why] : cases) {
    SCOPED_TRACE(args[0]);
    EXPECT_NE(refusal(args).find(why), std::string::npos) << refusal(args);
  }
}

TEST_F(GhostCompat, CheckFlagSaysWhetherTheFlagsExist) {
  // gh-ost --check-flag: nothing else is required or validated.
  EXPECT_TRUE(
      parse_migrate_args({"--check-flag", "--cut-over-lock-timeout-seconds", "1", "--nice-ratio", "0"}).check_flag);
  EXPECT_THROW(parse_migrate_args({"--check-flag", "--no-such-flag"}), MigrateUsageError);
}

}  // namespace
