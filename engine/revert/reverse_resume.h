// Resuming a reverse sync after the ghostcut that kept it died or was stopped (`ghostcut revert`,
// or the same `migrate --keep-old-table-in-sync` command again). Everything is checked before
// anything is touched, and each refusal says why and what to do:
//   another ghostcut holds the table's run lock (TableBusy, naming it);
//   t_ghc holds no reverse sync checkpoint (the sync was never on, or it ended: window, revert);
//   the sync had stopped (a change with no exact image in the old schema: a revert would lose it);
//   the revert window has passed;
//   t or t_del is not what the checkpoint describes (changed, dropped, or already swapped back);
//   the checkpointed binary log has been purged (the changes since cannot be replayed);
//   a restarted `migrate` names a different ALTER, or the ghostcut version differs.
// The reverse plan is not stored: it is derived again as the migration derived it (the Inspector on
// t_del with the checkpointed ALTER, names set back to t's), and that plan's identity must equal
// the checkpointed one (fingerprints of t_del's and t's definitions, chunk key, ALTER, version).
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include "common/connection_settings.h"
#include "engine/inspect/plan.h"
#include "engine/resume/run_guard.h"
#include "engine/revert/reverse_checkpoint.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

// A reverse sync that must not be resumed: nothing was touched; the message says why.
class RevertRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReverseResume {
  std::unique_ptr<RunGuard> guard;  // the table's run lock, held from the checks on
  ReverseCheckpoint checkpoint;
  MigrationPlan forward;  // the migration's plan as it was: t the new table, t_del the old
};

// Whether `table`'s changelog table holds a reverse sync checkpoint (read-only).
bool has_reverse_sync_checkpoint(SqlConnection& conn, const std::string& database, const std::string& table);

// Takes the run lock and checks everything above. `alter`: a restarted migrate's ALTER (it must be
// the checkpointed one); null for `ghostcut revert`. Throws TableBusy or RevertRefused.
ReverseResume prepare_reverse_resume(const ConnectionSettings& settings, SqlConnection& conn,
                                     const std::string& database, const std::string& table, const std::string& version,
                                     const std::string* alter, std::shared_ptr<spdlog::logger> logger);

}  // namespace ghostcut::engine
