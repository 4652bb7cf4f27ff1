#include "cli/migrate_options.h"

#include "engine/binlog_settings.h"

#include <fstream>
#include <random>

#include "cli/connection_options.h"

namespace po = boost::program_options;

namespace ghostcut::cli {
namespace {

// Integers are read signed and range-checked: Boost would silently wrap "-1" into an unsigned.
template <typename T>
T ranged(const po::variables_map& vm, const char* name, std::int64_t lo, std::int64_t hi, const char* unit = "") {
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v < lo || v > hi)
    throw MigrateUsageError("--" + std::string(name) + " must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + unit + ", got " + std::to_string(v));
  return static_cast<T>(v);
}

}  // namespace

engine::InspectorConfig MigrateConfig::inspector_config() const {
  engine::InspectorConfig c;
  c.allow_foreign_keys = allow_foreign_keys;
  c.allow_add_unique_key = allow_add_unique_key;
  c.drop_leftover_tables = drop_leftover_tables;
  return c;
}

po::options_description migrate_options_description() {
  po::options_description all("ghostcut migrate options");
  all.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(),
      "INI file with these options (name = value, no dashes); the command line wins");
  add_connection_options(all);  // includes --database

  po::options_description migration("Migration");
  migration.add_options()
      ("table", po::value<std::string>(), "table to migrate (tbl, or db.tbl instead of --database)")
      ("alter", po::value<std::string>(), "the ALTER clause, e.g. \"ADD COLUMN c INT\" (\"ALTER TABLE t ...\" also accepted)")
      ("execute", po::bool_switch(), "really migrate; without it: inspect, print the plan and change nothing")
      ("allow-foreign-keys", po::bool_switch(), "go ahead although foreign keys involve the table (they are not migrated)")
      ("allow-add-unique-key", po::bool_switch(), "allow an ALTER that adds a unique key (current rows are checked for duplicates first)")
      ("drop-leftover-tables", po::bool_switch(), "drop _gho/_ghc/_del tables left by an earlier run before starting")
      ("initially-drop-ghost-table", po::bool_switch(), "gh-ost alias of --drop-leftover-tables")
      ("initially-drop-old-table", po::bool_switch(), "gh-ost alias of --drop-leftover-tables")
      ("server-id", po::value<std::int64_t>(), "replica server id for reading the binlog (default: random, >= 1000000000)");
  all.add(migration);

  po::options_description copy("Copy");
  copy.add_options()
      ("threads", po::value<std::int64_t>()->default_value(1), "row-copy threads (1-64)")
      ("chunk-size", po::value<std::int64_t>()->default_value(0), "rows per copy chunk; 0 = adaptive (10-1000000 otherwise)")
      ("target-chunk-time-ms", po::value<std::int64_t>()->default_value(500), "adaptive chunking aims at this time per chunk (10-60000)")
      ("dml-batch-size", po::value<std::int64_t>()->default_value(100), "binlog row changes applied per transaction (1-10000)")
      ("nice-ratio", po::value<double>()->default_value(0.0), "sleep this fraction of each chunk's time after it (0-100)")
      ("max-lag-millis", po::value<std::int64_t>()->default_value(1500), "throttle while replication lag is above this (100-3600000)")
      ("heartbeat-interval-millis", po::value<std::int64_t>()->default_value(500), "changelog heartbeat interval (100-60000)")
      ("throttle-flag-file", po::value<std::string>(), "throttle while this file exists");
  all.add(copy);

  po::options_description cut("Cut-over");
  cut.add_options()
      ("cut-over-lag-threshold-ms", po::value<std::int64_t>()->default_value(1000), "cut over only when the binlog backlog is below this (1-3600000)")
      ("cut-over-lock-timeout-seconds", po::value<std::int64_t>()->default_value(3), "lock wait timeout for the cut-over (1-60)")
      ("cut-over-retries", po::value<std::int64_t>()->default_value(5), "cut-over attempts before giving up (1-1000)")
      ("postpone-cut-over-flag-file", po::value<std::string>(), "do not cut over while this file exists")
      ("serve-socket-file", po::value<std::string>(), "unix socket for `ghostcut ctl` commands");
  all.add(cut);

  po::options_description safety("Safety");
  safety.add_options()
      ("ok-to-drop-table", po::bool_switch(), "drop the old table after cut-over (default: keep it)")
      ("cleanup-on-failure", po::bool_switch(), "drop the ghost and changelog tables when the migration fails");
  all.add(safety);
  return all;
}

ParsedMigrate parse_migrate_args(const std::vector<std::string>& args) {
  ParsedMigrate out;
  const auto desc = migrate_options_description();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      out.help = true;
      return out;
    }
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw MigrateUsageError("cannot read --config file " + path);
      // Values already stored (the command line) are kept: store() never overwrites.
      po::store(po::parse_config_file(in, desc, false), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw MigrateUsageError(e.what());
  }

  MigrateConfig& c = out.config;
  try {
    c.connection = connection_settings(vm);
  } catch (const MigrateUsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw MigrateUsageError(e.what());
  }
  if (vm.count("database")) c.database = vm["database"].as<std::string>();
  if (vm.count("table")) c.table = vm["table"].as<std::string>();
  if (auto dot = c.table.find('.'); dot != std::string::npos && c.database.empty()) {
    c.database = c.table.substr(0, dot);
    c.table = c.table.substr(dot + 1);
  }
  if (c.table.empty()) throw MigrateUsageError("--table is required");
  if (c.database.empty()) throw MigrateUsageError("--database is required (or --table db.tbl)");
  c.connection.database = c.database;
  if (!vm.count("alter")) throw MigrateUsageError("--alter is required, e.g. --alter \"ADD COLUMN c INT\"");
  c.alter = vm["alter"].as<std::string>();

  c.execute = vm["execute"].as<bool>();
  c.allow_foreign_keys = vm["allow-foreign-keys"].as<bool>();
  c.allow_add_unique_key = vm["allow-add-unique-key"].as<bool>();
  c.drop_leftover_tables = vm["drop-leftover-tables"].as<bool>() || vm["initially-drop-ghost-table"].as<bool>() ||
                           vm["initially-drop-old-table"].as<bool>();
  c.server_id = vm.count("server-id") ? ranged<std::uint32_t>(vm, "server-id", 1, 4294967295LL) : engine::random_server_id();

  c.threads = ranged<int>(vm, "threads", 1, 64);
  const std::int64_t chunk = vm["chunk-size"].as<std::int64_t>();
  if (chunk != 0 && (chunk < 10 || chunk > 1'000'000))
    throw MigrateUsageError("--chunk-size must be 0 (adaptive) or between 10 and 1000000, got " + std::to_string(chunk));
  c.chunk_size = static_cast<std::uint64_t>(chunk);
  c.target_chunk_time_ms = ranged<int>(vm, "target-chunk-time-ms", 10, 60000, " ms");
  c.dml_batch_size = ranged<int>(vm, "dml-batch-size", 1, 10000);
  c.nice_ratio = vm["nice-ratio"].as<double>();
  if (!(c.nice_ratio >= 0 && c.nice_ratio <= 100))
    throw MigrateUsageError("--nice-ratio must be between 0 and 100, got " + std::to_string(c.nice_ratio));
  c.max_lag_millis = ranged<int>(vm, "max-lag-millis", 100, 3'600'000, " ms");
  c.heartbeat_interval_millis = ranged<int>(vm, "heartbeat-interval-millis", 100, 60000, " ms");
  if (vm.count("throttle-flag-file")) c.throttle_flag_file = vm["throttle-flag-file"].as<std::string>();

  c.cut_over_lag_threshold_ms = ranged<int>(vm, "cut-over-lag-threshold-ms", 1, 3'600'000, " ms");
  c.cut_over_lock_timeout_seconds = ranged<int>(vm, "cut-over-lock-timeout-seconds", 1, 60, " s");
  c.cut_over_retries = ranged<int>(vm, "cut-over-retries", 1, 1000);
  if (vm.count("postpone-cut-over-flag-file"))
    c.postpone_cut_over_flag_file = vm["postpone-cut-over-flag-file"].as<std::string>();
  if (vm.count("serve-socket-file")) c.serve_socket_file = vm["serve-socket-file"].as<std::string>();

  c.ok_to_drop_table = vm["ok-to-drop-table"].as<bool>();
  c.cleanup_on_failure = vm["cleanup-on-failure"].as<bool>();
  return out;
}

}  // namespace ghostcut::cli
