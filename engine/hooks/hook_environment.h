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
inline constexpr std::array<std::string_view, 9> kHookNames = {
    kHookOnStartup,  kHookOnValidated, kHookOnRowCopyComplete, kHookOnBeginPostponed, kHookOnBeforeCutOver,
    kHookOnSuccess,  kHookOnFailure,   kHookOnStatus,          kHookOnThrottled};
bool is_hook_name(std::string_view name);

struct HookContext {
  std::string database, table, ghost_table, old_table, alter;
  std::string state;            // e.g. "copying", "postponing cut-over"
  std::string binlog_position;  // e.g. "mysql-bin.000042:1234"
  std::string throttle_reason;  // on-throttled
  std::string failure_message;  // on-failure
  std::string status;           // the status line (on-status; gh-ost's GH_OST_STATUS)
  std::uint64_t rows_copied = 0, rows_estimated = 0;
  std::chrono::seconds elapsed{0};
  std::string executing_host;  // where ghostcut runs
  std::string migrated_host;   // the server, host:port
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
// `inherited` (environ; may be null) passes through, minus secrets and minus the names above.
std::vector<std::string> hook_environment(std::string_view hook, const HookContext& ctx, char** inherited);

// True for names whose value must never reach a child process.
bool is_secret_variable(std::string_view name);

}  // namespace ghostcut::engine
