#include "cli/ghost_compat.h"

#include "cli/migrate_options.h"

#include <cctype>

namespace po = boost::program_options;

namespace ghostcut::cli {

const std::vector<GhostNoOp>& ghost_no_op_flags() {
  static const std::vector<GhostNoOp> flags = {
      {"allow-on-master", "ghostcut always runs against the primary (--host)", false},
      {"allow-master-master", "ghostcut connects to --host only, which must be the primary", false},
      {"assume-master-host", "ghostcut connects to --host only, which must be the primary", true},
      {"master-user", "ghostcut connects to --host only, with --user", true},
      {"master-password", "ghostcut connects to --host only, with its own credentials", true},
      {"assume-rbr", "ghostcut reads binlog_format itself and never restarts replication", false},
      {"switch-to-rbr", "ghostcut never changes binlog_format; it refuses a server without ROW", false},
      {"exact-rowcount", "progress follows the copied key range, not a row count", false},
      {"concurrent-rowcount", "progress follows the copied key range, not a row count", true},
      {"cut-over-exponential-backoff", "cut-over retries wait --cut-over-lock-timeout-seconds each", false},
      {"exponential-backoff-max-interval", "cut-over retries wait --cut-over-lock-timeout-seconds each", true},
      {"mysql-timeout", "ghostcut's connections use the server's timeouts", true},
      {"skip-foreign-key-checks", "ghostcut always checks foreign keys (see --allow-foreign-keys)", false},
      {"skip-strict-mode", "the copy and the applier already run without strict mode", false},
      {"allow-zero-in-date", "the copy and the applier already run without NO_ZERO_DATE/NO_ZERO_IN_DATE", false},
      {"allow-nullable-unique-key", "ghostcut chooses its chunk key itself and says which in the plan", false},
      {"approve-renamed-columns", "ghostcut carries renamed columns (CHANGE/RENAME COLUMN) by itself", false},
      {"aliyun-rds", "no platform switches are needed", false},
      {"gcp", "no platform switches are needed", false},
      {"azure", "no platform switches are needed", false},
      {"tungsten", "no platform switches are needed", false},
      {"gtid", "ghostcut positions its binlog reader itself", false},
      {"binlogsyncer-max-reconnect-attempts", "the binlog reader reconnects and resumes by itself", true},
      {"skip-port-validation", "ghostcut does not validate the port against the server's", false},
      {"initially-drop-socket-file", "a stale control socket is replaced, a live one refused", false},
      {"force-named-cut-over", "cut-over needs no name; panic and revert always do", false},
      {"force-named-panic", "panic always needs the table's name (panic=<table>)", false},
      {"timestamp-old-table",
       "the old table is always <table>_del (a leftover one is refused, or dropped with --drop-leftover-tables)",
       false},
      {"replication-lag-query", "deprecated in gh-ost too; lag comes from the changelog heartbeat", true},
      {"statsd-addr", "no StatsD; use --metrics-port (Prometheus)", true},
      {"statsd-tags", "no StatsD; use --metrics-port (Prometheus)", true},
      {"runtime-metrics-interval", "no StatsD; use --metrics-port (Prometheus)", true},
      {"stack", "errors are logged with their cause, no stack traces", false},
      {"panic-on-warnings", "the checksum (on by default) compares every row before the cut-over", false},
      {"skip-metadata-lock-check", "the cut-over checks its lock order itself", false},
      {"allow-setup-metadata-lock-instruments", "the cut-over checks its lock order itself", false},
      {"checkpoint", "ghostcut always checkpoints (and resumes an interrupted run)", false},
      {"checkpoint-seconds", "ghostcut checkpoints on its own interval", true},
      {"resume", "ghostcut resumes an interrupted run by default (--no-resume starts over)", false},
      {"analyze-ghost-table-before-cutover", "ghostcut runs ANALYZE TABLE on the ghost by default", false},
      {"charset", "ghostcut's connections use utf8mb4", true},
      {"test-on-replica-skip-replica-stop", "goes with --test-on-replica, which is refused", false},
  };
  return flags;
}

po::options_description ghost_compat_options() {
  po::options_description g("gh-ost compatibility (aliases; no-ops log one notice each)");
  g.add_options()("cut-over", po::value<std::string>(),
                  "atomic or default (the only cut-over: gh-ost's atomic one); two-step is refused")(
      "default-retries", po::value<std::int64_t>(), "gh-ost alias of --cut-over-retries (when that is not given)")(
      "replica-server-id", po::value<std::int64_t>(), "gh-ost alias of --server-id (when that is not given)")(
      "discard-foreign-keys", po::bool_switch(),
      "gh-ost alias of --allow-foreign-keys (the ghost gets no foreign keys)")(
      "attempt-instant-ddl", po::bool_switch(), "gh-ost alias of --attempt-instant (on by default)")(
      "throttle-additional-flag-file", po::value<std::string>(),
      "a second throttle flag file (gh-ost's default /tmp/gh-ost.throttle is not assumed)")(
      "panic-flag-file", po::value<std::string>(),
      "abort at once when this file exists (as panic=<table>; the original table stays as it is)")(
      "hooks-hint", po::value<std::string>(), "passed to hooks as GH_OST_HOOKS_HINT")(
      "hooks-hint-owner", po::value<std::string>(), "passed to hooks as GH_OST_HOOKS_HINT_OWNER")(
      "hooks-hint-token", po::value<std::string>(), "passed to hooks as GH_OST_HOOKS_HINT_TOKEN")(
      "storage-engine", po::value<std::string>(), "innodb only (rocksdb is refused)")(
      "check-flag", po::bool_switch(), "exit 0 when every other flag given exists (gh-ost's cross-version check)")(
      "test-on-replica", po::bool_switch(), "refused: ghostcut migrates on the primary only")(
      "migrate-on-replica", po::bool_switch(), "refused: ghostcut migrates on the primary only")(
      "throttle-http", po::value<std::string>(), "refused: use --throttle-query or --throttle-flag-file")(
      "throttle-http-interval-millis", po::value<std::string>(), "goes with --throttle-http")(
      "throttle-http-timeout-millis", po::value<std::string>(), "goes with --throttle-http")(
      "ignore-http-errors", po::bool_switch(), "goes with --throttle-http")(
      "skip-renamed-columns", po::bool_switch(), "refused: ghostcut carries renamed columns' data")(
      "force-table-names", po::value<std::string>(), "refused: the ghost tables are <table>_gho, _ghc, _del")(
      "revert", po::bool_switch(), "refused here: use `ghostcut revert` (with --keep-old-table-in-sync)")(
      "old-table", po::value<std::string>(), "goes with gh-ost's --revert: use `ghostcut revert`");
  for (const auto& f : ghost_no_op_flags()) {
    const std::string help = std::string("no-op: ") + f.why;
    if (f.takes_value) g.add_options()(f.flag, po::value<std::string>(), help.c_str());
    else g.add_options()(f.flag, po::value<std::string>()->implicit_value("true"), help.c_str());
  }
  return g;
}

void apply_ghost_compat(const po::variables_map& vm, MigrateConfig& c) {
  auto given = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  auto flag = [&](const char* name) { return vm.count(name) && vm[name].as<bool>(); };
  auto refuse = [](const std::string& why) { throw MigrateUsageError(why); };

  if (given("cut-over")) {
    const auto v = vm["cut-over"].as<std::string>();
    if (v == "two-step")
      refuse("--cut-over=two-step is not offered: ghostcut's cut-over is gh-ost's atomic one (--cut-over=atomic)");
    if (v != "atomic" && v != "default") refuse("--cut-over takes atomic (or default), got '" + v + "'");
  }
  if (given("default-retries") && vm["cut-over-retries"].defaulted()) {
    const auto n = vm["default-retries"].as<std::int64_t>();
    if (n < 1 || n > 1000) refuse("--default-retries must be between 1 and 1000, got " + std::to_string(n));
    c.cut_over_retries = static_cast<int>(n);
  }
  if (given("replica-server-id") && !vm.count("server-id")) {
    const auto n = vm["replica-server-id"].as<std::int64_t>();
    if (n < 1 || n > 4294967295LL)
      refuse("--replica-server-id must be between 1 and 4294967295, got " + std::to_string(n));
    c.server_id = static_cast<std::uint32_t>(n);
  }
  if (flag("discard-foreign-keys")) c.allow_foreign_keys = true;
  if (given("throttle-additional-flag-file"))
    c.throttle_additional_flag_file = vm["throttle-additional-flag-file"].as<std::string>();
  if (given("panic-flag-file")) c.panic_flag_file = vm["panic-flag-file"].as<std::string>();
  if (given("hooks-hint")) c.hooks_hint = vm["hooks-hint"].as<std::string>();
  if (given("hooks-hint-owner")) c.hooks_hint_owner = vm["hooks-hint-owner"].as<std::string>();
  if (given("hooks-hint-token")) c.hooks_hint_token = vm["hooks-hint-token"].as<std::string>();
  if (given("storage-engine")) {
    std::string v = vm["storage-engine"].as<std::string>();
    for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (v != "innodb") refuse("--storage-engine " + v + " is not supported: ghostcut migrates InnoDB tables");
  }
  c.check_flag = flag("check-flag");
  if (flag("test-on-replica") || flag("migrate-on-replica"))
    refuse("--test-on-replica/--migrate-on-replica are not offered: ghostcut migrates on the primary (--host) only");
  if (given("throttle-http") || given("throttle-http-interval-millis") || given("throttle-http-timeout-millis") ||
      flag("ignore-http-errors"))
    refuse(
        "--throttle-http is not offered (ignoring it would not throttle): use --throttle-query or --throttle-flag-file");
  if (flag("skip-renamed-columns"))
    refuse(
        "--skip-renamed-columns is not offered: ghostcut carries a renamed column's data (drop and add the column instead)");
  if (given("force-table-names"))
    refuse("--force-table-names is not offered: ghostcut's tables are <table>_gho, _ghc and _del");
  if (flag("revert") || given("old-table"))
    refuse(
        "gh-ost's --revert is not offered: run the migration with --keep-old-table-in-sync and use `ghostcut revert`");

  for (const auto& f : ghost_no_op_flags()) {
    if (!vm.count(f.flag)) continue;
    const auto& v = vm[f.flag].as<std::string>();
    if (!f.takes_value && v != "true" && v != "false" && v != "1" && v != "0")
      refuse("--" + std::string(f.flag) + " takes no value (or true/false), got '" + v + "'");
    // Never the value: --master-password must not reach a log.
    c.ghost_notices.push_back("gh-ost flag --" + std::string(f.flag) + " ignored: " + f.why);
  }
}

}  // namespace ghostcut::cli
