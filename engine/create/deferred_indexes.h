// --defer-secondary-indexes (#19): the ghost is copied into without its plain secondary keys, which
// are built after the copy in one ALTER … ADD KEY (the server's sorted index build, faster than
// maintaining every key row by row), while the applier keeps writing (ALGORITHM=INPLACE, LOCK=NONE).
// Unique keys are never deferred: the copy and the applier rely on them (a duplicate must fail the
// copy as native ALTER's 1062 would). Whatever the flag, the step after the copy adds back what the
// ghost lacks — a resumed run whose first run deferred finishes the job — and then proves the ghost's
// definition is the one the ALTER produced on the scratch copy (the plan), before any cut-over.
// The index build is one DDL statement: a replica replays it serially, so it lags by its duration;
// hence the default, auto, defers only where no replica reads the binlog.
#pragma once
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ghostcut::engine {

class SqlConnection;
struct MigrationContext;
struct MigrationPlan;

enum class KeyDeferral { kAuto, kOn, kOff };

struct SecondaryKey {
  std::string name;
  std::string definition;  // as SHOW CREATE TABLE prints it: "KEY `k` (`a`,`b`(10)) COMMENT 'x'"
};

// The plain (non-unique, non-fulltext, non-spatial) secondary keys of a SHOW CREATE TABLE text, in
// their order. PURE.
std::vector<SecondaryKey> plain_secondary_keys(std::string_view create_statement);

// "DROP KEY `a`, DROP KEY `b`" and "ADD KEY `a` (…), ADD KEY `b` (…)". PURE.
std::string drop_keys_clause(const std::vector<SecondaryKey>& keys);
std::string add_keys_clause(const std::vector<SecondaryKey>& keys);

// Whether this run copies without the plain secondary keys, and why (for the log and the dry run).
struct DeferralDecision {
  bool defer = false;
  std::string reason;
};
// auto defers when the server shows no session reading its binlog and no replica is lag-checked:
// then no replica replays the build as one long statement. PURE.
DeferralDecision decide_key_deferral(KeyDeferral mode, const MigrationPlan& plan, bool lag_checked_replicas);

// After the ghost is created: drop its plain secondary keys (the plan's), to be built after the copy.

void defer_secondary_indexes(const MigrationContext& m, SqlConnection& c, const std::string& reason);

// After the copy, always: add the plan's plain secondary keys the ghost lacks, then check the ghost's
// definition equals the plan's (AUTO_INCREMENT aside); a difference fails the run, original intact.
// On its own connection, done again on a new one when that is lost.
void complete_ghost_indexes(MigrationContext& m);

// complete_ghost_indexes on a thread of its own, from construction; wait() returns when it is done
// (again and again) and throws what it threw. The destructor waits too: the build is one
// statement the server finishes anyway, and the migration's context must outlive it.
class KeyBuild {
 public:
  explicit KeyBuild(MigrationContext& m);
  ~KeyBuild();
  KeyBuild(const KeyBuild&) = delete;
  KeyBuild& operator=(const KeyBuild&) = delete;
  void wait();

 private:
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace ghostcut::engine
