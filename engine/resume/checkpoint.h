// Checkpoint: what a later run needs to resume a migration that died (kill -9, OOM, reboot). It
// lives in the changelog table t_ghc, in rows with ids 16..31 (below the AUTO_INCREMENT start of
// 256; the heartbeat is id 1), one row per field, written in one statement so a reader never sees
// half a checkpoint:
//   plan identity — ALTER text, fingerprints of the original's and the ghost's definitions, the
//                   chunk key, the ghostcut version (a different plan is never resumed);
//   phase         — copying, postponed, …;
//   binlog        — the last fully applied binlog position (a transaction end);
//   copy          — per copy range: a low-water mark (every row with a key up to it is in the
//                   ghost), the range's end as read when the copy started, rows copied below it.
// Every field is safe on its own when it is older than the truth: an older position only replays
// more (the applier is idempotent), a lower low-water mark only copies more. So the writer may
// read its sources at slightly different instants, and a failed write just leaves an older one.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "binlog/position.h"
#include "common/connection_settings.h"
#include "engine/inspect/plan.h"
#include "engine/resume/copy_progress.h"
#include "engine/sql/query_builder.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

struct PlanIdentity {
  std::string alter;       // as stored: long texts are cut and carry a hash of the whole (stored_alter)
  std::string old_schema;  // schema_fingerprint of the original table
  std::string new_schema;  // schema_fingerprint of the ghost's definition after the ALTER
  std::string chunk_key;   // "PRIMARY (id)"
  std::string version;     // ghostcut version
  bool operator==(const PlanIdentity&) const = default;
};

// A 64-bit FNV-1a hex digest of a CREATE TABLE statement with the table's own name and the
// AUTO_INCREMENT counter taken out (neither changes what the table is).
std::string schema_fingerprint(std::string_view create_statement, std::string_view table_name);
// The ALTER text as the checkpoint stores it: whole up to 3800 bytes, else cut with a hash of the whole.
std::string stored_alter(std::string_view alter);
// The plan's identity; `original_create` is SHOW CREATE TABLE of the original table.
PlanIdentity plan_identity(const MigrationPlan& plan, std::string_view original_create, std::string_view version);
// Same, reading SHOW CREATE TABLE of the original on `conn`.
PlanIdentity plan_identity(SqlConnection& conn, const MigrationPlan& plan, std::string_view version);
// What differs, one readable sentence per field ("the ALTER differs: was '…', now '…'"); empty: same plan.
std::vector<std::string> plan_differences(const PlanIdentity& checkpointed, const PlanIdentity& now);

struct Checkpoint {
  PlanIdentity plan;
  std::string phase;
  binlog::BinlogPosition applied;         // empty: nothing applied yet
  std::vector<CopyRangeProgress> ranges;  // one per copy range (the copier has one today)
  std::int64_t written_micros = 0;        // set by read(): wall-clock micros of the write
};

// Typed key values as text ("i:-5,u:7,s:68656c6c6f,n,d:1.5"), byte- and type-exact both ways.
std::string encode_key(const KeyTuple& key);
std::optional<KeyTuple> decode_key(std::string_view text);

// The checkpoint rows of one changelog table.
class CheckpointStore {
 public:
  CheckpointStore(std::string database, std::string changelog_table);
  // One atomic upsert of every row. A key too long for its row (over ~4 KB encoded) is left out:
  // that range then resumes from its start (logged by the writer).
  void write(SqlConnection& conn, const Checkpoint& c) const;
  // nullopt: the table or the checkpoint rows are absent.
  std::optional<Checkpoint> read(SqlConnection& conn) const;
  const std::string& table() const { return table_; }

 private:
  std::string database_, table_;
};

// Writes the checkpoint every `interval` and whenever write_now() is called, on its own thread and
// its own connection. `source` is called on that thread: it must only copy values out of the
// running components (a mutex held for a copy, no SQL), so the copy is never stalled.
class CheckpointWriter {
 public:
  using Source = std::function<Checkpoint()>;
  CheckpointWriter(ConnectionSettings settings, CheckpointStore store, Source source,
                   std::chrono::milliseconds interval, std::shared_ptr<spdlog::logger> logger);
  // Any other checkpoint (the reverse sync's, engine/revert/reverse_checkpoint.h): `write` reads
  // its source and writes it on the connection it is given, with the same schedule and retries.
  using Write = std::function<void(SqlConnection&)>;
  CheckpointWriter(ConnectionSettings settings, Write write, std::chrono::milliseconds interval,
                   std::shared_ptr<spdlog::logger> logger);
  ~CheckpointWriter();
  void start();
  // Writes a last checkpoint, then stops.
  void stop();
  // Writes now (a phase change) and waits until that write is done or failed, at most `wait`.
  // Returns whether it was written.
  bool write_now(std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  std::uint64_t writes() const noexcept { return writes_.load(); }
  std::string last_error() const;

 private:
  void loop(std::stop_token stop);
  bool write_once();

  ConnectionSettings settings_;
  CheckpointStore store_;
  Source source_;
  Write write_;  // set: used instead of store_ and source_
  std::chrono::milliseconds interval_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<SqlConnection> conn_;  // the writer thread's
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::uint64_t requested_ = 0, served_ = 0;  // guarded by mu_: write_now() generations
  std::string last_error_;                    // guarded by mu_
  std::atomic<std::uint64_t> writes_{0};
  std::jthread thread_;
};

}  // namespace ghostcut::engine
