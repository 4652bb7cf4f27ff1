// What a migration is told (MigratorConfig) and what it reports (MigrationResult); shared by the
// Migrator and its phases.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/connection_settings.h"
#include "engine/apply/applier.h"
#include "engine/control/control_server.h"
#include "engine/copy/copier.h"
#include "engine/create/deferred_indexes.h"
#include "engine/cutover/cutover.h"
#include "engine/metrics/progress.h"
#include "engine/schedule/clock.h"
#include "engine/sql/changelog.h"
#include "engine/throttle/throttler.h"
#include "engine/verify/checksum.h"
#include "engine/verify/plan_check_config.h"

namespace ghostcut::engine {

struct MigratorConfig {
  ConnectionSettings connection;  // database = the table's database
  std::uint32_t server_id = 0;    // our replica id for the binlog stream
  std::chrono::milliseconds heartbeat_interval{kDefaultHeartbeatInterval};
  std::chrono::milliseconds cut_over_lag_threshold{1000};
  // Binlog first: while the applier is further behind the binlog than this, the copy starts no new
  // chunk (it goes on once the lag is back under half of it); 0: never wait.
  std::chrono::milliseconds max_applier_lag{kDefaultMaxApplierLag};
  std::chrono::seconds progress_interval{5};
  std::string postpone_flag_file;  // cut-over waits while this file exists
  bool drop_leftover_tables = false;
  bool ok_to_drop_table = false;    // drop t_del after a successful cut-over
  bool cleanup_on_failure = false;  // drop t_gho and t_ghc when the migration fails
  CopierConfig copier;              // wait_if_throttled is set by the Migrator (the Throttler)
  ApplierConfig applier;            // on_conflict is set by the Migrator (binlog first)
  CutOverConfig cut_over;
  // Before the first cut-over: compare both tables as of one instant (engine/verify/checksum.h),
  // repair differing rows; a difference that persists fails the migration with the original untouched.
  bool checksum = true;
  std::uint64_t checksum_chunk_rows = 10000;
  // Lock-free snapshots where the server tells their binlog position (checksum.h); false takes
  // the LOCK TABLES instant, as on MySQL (tests cover that path on MariaDB this way).
  bool checksum_lock_free = true;
  // Compare the chunks already copied while the copy goes on (engine/verify/checksum_behind_copy.h),
  // where that needs no lock; the checksum after the copy starts where it got to.
  bool checksum_during_copy = true;
  // Copy without the ghost's plain secondary keys, built after the copy (engine/create/deferred_indexes.h);
  // auto: when no replica would replay the build as one long statement.
  KeyDeferral defer_secondary_indexes = KeyDeferral::kAuto;
  // ANALYZE TABLE on the ghost before the cut-over (engine/verify/analyze_phase.h).
  bool analyze_ghost = true;
  // After the cut-over, keep the old table in sync this long so `revert` can swap it back with
  // nothing lost (engine/revert/); 0: off.
  std::chrono::seconds keep_old_table_in_sync{0};
  // #15: do an ALTER the server can do as metadata-only natively (ALGORITHM=INSTANT) instead of the
  // copy, retried at the cut-over's gate (engine/cutover/instant_phase.h); false: always copy.
  // Off for an engine caller (tests of the copy add columns); the CLI turns it on unless
  // --no-attempt-instant.
  bool attempt_instant = false;
  // #15: query plans compared on both tables before each cut-over attempt (engine/verify/plan_check.h),
  // and --kill-blockers-after: metadata-lock holders older than this are killed before each
  // cut-over or instant attempt (engine/cutover/blockers.h); nullopt: never.
  PlanCheckConfig plan_check;
  std::optional<std::chrono::seconds> kill_blockers_after;
  // Test seam: runs after the copy, before the deferred keys are built and the checksum runs.
  std::function<void()> after_copy;

  // Control socket / TCP port (neither: no control server). Served on the stream's io thread.
  ControlServerConfig control;
  // Throttling. The Migrator fills in the connections, database and changelog table.
  ThrottlerConfig throttle;

  // Cut-over scheduling: windows come from RuntimeSettings::cut_over_windows() (window= changes them).
  std::optional<double> cut_over_when_quiet;  // row changes/s
  std::chrono::seconds quiet_window{60};
  std::optional<std::chrono::system_clock::time_point> cut_over_deadline;
  bool cut_over_at_deadline = false;
  WallClock clock;  // empty: the system clock
  // A failed on-before-cut-over hook postpones the cut-over this long before it is tried again.
  std::chrono::milliseconds hook_retry_interval{5000};

  // Hooks (empty path: none).
  std::string hooks_path;
  std::chrono::milliseconds hooks_timeout{60000};
  std::chrono::seconds hooks_status_interval{60};
  std::string hooks_hint, hooks_hint_owner, hooks_hint_token;  // gh-ost's --hooks-hint* (GH_OST_HOOKS_HINT*)

  // Prometheus /metrics (nullopt: off; 0 = any free port).
  std::optional<std::uint16_t> metrics_port;
  std::string metrics_bind = "127.0.0.1";

  // Called about once a second with the current status (a TTY status line listens).
  std::function<void(const ProgressSnapshot&)> on_status;

  // Resume (engine/resume): an interrupted run's t_gho/t_ghc whose checkpoint holds this same plan
  // are resumed (false: --no-resume). The version is part of the plan's identity.
  bool resume = true;
  std::string version;
  std::chrono::milliseconds checkpoint_interval{1000};
};

// A cut-over error that is not a cleanly undone attempt: the message says what the tables look
// like now. swapped(): the rename happened (the original table is no longer in place).
class CutOverStateError : public std::runtime_error {
 public:
  CutOverStateError(const std::string& what, bool swapped) : std::runtime_error(what), swapped_(swapped) {}
  bool swapped() const noexcept { return swapped_; }

 private:
  bool swapped_;
};

// --keep-old-table-in-sync: how the reverse sync ended.
struct RevertResult {
  bool reverted = false;   // the old table is `t` again, the new one `t_rev`
  std::string stopped;     // why the sync or the revert ended early (empty: the window ran out, or reverted)
  bool resumable = false;  // interrupted: its checkpoint in t_ghc is kept for a restart (`ghostcut revert`)
  CutOverResult cut_over;  // of the revert
};

// The instant ALTER (engine/cutover/instant_phase.h).
struct InstantResult {
  bool done = false;     // the ALTER was done natively; nothing was copied
  std::string declined;  // why the copy was taken instead (empty when done)
  int attempts = 0;
  // Of the successful attempt: from sending the ALTER to its end — its metadata-lock wait plus the
  // metadata change, the longest any writer queued behind it can have waited.
  std::chrono::milliseconds stall{0};
};

struct MigrationResult {
  std::uint64_t rows_copied = 0;
  std::uint64_t events_applied = 0;
  CutOverResult cut_over;
  std::optional<ChecksumResult> checksum;  // when it ran
  std::optional<RevertResult> revert;      // with --keep-old-table-in-sync
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds peak_lag{0};
  std::optional<InstantResult> instant;  // when it was considered
  bool resumed = false;                  // continued an interrupted run
  std::uint64_t rows_skipped = 0;        // rows that run had copied, not copied again
  std::string success_hook_failure;      // on-success failed (the table IS migrated); the run exits non-zero
};

}  // namespace ghostcut::engine
