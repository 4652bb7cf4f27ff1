#include "engine/hooks/hook_environment.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

namespace ghostcut::engine {

bool is_hook_name(std::string_view name) {
  return std::find(kHookNames.begin(), kHookNames.end(), name) != kHookNames.end();
}

bool hook_failure_stops_migration(std::string_view name) {
  return name == kHookOnStartup || name == kHookOnValidated || name == kHookOnBeforeRowCopy ||
         name == kHookOnRowCopyComplete || name == kHookOnBeginPostponed || name == kHookOnBeforeCutOver;
}

bool hook_file_matches(std::string_view hook, std::string_view file_name) {
  if (file_name.substr(0, 7) == "gh-ost-") file_name.remove_prefix(7);
  return file_name.substr(0, hook.size()) == hook;
}

bool is_secret_variable(std::string_view name) {
  std::string upper(name);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper == "GHOSTCUT_PASSWORD" || upper == "MYSQL_PWD" || upper.find("PASSWORD") != std::string::npos ||
         upper.find("PASSWD") != std::string::npos;
}

std::vector<std::string> hook_environment(std::string_view hook, const HookContext& ctx, char** inherited) {
  double percent = 0;
  if (ctx.rows_estimated > 0)
    percent = std::min(100.0, 100.0 * static_cast<double>(ctx.rows_copied) / static_cast<double>(ctx.rows_estimated));
  char percent_text[32];
  std::snprintf(percent_text, sizeof percent_text, "%.1f", percent);
  char lag_text[32];
  std::snprintf(lag_text, sizeof lag_text, "%.3f", ctx.lag_seconds);

  // {ghostcut name, gh-ost names..., value}
  struct Var {
    std::vector<std::string_view> names;
    std::string value;
  };
  const std::vector<Var> vars = {
      {{"GHOSTCUT_HOOK"}, std::string(hook)},
      {{"GHOSTCUT_DATABASE_NAME", "GH_OST_DATABASE_NAME"}, ctx.database},
      {{"GHOSTCUT_TABLE_NAME", "GH_OST_TABLE_NAME"}, ctx.table},
      {{"GHOSTCUT_GHOST_TABLE_NAME", "GH_OST_GHOST_TABLE_NAME"}, ctx.ghost_table},
      {{"GHOSTCUT_OLD_TABLE_NAME", "GH_OST_OLD_TABLE_NAME"}, ctx.old_table},
      {{"GHOSTCUT_DDL", "GH_OST_DDL"}, ctx.alter},
      {{"GHOSTCUT_COPIED_ROWS", "GH_OST_COPIED_ROWS"}, std::to_string(ctx.rows_copied)},
      {{"GHOSTCUT_ESTIMATED_ROWS", "GH_OST_ESTIMATED_ROWS"}, std::to_string(ctx.rows_estimated)},
      {{"GHOSTCUT_PROGRESS", "GH_OST_PROGRESS"}, percent_text},
      {{"GHOSTCUT_ELAPSED_SECONDS", "GH_OST_ELAPSED_SECONDS"}, std::to_string(ctx.elapsed.count())},
      {{"GHOSTCUT_EXECUTING_HOST", "GH_OST_EXECUTING_HOST"}, ctx.executing_host},
      {{"GHOSTCUT_MIGRATED_HOST", "GH_OST_MIGRATED_HOST", "GH_OST_INSPECTED_HOST"}, ctx.migrated_host},
      {{"GHOSTCUT_STATUS", "GH_OST_STATUS"}, ctx.status},
      {{"GHOSTCUT_STATE"}, ctx.state},
      {{"GHOSTCUT_BINLOG_POSITION"}, ctx.binlog_position},
      {{"GHOSTCUT_THROTTLE_REASON"}, ctx.throttle_reason},
      {{"GHOSTCUT_FAILURE_MESSAGE"}, ctx.failure_message},
      {{"GHOSTCUT_PLAN_REGRESSIONS"}, ctx.plan_regressions},
      {{"GHOSTCUT_ELAPSED_COPY_SECONDS", "GH_OST_ELAPSED_COPY_SECONDS"}, std::to_string(ctx.copy_elapsed.count())},
      {{"GHOSTCUT_LAG_SECONDS", "GH_OST_INSPECTED_LAG", "GH_OST_HEARTBEAT_LAG"}, lag_text},
      {{"GHOSTCUT_ETA_SECONDS", "GH_OST_ETA_SECONDS"},
       ctx.eta_seconds < 0 ? std::string() : std::to_string(ctx.eta_seconds)},
      {{"GHOSTCUT_HOOKS_HINT", "GH_OST_HOOKS_HINT"}, ctx.hooks_hint},
      {{"GHOSTCUT_HOOKS_HINT_OWNER", "GH_OST_HOOKS_HINT_OWNER"}, ctx.hooks_hint_owner},
      {{"GHOSTCUT_HOOKS_HINT_TOKEN", "GH_OST_HOOKS_HINT_TOKEN"}, ctx.hooks_hint_token},
      {{"GHOSTCUT_DRY_RUN", "GH_OST_DRY_RUN"}, ctx.dry_run ? "true" : "false"},
      {{"GHOSTCUT_REVERT", "GH_OST_REVERT"}, ctx.revert ? "true" : "false"},
      {{"GH_OST_INSTANT_DDL"}, "false"},
  };
  const auto ours = [&](std::string_view name) {
    for (const auto& v : vars)
      if (std::find(v.names.begin(), v.names.end(), name) != v.names.end()) return true;
    return false;
  };

  std::vector<std::string> env;
  for (char** p = inherited; p && *p; ++p) {
    const std::string_view entry(*p);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = entry.substr(0, eq);
    if (is_secret_variable(name) || ours(name)) continue;
    env.emplace_back(entry);
  }
  for (const auto& v : vars)
    for (const auto name : v.names) env.push_back(std::string(name) + "=" + v.value);
  return env;
}

}  // namespace ghostcut::engine
