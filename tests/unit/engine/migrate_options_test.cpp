// `ghostcut migrate` flag parsing and validation (cli/migrate_options.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/migrate_options.h"

using namespace ghostcut::cli;

namespace {

// Keep the caller's environment and ~/.my.cnf out of the picture.
class MigrateOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("GHOSTCUT_PASSWORD");
    ::setenv("HOME", "/nonexistent-ghostcut-home", 1);
  }
  static std::vector<std::string> base() {
    return {"--user", "u", "--database", "db", "--table", "t", "--alter", "ADD COLUMN c INT"};
  }
  static std::vector<std::string> with(std::vector<std::string> extra) {
    auto a = base();
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(MigrateOptions, Defaults) {
  auto p = parse_migrate_args(base());
  ASSERT_FALSE(p.help);
  const auto& c = p.config;
  EXPECT_EQ(c.database, "db");
  EXPECT_EQ(c.connection.database, "db");
  EXPECT_EQ(c.connection.user, "u");
  EXPECT_EQ(c.table, "t");
  EXPECT_EQ(c.alter, "ADD COLUMN c INT");
  EXPECT_FALSE(c.execute);
  EXPECT_FALSE(c.allow_foreign_keys);
  EXPECT_FALSE(c.allow_add_unique_key);
  EXPECT_FALSE(c.drop_leftover_tables);
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.chunk_size, 0u);
  EXPECT_EQ(c.target_chunk_time_ms, 50);
  EXPECT_EQ(c.max_lag_millis, 1500);
  EXPECT_EQ(c.cut_over_lag_threshold_ms, 1000);
  EXPECT_EQ(c.cut_over_lock_timeout_seconds, 3);
  EXPECT_EQ(c.cut_over_retries, 5);
  EXPECT_EQ(c.dml_batch_size, 1000);
  EXPECT_EQ(c.heartbeat_interval_millis, 100);
  EXPECT_TRUE(c.throttle_control_replicas.empty());
  EXPECT_TRUE(c.max_load.empty());
  EXPECT_TRUE(c.critical_load.empty());
  EXPECT_EQ(c.critical_load_hibernate_seconds, 0);
  EXPECT_TRUE(c.cut_over_windows.empty());
  EXPECT_FALSE(c.cut_over_when_quiet);
  EXPECT_EQ(c.quiet_window_seconds, 60);
  EXPECT_FALSE(c.cut_over_deadline_at);
  EXPECT_TRUE(c.serve_socket_file.empty());  // derived from database and table at start
  EXPECT_FALSE(c.no_serve_socket);
  EXPECT_FALSE(c.serve_tcp_port);
  EXPECT_EQ(c.serve_tcp_bind, "127.0.0.1");
  EXPECT_TRUE(c.hooks_path.empty());
  EXPECT_EQ(c.hooks_timeout_seconds, 60);
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.status_interval_seconds, 5);
  EXPECT_FALSE(c.metrics_port);
  EXPECT_EQ(c.metrics_bind, "127.0.0.1");
  EXPECT_EQ(c.nice_ratio, 0.0);
  EXPECT_GE(c.server_id, 1'000'000'000u);
  EXPECT_FALSE(c.ok_to_drop_table);
  EXPECT_FALSE(c.cleanup_on_failure);
  EXPECT_TRUE(c.throttle_flag_file.empty());
}

TEST_F(MigrateOptions, EveryFlagIsRead) {
  auto p = parse_migrate_args(with({"--execute",
                                    "--allow-foreign-keys",
                                    "--allow-add-unique-key",
                                    "--drop-leftover-tables",
                                    "--threads",
                                    "4",
                                    "--chunk-size",
                                    "2000",
                                    "--target-chunk-time-ms",
                                    "250",
                                    "--max-lag-millis",
                                    "3000",
                                    "--cut-over-lag-threshold-ms",
                                    "200",
                                    "--cut-over-lock-timeout-seconds",
                                    "7",
                                    "--cut-over-retries",
                                    "9",
                                    "--ok-to-drop-table",
                                    "--cleanup-on-failure",
                                    "--skip-checksum",
                                    "--dml-batch-size",
                                    "50",
                                    "--heartbeat-interval-millis",
                                    "250",
                                    "--server-id",
                                    "4242",
                                    "--postpone-cut-over-flag-file",
                                    "/tmp/p",
                                    "--throttle-flag-file",
                                    "/tmp/th",
                                    "--nice-ratio",
                                    "0.5",
                                    "--serve-socket-file",
                                    "/tmp/s.sock"}));
  const auto& c = p.config;
  EXPECT_TRUE(c.execute);
  EXPECT_TRUE(c.skip_checksum);
  EXPECT_TRUE(c.allow_foreign_keys);
  EXPECT_TRUE(c.allow_add_unique_key);
  EXPECT_TRUE(c.drop_leftover_tables);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.chunk_size, 2000u);
  EXPECT_EQ(c.target_chunk_time_ms, 250);
  EXPECT_EQ(c.max_lag_millis, 3000);
  EXPECT_EQ(c.cut_over_lag_threshold_ms, 200);
  EXPECT_EQ(c.cut_over_lock_timeout_seconds, 7);
  EXPECT_EQ(c.cut_over_retries, 9);
  EXPECT_TRUE(c.ok_to_drop_table);
  EXPECT_TRUE(c.cleanup_on_failure);
  EXPECT_EQ(c.dml_batch_size, 50);
  EXPECT_EQ(c.heartbeat_interval_millis, 250);
  EXPECT_EQ(c.server_id, 4242u);
  EXPECT_EQ(c.postpone_cut_over_flag_file, "/tmp/p");
  EXPECT_EQ(c.throttle_flag_file, "/tmp/th");
  EXPECT_EQ(c.nice_ratio, 0.5);
  EXPECT_EQ(c.serve_socket_file, "/tmp/s.sock");
  const auto ic = c.inspector_config();
  EXPECT_TRUE(ic.allow_foreign_keys);
  EXPECT_TRUE(ic.allow_add_unique_key);
  EXPECT_TRUE(ic.drop_leftover_tables);
}

TEST_F(MigrateOptions, ThrottleScheduleControlHooksAndOutputFlags) {
  auto p = parse_migrate_args(with({"--throttle-control-replicas",
                                    "r1:3307,r2",
                                    "--throttle-control-replicas",
                                    "r3",
                                    "--max-load",
                                    "Threads_running=25",
                                    "--critical-load",
                                    "Threads_running=200",
                                    "--critical-load-interval-millis",
                                    "500",
                                    "--critical-load-hibernate-seconds",
                                    "30",
                                    "--throttle-query",
                                    "SELECT 0",
                                    "--cut-over-window",
                                    "Mon-Fri 22:30-01:00 UTC",
                                    "--cut-over-window",
                                    "Sat,Sun 00:00-06:00",
                                    "--cut-over-when-quiet",
                                    "150",
                                    "--quiet-window-seconds",
                                    "30",
                                    "--cut-over-deadline",
                                    "+2h",
                                    "--cut-over-at-deadline",
                                    "--serve-tcp-port",
                                    "9001",
                                    "--serve-tcp-bind",
                                    "0.0.0.0",
                                    "--hooks-path",
                                    "/etc/gc",
                                    "--hooks-timeout-seconds",
                                    "9",
                                    "--hooks-status-interval",
                                    "30",
                                    "--log-format",
                                    "json",
                                    "--verbose",
                                    "--status-interval-seconds",
                                    "2",
                                    "--metrics-port",
                                    "9102",
                                    "--metrics-bind",
                                    "0.0.0.0",
                                    "--no-serve-socket"}));
  const auto& c = p.config;
  EXPECT_EQ(c.throttle_control_replicas, (std::vector<std::string>{"r1:3307", "r2", "r3"}));
  EXPECT_EQ(c.max_load, "Threads_running=25");
  EXPECT_EQ(c.critical_load, "Threads_running=200");
  EXPECT_EQ(c.critical_load_interval_millis, 500);
  EXPECT_EQ(c.critical_load_hibernate_seconds, 30);
  EXPECT_EQ(c.throttle_query, "SELECT 0");
  EXPECT_EQ(c.cut_over_windows, (std::vector<std::string>{"Mon-Fri 22:30-01:00 UTC", "Sat,Sun 00:00-06:00"}));
  EXPECT_EQ(c.cut_over_when_quiet, 150.0);
  EXPECT_EQ(c.quiet_window_seconds, 30);
  ASSERT_TRUE(c.cut_over_deadline_at);
  const auto in = *c.cut_over_deadline_at - std::chrono::system_clock::now();
  EXPECT_GT(in, std::chrono::minutes(119));
  EXPECT_LE(in, std::chrono::minutes(120));
  EXPECT_TRUE(c.cut_over_at_deadline);
  EXPECT_EQ(c.serve_tcp_port, std::optional<std::uint16_t>(9001));
  EXPECT_EQ(c.serve_tcp_bind, "0.0.0.0");
  EXPECT_TRUE(c.no_serve_socket);
  EXPECT_EQ(c.hooks_path, "/etc/gc");
  EXPECT_EQ(c.hooks_timeout_seconds, 9);
  EXPECT_EQ(c.hooks_status_interval_seconds, 30);
  EXPECT_EQ(c.log_format, "json");
  EXPECT_TRUE(c.verbose);
  EXPECT_EQ(c.status_interval_seconds, 2);
  EXPECT_EQ(c.metrics_port, std::optional<std::uint16_t>(9102));
  EXPECT_EQ(c.metrics_bind, "0.0.0.0");
}

TEST_F(MigrateOptions, GhostAliasesForDroppingLeftovers) {
  for (const char* alias : {"--initially-drop-ghost-table", "--initially-drop-old-table"}) {
    SCOPED_TRACE(alias);
    EXPECT_TRUE(parse_migrate_args(with({alias})).config.drop_leftover_tables);
  }
}

TEST_F(MigrateOptions, TableMayCarryTheDatabase) {
  auto p = parse_migrate_args({"--user", "u", "--table", "shop.orders", "--alter", "FORCE"});
  EXPECT_EQ(p.config.database, "shop");
  EXPECT_EQ(p.config.table, "orders");
}

TEST_F(MigrateOptions, Help) {
  EXPECT_TRUE(parse_migrate_args({"--help"}).help);
  std::ostringstream o;
  o << migrate_options_description();
  for (const char* s : {"Connection",
                        "Migration",
                        "Copy",
                        "Cut-over",
                        "Safety",
                        "--database",
                        "--table",
                        "--alter",
                        "--execute",
                        "--allow-foreign-keys",
                        "--allow-add-unique-key",
                        "--drop-leftover-tables",
                        "--initially-drop-ghost-table",
                        "--initially-drop-old-table",
                        "--threads",
                        "--chunk-size",
                        "--target-chunk-time-ms",
                        "--max-lag-millis",
                        "--cut-over-lag-threshold-ms",
                        "--cut-over-lock-timeout-seconds",
                        "--cut-over-retries",
                        "--ok-to-drop-table",
                        "--cleanup-on-failure",
                        "--skip-checksum",
                        "--checksum",
                        "--dml-batch-size",
                        "--heartbeat-interval-millis",
                        "--server-id",
                        "--postpone-cut-over-flag-file",
                        "--throttle-flag-file",
                        "--nice-ratio",
                        "--serve-socket-file",
                        "--config"}) {
    SCOPED_TRACE(s);
    EXPECT_NE(o.str().find(s), std::string::npos);
  }
}

TEST_F(MigrateOptions, BadValuesAreUsageErrors) {
  struct C {
    std::vector<std::string> args;
    const char* expected;
  };
  const C cases[] = {
      {{"--threads", "0"}, "--threads must be between 1 and 64, got 0"},
      {{"--threads", "65"}, "--threads must be between 1 and 64"},
      {{"--threads", "abc"}, "threads"},
      {{"--chunk-size", "5"}, "--chunk-size must be 0 (adaptive) or between 10 and 100000"},
      {{"--chunk-size", "-1"}, "--chunk-size"},
      {{"--chunk-size", "2000000"}, "--chunk-size"},
      {{"--target-chunk-time-ms", "0"}, "--target-chunk-time-ms"},
      {{"--max-lag-millis", "10"}, "--max-lag-millis must be between 100"},
      {{"--cut-over-lag-threshold-ms", "0"}, "--cut-over-lag-threshold-ms"},
      {{"--cut-over-lock-timeout-seconds", "0"}, "--cut-over-lock-timeout-seconds"},
      {{"--cut-over-lock-timeout-seconds", "61"}, "--cut-over-lock-timeout-seconds"},
      {{"--cut-over-retries", "0"}, "--cut-over-retries"},
      {{"--dml-batch-size", "0"}, "--dml-batch-size"},
      {{"--heartbeat-interval-millis", "5"}, "--heartbeat-interval-millis"},
      {{"--server-id", "0"}, "--server-id"},
      {{"--server-id", "4294967296"}, "--server-id"},
      {{"--server-id", "-3"}, "--server-id"},
      {{"--nice-ratio", "-0.1"}, "--nice-ratio"},
      {{"--nice-ratio", "101"}, "--nice-ratio"},
      {{"--checksum", "maybe"}, "--checksum takes on or off, got 'maybe'"},
      {{"--no-such-flag"}, "no-such-flag"},
      {{"--ssl-mode", "sometimes"}, "--ssl-mode"},
      {{"--config", "/nonexistent/ghostcut.ini"}, "cannot read --config file"},
      {{"--max-load", "Threads_running"}, "--max-load"},
      {{"--critical-load", "Threads_running=-1"}, "--critical-load"},
      {{"--throttle-query", "DELETE FROM t"}, "--throttle-query"},
      {{"--throttle-control-replicas", "r1:99999"}, "--throttle-control-replicas"},
      {{"--critical-load-hibernate-seconds", "-1"}, "--critical-load-hibernate-seconds"},
      {{"--cut-over-window", "Mon-Fri 25:00-01:00"}, "--cut-over-window: bad cut-over window"},
      {{"--cut-over-window", "02:00-02:00"}, "--cut-over-window"},
      {{"--cut-over-when-quiet", "0"}, "--cut-over-when-quiet"},
      {{"--cut-over-deadline", "yesterday"}, "--cut-over-deadline"},
      {{"--cut-over-at-deadline"}, "--cut-over-at-deadline needs --cut-over-deadline"},
      {{"--serve-tcp-port", "0"}, "--serve-tcp-port"},
      {{"--metrics-port", "70000"}, "--metrics-port"},
      {{"--log-format", "xml"}, "--log-format must be text or json"},
      {{"--quiet", "--debug"}, "choose one of --quiet, --verbose and --debug"},
      {{"--hooks-timeout-seconds", "0"}, "--hooks-timeout-seconds"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front() + (c.args.size() > 1 ? " " + c.args[1] : ""));
    try {
      (void)parse_migrate_args(with(c.args));
      ADD_FAILURE() << "accepted";
    } catch (const MigrateUsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
}

TEST_F(MigrateOptions, RequiredFlags) {
  struct C {
    std::vector<std::string> args;
    const char* expected;
  };
  const C cases[] = {
      {{"--user", "u", "--database", "db", "--alter", "FORCE"}, "--table is required"},
      {{"--user", "u", "--table", "t", "--alter", "FORCE"}, "--database is required"},
      {{"--user", "u", "--database", "db", "--table", "t"}, "--alter is required"},
      {{"--database", "db", "--table", "t", "--alter", "FORCE"}, "no user given"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    try {
      (void)parse_migrate_args(c.args);
      ADD_FAILURE() << "accepted";
    } catch (const MigrateUsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
}

TEST_F(MigrateOptions, ConfigFileAndCommandLineWins) {
  const std::string path = ::testing::TempDir() + "ghostcut_migrate_" + std::to_string(::getpid()) + ".ini";
  {
    std::ofstream f(path);
    f << "# a comment\nuser = fileuser\ndatabase = filedb\ntable = filet\nalter = ADD COLUMN x INT\n"
         "threads = 8\nchunk-size = 500\nexecute = true\nallow-foreign-keys = true\nmax-lag-millis = 2500\n";
  }
  auto p = parse_migrate_args({"--config", path, "--threads", "2", "--table", "clit"});
  const auto& c = p.config;
  EXPECT_EQ(c.connection.user, "fileuser");
  EXPECT_EQ(c.database, "filedb");
  EXPECT_EQ(c.table, "clit");  // command line wins
  EXPECT_EQ(c.alter, "ADD COLUMN x INT");
  EXPECT_EQ(c.threads, 2);  // command line wins
  EXPECT_EQ(c.chunk_size, 500u);
  EXPECT_TRUE(c.execute);
  EXPECT_TRUE(c.allow_foreign_keys);
  EXPECT_EQ(c.max_lag_millis, 2500);

  {
    std::ofstream f(path);
    f << "user = u\nbogus-option = 1\n";
  }
  EXPECT_THROW((void)parse_migrate_args(with({"--config", path})), MigrateUsageError);
  {
    std::ofstream f(path);
    f << "threads = 100\n";
  }
  try {
    (void)parse_migrate_args(with({"--config", path}));
    ADD_FAILURE() << "accepted";
  } catch (const MigrateUsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--threads must be between 1 and 64, got 100"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST_F(MigrateOptions, PasswordFromEnvironment) {
  ::setenv("GHOSTCUT_PASSWORD", "s3cret", 1);
  auto p = parse_migrate_args(base());
  EXPECT_EQ(p.config.connection.password, "s3cret");
  EXPECT_EQ(p.config.connection.redacted().find("s3cret"), std::string::npos);
  ::unsetenv("GHOSTCUT_PASSWORD");
}

}  // namespace

namespace {

TEST_F(MigrateOptions, KeepOldTableInSyncTakesADuration) {
  EXPECT_EQ(parse_migrate_args(base()).config.keep_old_table_in_sync_seconds, 0);
  EXPECT_EQ(parse_migrate_args(with({"--keep-old-table-in-sync", "90"})).config.keep_old_table_in_sync_seconds, 90);
  EXPECT_EQ(parse_migrate_args(with({"--keep-old-table-in-sync", "30m"})).config.keep_old_table_in_sync_seconds, 1800);
  EXPECT_EQ(parse_migrate_args(with({"--keep-old-table-in-sync", "24h"})).config.keep_old_table_in_sync_seconds, 86400);
  EXPECT_EQ(parse_migrate_args(with({"--keep-old-table-in-sync", "7d"})).config.keep_old_table_in_sync_seconds, 604800);
  for (const char* bad : {"0", "8d", "1w", "h", "-5", "10 m", ""})
    EXPECT_THROW((void)parse_migrate_args(with({"--keep-old-table-in-sync", bad})), MigrateUsageError) << bad;
}

}  // namespace

namespace {

TEST_F(MigrateOptions, ChecksumIsOnUnlessTurnedOff) {
  EXPECT_FALSE(parse_migrate_args(base()).config.skip_checksum);
  EXPECT_FALSE(parse_migrate_args(with({"--checksum", "on"})).config.skip_checksum);
  EXPECT_TRUE(parse_migrate_args(with({"--checksum=off"})).config.skip_checksum);
  EXPECT_TRUE(parse_migrate_args(with({"--skip-checksum"})).config.skip_checksum);
  EXPECT_FALSE(parse_migrate_args(base()).config.no_analyze_ghost);
  EXPECT_TRUE(parse_migrate_args(with({"--no-analyze-ghost"})).config.no_analyze_ghost);
}

// `ghostcut revert` parses migrate's flags without --alter; migrate still requires it.
TEST_F(MigrateOptions, RevertTakesTheFlagsWithoutAlter) {
  const std::vector<std::string> args = {
      "--user", "u", "--database", "db", "--table", "t", "--cut-over-lock-timeout-seconds", "7", "--ok-to-drop-table"};
  const auto p = parse_migrate_args(args, false);
  EXPECT_EQ(p.config.table, "t");
  EXPECT_TRUE(p.config.alter.empty());
  EXPECT_EQ(p.config.cut_over_lock_timeout_seconds, 7);
  EXPECT_TRUE(p.config.ok_to_drop_table);
  EXPECT_THROW((void)parse_migrate_args(args), MigrateUsageError);
  EXPECT_THROW((void)parse_migrate_args({"--user", "u", "--database", "db"}, false), MigrateUsageError);  // no table
}

}  // namespace

namespace {

// #15: the plan check's and the blocker killer's flags.
TEST_F(MigrateOptions, PlanCheckAndKillBlockersFlags) {
  const auto d = parse_migrate_args(base()).config;
  EXPECT_TRUE(d.check_queries.empty());
  EXPECT_EQ(d.check_top_digests, 10);
  EXPECT_EQ(d.on_plan_regression, "postpone");
  EXPECT_FALSE(d.kill_blockers_after_seconds);

  const auto path = ::testing::TempDir() + "ghostcut-check-queries.sql";
  std::ofstream(path) << "# the two that matter\nSELECT * FROM t WHERE b = 1\nSELECT c FROM t WHERE id = 2\n";
  const auto c = parse_migrate_args(with({"--check-queries", path, "--check-top-digests", "0", "--on-plan-regression",
                                          "fail", "--kill-blockers-after", "90s"}))
                     .config;
  EXPECT_EQ(c.check_queries_file, path);
  EXPECT_EQ(c.check_queries, (std::vector<std::string>{"SELECT * FROM t WHERE b = 1", "SELECT c FROM t WHERE id = 2"}));
  EXPECT_EQ(c.check_top_digests, 0);
  EXPECT_EQ(c.on_plan_regression, "fail");
  EXPECT_EQ(c.kill_blockers_after_seconds, 90);

  std::ofstream(path) << "-- nothing here\n";
  EXPECT_THROW((void)parse_migrate_args(with({"--check-queries", path})), MigrateUsageError) << "no statement";
  EXPECT_THROW((void)parse_migrate_args(with({"--check-queries", path + ".missing"})), MigrateUsageError);
  EXPECT_THROW((void)parse_migrate_args(with({"--on-plan-regression", "ignore"})), MigrateUsageError);
  EXPECT_THROW((void)parse_migrate_args(with({"--check-top-digests", "101"})), MigrateUsageError);
  for (const char* bad : {"0", "-1", "2d", "soon"})
    EXPECT_THROW((void)parse_migrate_args(with({"--kill-blockers-after", bad})), MigrateUsageError) << bad;
  std::remove(path.c_str());
}

}  // namespace

TEST_F(MigrateOptions, DeferSecondaryIndexesIsAutoByDefaultABareFlagMeansOn) {
  using ghostcut::engine::KeyDeferral;
  EXPECT_EQ(parse_migrate_args(base()).config.defer_secondary_indexes, KeyDeferral::kAuto);
  EXPECT_EQ(parse_migrate_args(with({"--defer-secondary-indexes"})).config.defer_secondary_indexes, KeyDeferral::kOn);
  EXPECT_EQ(parse_migrate_args(with({"--defer-secondary-indexes=off"})).config.defer_secondary_indexes,
            KeyDeferral::kOff);
  EXPECT_EQ(parse_migrate_args(with({"--defer-secondary-indexes=auto"})).config.defer_secondary_indexes,
            KeyDeferral::kAuto);
  EXPECT_THROW((void)parse_migrate_args(with({"--defer-secondary-indexes=yes please"})), MigrateUsageError);
}
