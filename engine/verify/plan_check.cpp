#include "engine/verify/plan_check.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "engine/sql/sql_connection.h"
#include "engine/verify/plan_compare.h"
#include "engine/verify/plan_queries.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;
// A held attempt is re-checked at most this often (EXPLAIN is cheap, but the gate polls at 50 ms).
constexpr auto kPlanRecheck = std::chrono::seconds(1);

const char* plan_action_name(OnPlanRegression a) {
  switch (a) {
    case OnPlanRegression::kFail: return "fail";
    case OnPlanRegression::kWarn: return "warn";
    default: return "postpone";
  }
}

struct PlanFinding {
  const PlanCheck::Query* q;
  std::string before, after;  // described plans
  std::string regression;     // empty: none
};

}  // namespace

PlanCheck::PlanCheck(MigrationContext& m) : m_(m) {}
PlanCheck::~PlanCheck() = default;

void PlanCheck::collect(SqlConnection& c) {
  collected_ = true;
  const auto& cfg = m_.config.plan_check;
  auto add = [&](const std::string& sql, const std::string& source) -> bool {
    if (auto why = not_a_select(sql)) {
      m_.log->warn("plan check: not checked ({}): {}", *why, sql);
      return false;
    }
    for (const auto& q : queries_)
      if (q.sql == sql) return false;
    std::string why;
    auto ghost = swap_table(sql, m_.plan.database, m_.plan.table, m_.plan.ghost_table, &why);
    if (!ghost) {
      if (source == "file") m_.log->warn("plan check: not checked ({}): {}", why, sql);
      return false;
    }
    queries_.push_back({sql, source, std::move(*ghost)});
    return true;
  };
  for (const auto& q : cfg.queries) add(q, "file");
  const auto from_file = queries_.size();
  if (cfg.top_digests <= 0) {
    m_.log->info("plan check: {} statement(s) from {}", from_file, cfg.source);
    return;
  }
  std::string digests = "no digests";
  try {
    if (c.query(digests_on_query(m_.plan.server)).scalar().value_or("0") != "1") {
      digests = "no digests (performance_schema is off)";
    } else {
      const auto r = c.query(top_digests_query(m_.plan.server, cfg.top_digests * 4),
                             {m_.plan.database, digest_like(m_.plan.table)});
      int taken = 0, no_sample = 0;
      for (const auto& row : r.rows) {
        if (taken >= cfg.top_digests) break;
        const auto& sample = row.at(1);
        if (!sample) {
          ++no_sample;
          continue;
        }
        if (sample->find("/* ghostcut ") != std::string::npos) continue;  // our own
        if (add(*sample, "digest (" + row.at(2).value_or("?") + " executions)")) ++taken;
      }
      digests = std::to_string(taken) + " top digest(s)";
      if (no_sample)
        digests += "; " + std::to_string(no_sample) +
                   " digest(s) without a statement text (MariaDB keeps texts only in "
                   "events_statements_history[_long], for recent statements, when those consumers are on)";
    }
  } catch (const std::exception& e) {
    digests = std::string("no digests (") + e.what() + ")";
  }
  m_.log->info("plan check: {} statement(s) from {}, {}", from_file, cfg.source.empty() ? "no file" : cfg.source,
               digests);
}

std::optional<std::string> PlanCheck::hold() {
  const auto& cfg = m_.config.plan_check;
  if (!cfg.enabled()) return std::nullopt;
  const auto now = Clock::now();
  const auto version = m_.runtime.version();
  if (last_hold_ && now - last_check_ < kPlanRecheck && version == last_version_ && !m_.runtime.cut_over_requested())
    return last_hold_;
  last_check_ = now;
  last_version_ = version;
  // The server out of reach is not a reason to fail the migration; not a reason to switch
  // unchecked either (unless only warnings were asked for): ask again before the next attempt.
  auto unreachable = [&](const std::string& what, const SqlError& e) -> std::optional<std::string> {
    conn_.reset();
    m_.log->warn("plan check: {} ({}); asking again before the next attempt", what, e.what());
    if (cfg.on_regression == OnPlanRegression::kWarn) return std::nullopt;
    last_hold_ = "plan check: " + what + " (" + e.what() + ")";
    return last_hold_;
  };
  try {
    if (!conn_) conn_ = SqlConnection::open(m_.cs);
    if (!collected_) collect(*conn_);
  } catch (const SqlError& e) {
    return unreachable("cannot reach the server", e);
  }
  if (queries_.empty()) return std::nullopt;

  // Tagged, so a process list (and --kill-blockers-after) tells these sessions as ghostcut's.
  const auto prefix = explain_prefix(m_.plan.server) + "/* ghostcut plan check */ ";
  std::vector<PlanFinding> findings;
  int checked = 0, regressed = 0;
  for (const auto& q : queries_) {
    PlanFinding f{&q, {}, {}, {}};
    ExplainPlan before;
    try {
      before = explain_plan(conn_->query(prefix + q.sql));
    } catch (const SqlError& e) {
      if (e.connection_lost()) return unreachable("connection lost", e);
      if (warned_.find(q.sql + "\n") == std::string::npos)
        m_.log->warn("plan check: cannot EXPLAIN on the original ({}); not checked: {}", e.what(), q.sql);
      warned_ += q.sql + "\n";
      continue;
    }
    ++checked;
    f.before = describe_plan(before);
    try {
      const auto after = explain_plan(conn_->query(prefix + q.ghost_sql));
      f.after = describe_plan(after);
      f.regression = describe_regressions(compare_plans(before, after));
    } catch (const SqlError& e) {
      if (e.connection_lost()) return unreachable("connection lost", e);
      f.after = std::string("error: ") + e.what();
      f.regression = std::string("fails on the new schema: ") + e.what();
    }
    if (!f.regression.empty()) ++regressed;
    findings.push_back(std::move(f));
  }

  // status (text + JSON) and the hooks' GHOSTCUT_PLAN_REGRESSIONS
  std::string text = "# plan check: " + std::to_string(checked) + " statement(s) checked, " +
                     std::to_string(regressed) +
                     " regression(s) (--on-plan-regression=" + plan_action_name(cfg.on_regression) + ")\n";
  auto list = nlohmann::ordered_json::array();
  std::string first;
  for (const auto& f : findings) {
    if (f.regression.empty()) continue;
    text += "#   query (" + f.q->source + "): " + f.q->sql + "\n#     original: " + f.before +
            "\n#     ghost:    " + f.after + "\n#     regression: " + f.regression + "\n";
    nlohmann::ordered_json j;
    j["query"] = f.q->sql;
    j["source"] = f.q->source;
    j["original_plan"] = f.before;
    j["ghost_plan"] = f.after;
    j["regression"] = f.regression;
    list.push_back(std::move(j));
    if (first.empty())
      first = "`" + f.q->sql + "`: " + f.regression + " (original: " + f.before + "; ghost: " + f.after + ")";
  }
  nlohmann::ordered_json summary;
  summary["checked"] = checked;
  summary["on_regression"] = plan_action_name(cfg.on_regression);
  summary["regressions"] = std::move(list);
  m_.status.set_plan_check(regressed ? text : std::string(),
                           summary.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));

  if (!regressed) {
    if (last_hold_ || last_logged_ != "ok")
      m_.log->info("plan check: {} statement(s) explained on both tables, no regression", checked);
    last_logged_ = "ok";
    last_hold_.reset();
    return std::nullopt;
  }
  if (text != last_logged_) {
    m_.log->warn("plan check: regression in {} of {} statement(s):\n{}", regressed, checked, text);
    last_logged_ = text;
  }
  const std::string why = "plan regression in " + std::to_string(regressed) + " of " + std::to_string(checked) +
                          " statement(s): " + first + (regressed > 1 ? "; …" : "");
  if (cfg.on_regression == OnPlanRegression::kFail)
    throw PlanRegressionFailure(why + " (--on-plan-regression=fail; the original is intact)");
  if (cfg.on_regression == OnPlanRegression::kWarn) return std::nullopt;
  if (m_.runtime.cut_over_requested()) {
    m_.log->warn("plan check: the operator's cut-over goes ahead despite the {}", why);
    last_hold_.reset();
    return std::nullopt;
  }
  last_hold_ = why + " — add the index, or `cut-over` to go ahead anyway";
  return last_hold_;
}

}  // namespace ghostcut::engine
