#include "engine/resume/resume.h"

#include <stdexcept>

#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {

std::vector<std::string> binary_logs(SqlConnection& conn) {
  const auto t = conn.query("SHOW BINARY LOGS");
  std::vector<std::string> out;
  for (std::size_t r = 0; r < t.size(); ++r)
    if (t.rows[r].size() > 0 && t.rows[r][0]) out.push_back(*t.rows[r][0]);
  return out;
}

void require_binlog_present(SqlConnection& conn, const binlog::BinlogPosition& pos) {
  const auto logs = binary_logs(conn);
  for (const auto& f : logs)
    if (f == pos.file) return;
  throw ResumeRefused(
      "cannot resume: the checkpointed binlog position " + pos.to_string() + " is gone — binary log " + pos.file +
      " is no longer on the server (purged: binlog_expire_logs_seconds / expire_logs_days or PURGE BINARY LOGS; it "
      "now starts at " +
      (logs.empty() ? std::string("nothing") : logs.front()) +
      "), so the changes made since the interrupted run cannot be replayed into the ghost table. Start over with "
      "--no-resume (the earlier run's tables are dropped and the copy starts from the first row); keep binary logs "
      "longer than a migration may stay interrupted");
}

ResumeDecision decide_resume(const std::optional<Checkpoint>& found, const PlanIdentity& now, bool ghost_exists,
                             bool no_resume) {
  if (no_resume) return {ResumeVerdict::kFresh, "--no-resume: starting over"};
  // Without a checkpoint the tables may belong to an older ghostcut that is still running (it takes
  // no run lock): never drop them unasked.
  if (!found)
    return {ResumeVerdict::kRefuse,
            "the tables left by an earlier run hold no checkpoint (an older ghostcut, or a run that died in its first "
            "second): make sure no ghostcut runs on the table, then start over with --no-resume"};
  const auto diff = plan_differences(found->plan, now);
  if (!diff.empty())
    return {ResumeVerdict::kRefuse,
            "the tables left by an interrupted run belong to a different migration: " + join(diff, "; ") +
                ". Finish that migration with its own command, or start this one over with --no-resume (which "
                "drops the earlier run's tables)"};
  if (!ghost_exists)
    return {ResumeVerdict::kRefuse, "a checkpoint was found but the ghost table is gone; start over with --no-resume"};
  if (found->phase == "done")
    return {ResumeVerdict::kRefuse,
            "the checkpoint says the earlier run finished (phase done); its leftovers need a look by hand, or "
            "--no-resume"};
  if (found->applied.empty())
    return {ResumeVerdict::kFresh, "the earlier run died before its stream started: nothing to resume, starting over"};
  return {ResumeVerdict::kResume,
          "resuming the interrupted run from phase '" + found->phase + "', binlog " + found->applied.to_string()};
}

}  // namespace ghostcut::engine
