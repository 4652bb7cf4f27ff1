#include "engine/inspect/copy_sample.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/copy/chunk_copy.h"
#include "engine/copy/chunker.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/verify/checksum_columns.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kChunkRows = 2000;         // about the copier's chunk at its 50 ms target
constexpr int kMaxChunks = 20;                     // the median of ~20 stays put on a loaded machine; of 5 it did not
constexpr std::chrono::seconds kMaxSampleTime{3};  // a loaded server must not make the dry run slow
// What a few chunks into a small table cannot see, measured on a 1M-row table (MariaDB 10.11,
// #15's note): the ghost growing to the table's size (1.35×), and the copy's binlog being written
// and streamed back to the applier (the sample is unlogged where it may be): 1.8× in all.
constexpr double kCopyScale = 1.8;
// The checksum's snapshot and chunk walk against the sample's bare hashes: they cost about what
// its two worker threads save.
constexpr double kChecksumScale = 1.0;
constexpr double kFixedSeconds = 1.0;  // create, stream start, ANALYZE, cut-over, clean-up

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

CopySample sample_copy(SqlConnection& conn, const MigrationPlan& plan, const std::string& scratch, bool unlogged) {
  CopySample s;
  MigrationPlan into = plan;
  into.ghost_table = scratch;
  const ChunkCopy copy(into, true);
  const auto& b = copy.builder();
  auto c = SqlConnection::open(conn.settings());
  if (unlogged) c->execute("SET SESSION sql_log_bin = 0");
  copy.setup_session(*c, std::chrono::seconds(0));
  const auto started = Clock::now();
  const auto min = c->query(b.min_key_query()), max = c->query(b.max_key_query());
  if (min.empty() || max.empty()) return s;
  auto lo = b.key_tuple(min.rows[0]), hi = b.key_tuple(max.rows[0]);
  if (!lo || !hi) return s;
  Chunker chunker(std::move(*lo), std::move(*hi));
  std::vector<double> per_row;  // µs per row of each chunk, its next-chunk-end query included
  while (!chunker.done() && static_cast<int>(per_row.size()) < kMaxChunks && Clock::now() - started < kMaxSampleTime) {
    const auto t0 = Clock::now();
    auto q = b.next_chunk_end_query(chunker.lower_bound(), chunker.lower_inclusive(), chunker.max(), kChunkRows);
    if (!q) break;
    const auto end = c->query(q->sql, q->params);
    if (end.empty()) break;
    auto key = b.key_tuple(end.rows[0]);
    if (!key) break;
    auto chunk = chunker.advance(std::move(*key));
    if (!chunk) break;
    const auto rows = copy.copy(*c, *chunk);
    if (rows == 0) continue;
    s.rows += rows;
    per_row.push_back(seconds_since(t0) * 1e6 / static_cast<double>(rows));
  }
  if (per_row.size() > 1) per_row.erase(per_row.begin());  // the new tablespace's first insert
  s.chunks = per_row.size();
  s.copy_us_per_row = median(per_row);
  // The checksum reads each row twice (original and ghost) and hashes it: time the ghost side
  // over the copied rows, the original's costs the same.
  if (s.rows > 0) {
    const auto columns = checksum_columns(into);
    if (!columns.compared.empty()) {
      const std::string hash = "SELECT /* ghostcut inspect */ COUNT(*), BIT_XOR(CRC32(" +
                               checksum_row_expression(columns, true) + ")) FROM " +
                               quote_qualified(plan.database, scratch);
      std::vector<double> times;  // a few rounds: one short query is at the mercy of the machine's load
      for (int i = 0; i < 3; ++i) {
        const auto t0 = Clock::now();
        c->query(hash);
        times.push_back(2 * seconds_since(t0) * 1e6 / static_cast<double>(s.rows));
      }
      s.checksum_us_per_row = median(times);
    }
  }
  s.seconds = seconds_since(started);
  return s;
}

TimeEstimate estimate_time(const CopySample& s, std::uint64_t rows, bool checksum, bool during_copy) {
  TimeEstimate t;
  if (s.chunks == 0) return t;
  const double n = static_cast<double>(rows);
  t.copy_seconds = n * s.copy_us_per_row * kCopyScale / 1e6;
  if (checksum) t.checksum_seconds = n * s.checksum_us_per_row * kChecksumScale / 1e6;
  t.run_seconds = (during_copy ? std::max(t.copy_seconds, t.checksum_seconds) : t.copy_seconds + t.checksum_seconds) +
                  kFixedSeconds;
  return t;
}

}  // namespace ghostcut::engine
