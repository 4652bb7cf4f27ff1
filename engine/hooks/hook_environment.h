// What a hook learns about the migration: the hook names and the environment a hook runs with.
// Each value is set under ghostcut's name (GHOSTCUT_*) and, where gh-ost has one, under gh-ost's
// (GH_OST_*, doc/hooks.md), so gh-ost hooks work unchanged. PURE.
// Secrets never reach a hook: inherited variables named GHOSTCUT_PASSWORD, MYSQL_PWD or containing
// PASSWORD or PASSWD (any case) are dropped.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ghostcut::engine {

inline constexpr std::string_view kHookOnStartup = "on-startup";
inline constexpr std::string_view kHookOnValidated = "on-validated";
inline constexpr std::string_view kHookOnRowCopyComplete = "on-row-copy-complete";
inline constexpr std::string_view kHookOnBeginPostponed = "on-begin-postponed";
inline constexpr std::string_view kHookOnBeforeCutOver = "on-before-cut-over";
inline constexpr std::string_view kHookOnSuccess = "on-success";
inline constexpr std::string_view kHookOnFailure = "on-failure";
inline constexpr std::string_view kHookOnStatus = "on-status";
inline constexpr std::string_view kHookOnThrottled = "on-throttled";
inline constexpr std::string_view kHookOnBeforeRowCopy = "on-before-row-copy";
inline constexpr std::string_view kHookOnBeforeRevert = "on-before-revert";
inline constexpr std::string_view kHookOnRevertSuccess = "on-revert-success";
inline constexpr std::string_view kHookOnRevertFailure = "on-revert-failure";
inline constexpr std::array<std::string_view, 13> kHookNames = {
    kHookOnStartup,      kHookOnValidated,     kHookOnRowCopyComplete, kHookOnBeginPostponed, kHookOnBeforeCutOver,
    kHookOnSuccess,      kHookOnFailure,       kHookOnStatus,          kHookOnThrottled,      kHookOnBeforeRowCopy,
    kHookOnBeforeRevert, kHookOnRevertSuccess, kHookOnRevertFailure};
bool is_hook_name(std::string_view name);

// gh-ost's rule (go/logic/migrator.go): a failing hook of these stops the migration before the
// cut-over (the original table stays as it is). A failing on-success makes the run exit non-zero
// although the table is migrated; the others (on-status, on-throttled, on-failure, ...) are logged.
bool hook_failure_stops_migration(std::string_view name);

// A hook file belongs to `hook` when its name starts with the hook's name, or with gh-ost's
// ("gh-ost-" + the name): on-startup, on-startup-2-notify, gh-ost-on-startup--mail, ... all run
// for on-startup, in name order.
bool hook_file_matches(std::string_view hook, std::string_view file_name);

struct HookContext {
  std::string database, table, ghost_table, old_table, alter;
  std::string state;            // e.g. "copying", "postponing cut-over"
  std::string binlog_position;  // e.g. "mysql-bin.000042:1234"
  std::string throttle_reason;  // on-throttled
  std::string failure_message;  // on-failure
  std::string status;           // the status line (on-status; gh-ost's GH_OST_STATUS)
  std::uint64_t rows_copied = 0, rows_estimated = 0;
  std::chrono::seconds elapsed{0};
  std::string executing_host;            // where ghostcut runs
  std::string migrated_host;             // the server, host:port
  std::chrono::seconds copy_elapsed{0};  // the row copy's time so far (GH_OST_ELAPSED_COPY_SECONDS)
  double lag_seconds = 0;                // the applier's lag (GH_OST_INSPECTED_LAG, GH_OST_HEARTBEAT_LAG)
  std::int64_t eta_seconds = -1;         // -1: unknown (GH_OST_ETA_SECONDS is then empty)
  std::string hooks_hint, hooks_hint_owner, hooks_hint_token;  // --hooks-hint, -owner, -token
  bool dry_run = false;                                        // GH_OST_DRY_RUN
  bool revert = false;                                         // GH_OST_REVERT: the reverse sync / revert hooks
  std::string plan_regressions;  // #15 plan check: each regressed query with both plans (empty: none)
};

// Every variable below is always set (empty or 0 when unknown):
//   GHOSTCUT_HOOK                                  the hook name
//   GHOSTCUT_DATABASE_NAME       GH_OST_DATABASE_NAME
//   GHOSTCUT_TABLE_NAME          GH_OST_TABLE_NAME
//   GHOSTCUT_GHOST_TABLE_NAME    GH_OST_GHOST_TABLE_NAME
//   GHOSTCUT_OLD_TABLE_NAME      GH_OST_OLD_TABLE_NAME
//   GHOSTCUT_DDL                 GH_OST_DDL
//   GHOSTCUT_COPIED_ROWS         GH_OST_COPIED_ROWS
//   GHOSTCUT_ESTIMATED_ROWS      GH_OST_ESTIMATED_ROWS
//   GHOSTCUT_PROGRESS            GH_OST_PROGRESS          percent copied, 0-100, one decimal
//   GHOSTCUT_ELAPSED_SECONDS     GH_OST_ELAPSED_SECONDS
//   GHOSTCUT_EXECUTING_HOST      GH_OST_EXECUTING_HOST
//   GHOSTCUT_MIGRATED_HOST       GH_OST_MIGRATED_HOST, GH_OST_INSPECTED_HOST
//   GHOSTCUT_STATUS              GH_OST_STATUS
//   GHOSTCUT_STATE, GHOSTCUT_BINLOG_POSITION, GHOSTCUT_THROTTLE_REASON, GHOSTCUT_FAILURE_MESSAGE
//   GHOSTCUT_PLAN_REGRESSIONS                      the plan check's regressed queries and both plans
//   GHOSTCUT_ELAPSED_COPY_SECONDS GH_OST_ELAPSED_COPY_SECONDS
//   GHOSTCUT_LAG_SECONDS         GH_OST_INSPECTED_LAG, GH_OST_HEARTBEAT_LAG   seconds, 3 decimals
//   GHOSTCUT_ETA_SECONDS         GH_OST_ETA_SECONDS       empty when unknown
//   GHOSTCUT_HOOKS_HINT          GH_OST_HOOKS_HINT (and _OWNER, _TOKEN)
//   GHOSTCUT_DRY_RUN             GH_OST_DRY_RUN           true/false
//   GHOSTCUT_REVERT              GH_OST_REVERT            true/false
//   GH_OST_INSTANT_DDL           false (on-success; ghostcut's migrations copy)
// `inherited` (environ; may be null) passes through, minus secrets and minus the names above.
std::vector<std::string> hook_environment(std::string_view hook, const HookContext& ctx, char** inherited);

// True for names whose value must never reach a child process.
bool is_secret_variable(std::string_view name);

}  // namespace ghostcut::engine
