// MigrationContext: what every phase of one migration shares — its configuration, plan, queries,
// connection settings, live settings, counters, status, hooks, logger and the stop signals.
#pragma once
#include <chrono>
#include <memory>
#include <stop_token>
#include <string>

#include "common/connection_settings.h"
#include "engine/control/runtime_settings.h"
#include "engine/hooks/hook_queue.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/migration_status.h"
#include "engine/metrics/progress.h"
#include "engine/migration_config.h"
#include "engine/sql/query_builder.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class ResumeSession;

// A hook whose failure stops the migration failed (before the cut-over: the original is untouched).
class HookFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MigrationContext {
  const MigratorConfig& config;
  const MigrationPlan& plan;
  const QueryBuilder& qb;
  ConnectionSettings cs;  // database = the table's
  RuntimeSettings& runtime;
  ProgressCounters& progress;
  MigrationStatus& status;
  HookQueue& hooks;
  std::shared_ptr<spdlog::logger> log;
  std::stop_token stop;             // the caller's: an interrupt
  std::stop_source abort;           // stops every worker when one part fails; follows `stop`
  ResumeSession* resume = nullptr;  // the run lock and the checkpoint (engine/resume)

  HookContext hook_context(std::string failure = {}) const;
  // Runs a hook whose failure stops the migration (gh-ost's rule, hook_failure_stops_migration):
  // throws HookFailed when it fails or times out.
  void run_gating_hook(std::string_view name) const;
  // Sleeps up to `d`; returns early when a live setting changes after `seen` or the run aborts.
  void wait_for_change(std::uint64_t seen, std::chrono::milliseconds d) const {
    runtime.wait_for_change(abort.get_token(), seen, d);
  }
  // Sleeps up to `d`; returns early when the run aborts.
  void sleep(std::chrono::milliseconds d) const;
};

}  // namespace ghostcut::engine
