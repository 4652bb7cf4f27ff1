// The reverse sync's checkpoint (--keep-old-table-in-sync): what a restarted ghostcut needs to go on
// keeping the old table in sync, or to revert (`ghostcut revert`), after the syncing process died.
// It lives in the migration's changelog table t_ghc, which outlives the cut-over for exactly as long
// as the reverse sync runs (it carries the reverse sync's heartbeats; it is dropped when the sync
// ends by its window or by a revert), in rows 40..48 beside the forward checkpoint's 16..31:
//   plan     — the forward migration's identity (ALTER, fingerprints of t_del and of t, chunk key,
//              version): a restart re-derives the reverse plan from t_del + the ALTER and checks it;
//   tables   — t and t_del;
//   binlog   — the last fully applied binlog position (a transaction end), and whether the stream
//              has passed the cut-over's RENAME (before it, a restart skips up to it again);
//   until    — the revert deadline (Unix seconds);
//   state    — syncing, reverting, reverted, ended, or "stopped: <why>" (a revert would lose writes).
// Older is safe here too: an older position only replays more (the applier is idempotent).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "binlog/position.h"
#include "engine/resume/checkpoint.h"

namespace ghostcut::engine {

class SqlConnection;

struct ReverseCheckpoint {
  PlanIdentity plan;                // of the forward migration (old_schema: t_del, new_schema: t)
  std::string table, old_table;     // "t", "t_del"
  binlog::BinlogPosition applied;   // a transaction end
  bool past_rename = false;         // `applied` is after the cut-over's RENAME
  std::int64_t until_epoch = 0;     // a revert is possible until then (Unix seconds)
  std::string state;                // "syncing", "reverting", "reverted", "ended", "stopped: <why>"
  std::int64_t written_micros = 0;  // set by read(): wall-clock micros of the newest write
};

class ReverseCheckpointStore {
 public:
  ReverseCheckpointStore(std::string database, std::string changelog_table);
  // One atomic upsert of every row.
  void write(SqlConnection& conn, const ReverseCheckpoint& c) const;
  // nullopt: the changelog table or the reverse checkpoint rows are absent.
  std::optional<ReverseCheckpoint> read(SqlConnection& conn) const;

 private:
  std::string database_, table_;
};

}  // namespace ghostcut::engine
