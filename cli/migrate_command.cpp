#include "cli/migrate_command.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/logging.h"
#include "cli/status_display.h"
#include "cli/subcommands.h"
#include "engine/inspect/backfill_check.h"
#include "engine/inspect/cost_estimate.h"
#include "engine/inspect/inspector.h"
#include "engine/metrics/log_fields.h"
#include "engine/resume/run_guard.h"
#include "engine/revert/reverse_plan.h"
#include "engine/revert/reverse_resume.h"
#include "engine/verify/plan_preflight.h"

namespace ghostcut::cli {

int run_migrate(const std::vector<std::string>& args) {
  ParsedMigrate parsed;
  try {
    parsed = parse_migrate_args(args);
  } catch (const MigrateUsageError& e) {
    report_usage_error("ghostcut migrate", e.what(), "(see ghostcut migrate --help)\n");
    return kExitUsage;
  }
  if (parsed.help) {
    std::cout
        << "Usage: ghostcut migrate --database DB --table T --alter \"ADD COLUMN c INT\" [--execute] [options]\n\n"
           "Without --execute this is a dry run: the table is inspected (read-only; the ALTER is tried\n"
           "on a temporary copy only this session sees) and the plan is printed.\n\n"
        << migrate_options_description() << "\n"
        << kExitCodesHelp;
    return kExitOk;
  }
  if (parsed.check_flag) return kExitOk;  // gh-ost's --check-flag: the flags given all exist
  const MigrateConfig& config = parsed.config;

  // Logging first, so everything below logs in the chosen format.
  const Verbosity verbosity = config.quiet     ? Verbosity::kQuiet
                              : config.debug   ? Verbosity::kDebug
                              : config.verbose ? Verbosity::kVerbose
                                               : Verbosity::kNormal;
  const LogFormat format = config.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  std::shared_ptr<StatusDisplay> display;
  spdlog::sink_ptr sink;
  if (format == LogFormat::kText && config.execute && !config.quiet && ::isatty(STDERR_FILENO)) {
    display = std::make_shared<StatusDisplay>(stderr, true);
    sink = make_tty_aware_sink(display);
  }
  configure_logging(format, verbosity, sink);
  engine::set_log_migration(config.database, config.table);
  for (const auto& notice : config.ghost_notices) spdlog::info("{}", notice);

  // Refused before any change: said in the log's format (JSON lines too), exit kExitRefused.
  auto refuse = [](const std::string& why) {
    const engine::LogEvent event("refused");
    spdlog::error("ghostcut migrate: {}", why);
    return kExitRefused;
  };
  engine::sql_driver_init();
  std::unique_ptr<engine::SqlConnection> conn;
  try {
    conn = engine::SqlConnection::open(config.connection);
  } catch (const engine::SqlError& e) {
    // SqlError text is the server's/driver's message; the password is never part of it.
    return refuse("cannot connect as " + config.connection.redacted() + ": " + e.what());
  }

  // The cut-over is done and its reverse sync was interrupted (a crash, a stop): this same
  // command resumes keeping the old table in sync (engine/revert/reverse_resume.h).
  try {
    if (config.execute && engine::has_reverse_sync_checkpoint(*conn, config.database, config.table)) {
      if (config.keep_old_table_in_sync_seconds <= 0) {
        return refuse("`" + config.database + "`.`" + config.table +
                      "` was already migrated and its reverse sync (--keep-old-table-in-sync) was interrupted; its "
                      "checkpoint is in " +
                      engine::changelog_table_name(config.table) +
                      ". Run this command again with --keep-old-table-in-sync to go on keeping the old table in sync, "
                      "`ghostcut revert --database " +
                      config.database + " --table " + config.table + "` to swap the old table back, or drop " +
                      engine::changelog_table_name(config.table) + " to end it. Nothing was changed.");
      }
      auto reverse = engine::prepare_reverse_resume(config.connection, *conn, config.database, config.table,
                                                    GHOSTCUT_VERSION, &config.alter, spdlog::default_logger());
      spdlog::info(
          "the migration's cut-over is done; resuming its reverse sync (the checkpointed window applies, "
          "not this command's --keep-old-table-in-sync)");
      return run_migration(config, reverse.forward, *conn, display, &reverse, false);
    }
  } catch (const engine::TableBusy& e) {
    return refuse(e.what());
  } catch (const engine::RevertRefused& e) {
    return refuse(std::string("cannot resume the reverse sync: ") + e.what() + ". Nothing was changed.");
  } catch (const engine::SqlError& e) {
    return refuse(e.what());
  }

  engine::MigrationPlan plan;
  try {
    engine::Inspector inspector(*conn, config.inspector_config());
    plan = inspector.inspect(config.database, config.table, config.alter);
    if (!config.backfills.empty())
      engine::add_backfills(*conn, plan, config.backfills, config.allow_nondeterministic_backfill);
  } catch (const engine::InspectionError& e) {
    return refuse(e.what());
  } catch (const engine::SqlError& e) {
    return refuse("inspecting `" + config.database + "`.`" + config.table + "` failed: " + e.what());
  }

  if (config.keep_old_table_in_sync_seconds > 0) {
    // Refused before anything is touched: a revert that would lose writes is no revert.
    if (auto why = engine::reverse_sync_refusals(plan); !why.empty()) {
      std::string text = "--keep-old-table-in-sync: this ALTER has no exact way back:";
      for (const auto& w : why) text += "\n  - " + w;
      return refuse(text);
    }
  }
  // #15: --check-queries and --kill-blockers-after, checked against the server before anything changes.
  engine::PhasedPreflight preflight;
  {
    engine::PlanCheckConfig pc;
    pc.queries = config.check_queries;
    pc.top_digests = config.check_top_digests;
    pc.on_regression = config.on_plan_regression == "fail"   ? engine::OnPlanRegression::kFail
                       : config.on_plan_regression == "warn" ? engine::OnPlanRegression::kWarn
                                                             : engine::OnPlanRegression::kPostpone;
    std::optional<std::chrono::seconds> kill;
    if (config.kill_blockers_after_seconds) kill = std::chrono::seconds(*config.kill_blockers_after_seconds);
    preflight = engine::phased_preflight(*conn, plan, pc, kill);
    if (!preflight.refusals.empty()) {
      std::string text = "the phased-change flags cannot be honoured:";
      for (const auto& r : preflight.refusals) text += "\n  - " + r;
      return refuse(text);
    }
  }
  if (!config.execute) {
    const auto deferral =
        engine::decide_key_deferral(config.defer_secondary_indexes, plan, !config.throttle_control_replicas.empty());
    engine::CostEstimate cost;
    try {
      cost = engine::estimate_cost(*conn, plan, !config.skip_checksum, deferral.defer, !config.no_checksum_during_copy);
    } catch (const engine::SqlError& e) {
      cost.warnings.push_back(std::string("no cost estimate: ") + e.what());
    }
    // What the run will do, as engine/cutover/instant_phase.cpp decides it: else the copy's costs.
    cost.instant = plan.instant.possible && !config.no_attempt_instant && plan.mapping.backfills.empty() &&
                   config.keep_old_table_in_sync_seconds == 0 && config.check_queries.empty();
    if (config.plan_format == "json") {
      std::string json = engine::plan_json(plan, cost);
      // The CLI's own fields go at the end of the engine's object.
      auto add = [&json](const std::string& key, const std::string& value) {
        if (!json.empty() && json.back() == '}') json.insert(json.size() - 1, ",\"" + key + "\":" + value);
      };
      add("secondary_keys", nlohmann::json{{"deferred", deferral.defer}, {"reason", deferral.reason}}.dump());
      if (!preflight.json.empty()) add("phased_checks", preflight.json);
      std::cout << json << "\n";
      return kExitOk;
    }
    std::cout << plan.describe()
              << "  secondary keys:  " << (deferral.defer ? "built after the copy (" : "kept through the copy (")
              << deferral.reason << ")\n"
              << engine::describe_cost(cost, plan) << preflight.text
              << "\nDry run: nothing was changed. Add --execute to migrate.\n";
    return kExitOk;
  }
  std::cout << plan.describe() << std::flush;
  // What the migration will not carry goes to the log too, not only to the plan on stdout.
  for (const auto& n : plan.notes)
    if (n.find("NOT carried") != std::string::npos) spdlog::warn("{}", n);
  return run_migration(config, plan, *conn, display);
}

}  // namespace ghostcut::cli
