// Resume decisions: whether a run that finds an earlier run's tables resumes it, starts over, or
// refuses, and whether the binlog it would stream from is still on the server.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "binlog/position.h"
#include "engine/resume/checkpoint.h"

namespace ghostcut::engine {

class SqlConnection;

// A resume that must not happen (a different plan, a purged binlog, no checkpoint): nothing was
// touched; the message says why and what to do.
class ResumeRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The binary log files the server still has (SHOW BINARY LOGS: MySQL 5.7–9 and MariaDB alike).
std::vector<std::string> binary_logs(SqlConnection& conn);
// Throws ResumeRefused naming the missing file and the way forward when `pos`'s file has
// been purged (or rotated away): the changes since the checkpoint are gone, so the ghost table can
// no longer be brought up to date.
void require_binlog_present(SqlConnection& conn, const binlog::BinlogPosition& pos);

enum class ResumeVerdict {
  kFresh,   // --no-resume (or nothing to resume): start over, dropping the earlier run's tables
  kResume,  // same plan, resumable phase: continue from the checkpoint
  kRefuse,  // a different plan, or a checkpoint that cannot be resumed: refuse, original untouched
};

struct ResumeDecision {
  ResumeVerdict verdict = ResumeVerdict::kFresh;
  std::string reason;  // for the log (kResume) or the refusal (kRefuse)
};

// `found`: the checkpoint read from t_ghc (nullopt: none); `ghost_exists`: t_gho is there. Called
// only when an earlier run's tables exist. No checkpoint, a missing ghost table, a finished run or
// a different plan is refused; --no-resume starts over.
ResumeDecision decide_resume(const std::optional<Checkpoint>& found, const PlanIdentity& now, bool ghost_exists,
                             bool no_resume);

}  // namespace ghostcut::engine
