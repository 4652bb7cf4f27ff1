#include "engine/verify/checksum.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/thread_name.h"
#include "engine/apply/apply_sql.h"
#include "engine/copy/chunk_copy.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

struct Aggregate {
  std::string count, crc;
  bool operator==(const Aggregate&) const = default;
};

// One side of the comparison.
struct Side {
  std::string table;  // qualified
  std::vector<KeyBound> bounds;
  std::string row;    // the row expression
  std::string hint;   // "FORCE INDEX (…)" on the original, where the chunk walk reads
  std::string order;  // the key columns, comma-separated
};

// A chunk: keys in (lower, upper]; nullopt = unbounded on that side. `seq`: its place in the walk
// (kRecheck: a range of ChecksumOptions::recheck, outside the walk).
constexpr std::uint64_t kRecheck = ~std::uint64_t{0};
struct Range {
  std::optional<KeyTuple> lower, upper;
  std::uint64_t seq = 0;
};

std::string param_text(const SqlParam& p) {
  if (const auto* i = std::get_if<std::int64_t>(&p)) return std::to_string(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&p)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&p)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&p)) return "'" + *s + "'";
  return "NULL";
}
std::string tuple_text(const std::optional<KeyTuple>& t, const char* none) {
  if (!t) return none;
  std::string out;
  for (const auto& v : *t) out += (out.empty() ? "" : ", ") + param_text(v);
  return t->size() == 1 ? out : "(" + out + ")";
}
std::string range_text(const Range& r) {
  return "(" + tuple_text(r.lower, "-inf") + ", " + tuple_text(r.upper, "+inf") + "]";
}

Aggregate aggregate(SqlConnection& c, const std::string& tag, const Side& s, const Range& r) {
  std::vector<SqlParam> params;
  const auto where = key_range_condition(s.bounds, r.lower, false, r.upper, params);
  auto t = c.query(tag + "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(" + s.row + ")), 0) FROM " + s.table + " " + s.hint +
                       " WHERE " + where,
                   params);
  return {t.rows.at(0).at(0).value_or(""), t.rows.at(0).at(1).value_or("")};
}

struct Pair {
  std::unique_ptr<SqlConnection> original, ghost;
};

// The paused applier goes on when the scope ends, however it ends.
struct ResumeOnExit {
  const std::function<void()>& resume;
  ~ResumeOnExit() { resume(); }
};

}  // namespace

Checksum::Checksum(ConnectionSettings settings, const MigrationPlan& plan, std::chrono::seconds lock_timeout,
                   DrainFn drain, ResumeFn resume, std::shared_ptr<spdlog::logger> logger, ChecksumOptions options)
    : settings_(std::move(settings)),
      plan_(plan),
      lock_timeout_(lock_timeout),
      drain_(std::move(drain)),
      resume_(std::move(resume)),
      log_(logger ? std::move(logger) : spdlog::default_logger()),
      options_(std::move(options)) {}

ChecksumResult Checksum::run() {
  ChecksumResult result;
  const bool prefix = options_.through.has_value();  // a part behind the copy (ChecksumOptions::through)
  if (prefix && !lock_free_) throw ChecksumNotTaken("a part behind the copy needs lock-free snapshots");
  const auto columns = checksum_columns(plan_);
  for (const auto& c : columns.compared) result.compared.push_back(c.name);
  result.skipped = columns.skipped;
  if (columns.compared.empty()) {  // nothing comparable (every column retyped)
    result.walked = false;
    return result;
  }
  const std::string tag = "/* ghostcut " + plan_.database + "." + plan_.table + " checksum */ ";
  const auto started = Clock::now();
  const ChunkCopy copy(plan_);  // the chunk walk's queries, and the repair's statement
  const auto& builder = copy.builder();

  Side orig{quote_qualified(plan_.database, plan_.table), builder.key_bounds(), checksum_row_expression(columns, false),
            "FORCE INDEX (" + quote_identifier(plan_.chunk_key.name) + ")", ""};
  Side ghost{quote_qualified(plan_.database, plan_.ghost_table), {}, checksum_row_expression(columns, true), "", ""};
  // Chunks need the key to compare alike on both sides: the same type and collation.
  std::vector<std::string> ghost_key;  // the chunk key's columns, ghost spelling
  bool chunked = true;
  for (const auto& k : plan_.chunk_key.columns) {
    const auto* sc = plan_.mapping.find_source(k);
    if (!sc) {
      chunked = false;
      break;
    }
    const auto& a = plan_.original.columns.at(sc->source_index);
    const auto& b = plan_.ghost.columns.at(sc->target_index);
    auto bound = key_bound_for(b);
    if (!bound || a.column_type != b.column_type || a.collation != b.collation || a.charset != b.charset) {
      chunked = false;
      break;
    }
    ghost.bounds.push_back(std::move(*bound));
    orig.order += (orig.order.empty() ? "" : ", ") + quote_identifier(sc->source_name);
    ghost.order += (ghost.order.empty() ? "" : ", ") + quote_identifier(sc->target_name);
    ghost_key.push_back(sc->target_name);
  }
  if (prefix && !chunked) {  // one chunk, the whole table: only after the copy
    result.walked = false;
    return result;
  }
  if (!chunked) {
    orig.bounds.clear();
    ghost.bounds.clear();
    orig.hint.clear();
  }
  const int threads = std::max(1, options_.threads);
  // Two passes (ChecksumOptions::before_ghost_reads) where the ghost's side can be read through
  // its primary key, the chunk key: an index built after the snapshots could not be read in them.
  bool split = false;
  if (options_.before_ghost_reads) {
    split = chunked && plan_.chunk_key.primary &&
            std::any_of(plan_.ghost.indexes.begin(), plan_.ghost.indexes.end(),
                        [&](const IndexInfo& i) { return i.primary && i.columns == ghost_key; });
    if (split) ghost.hint = "FORCE INDEX (PRIMARY)";
    else options_.before_ghost_reads();  // one pass, after the build
  }

  // `n` snapshot pairs, each showing both tables at one instant (see the top).
  std::optional<bool> snapshot_positions;  // the server tells a snapshot's binlog position
  int skews = 0;                           // lock-free pairs taken again (see below)
  auto consistent_point = [&](std::size_t n) {
    std::vector<Pair> pairs(n);
    for (auto& p : pairs) {
      p.original = SqlConnection::open(settings_);
      p.ghost = SqlConnection::open(settings_);
      for (auto* c : {p.original.get(), p.ghost.get()}) {
        c->execute(kEngineSessionSetup);  // key values are read and bound in one zone
        c->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      }
    }
    if (lock_free_ && !snapshot_positions)
      snapshot_positions = snapshot_binlog_position(*pairs.front().original).has_value();
    if (prefix && !*snapshot_positions)
      throw ChecksumNotTaken("the server does not tell a snapshot's binlog position (no lock while copying)");
    // Lock-free: per pair, the applier pauses, t's snapshot gives P, the applier runs exactly to
    // P, the ghost's snapshot follows. Should the applier already have written a transaction past
    // P (a server that shows transactions in the binlog before in snapshots), the pair would be
    // skewed: it is taken again, and after three skews the lock below is used.
    bool skewed = false;
    if (lock_free_ && *snapshot_positions) {
      for (std::size_t i = 0; i < pairs.size() && !skewed;) {
        auto& p = pairs[i];
        lock_free_->pause();
        const ResumeOnExit resume{resume_};  // on every way out of this pair, once
        p.original->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
        const auto at = snapshot_binlog_position(*p.original);
        if (!at) throw std::runtime_error("checksum: the server stopped telling the snapshot's binlog position");
        if (lock_free_->written_through && lock_free_->written_through() > *at) {
          p.original->execute("ROLLBACK");
          log_->debug("checksum: the applier had written past the snapshot's {}; taking it again", at->to_string());
          skewed = ++skews >= 3;
          continue;
        }
        if (!lock_free_->run_to(*at, Clock::now() + lock_timeout_))
          throw ChecksumNotTaken("the applier did not reach " + at->to_string() +
                                 " within the lock timeout (or it failed)");
        p.ghost->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
        ++i;
      }
      if (!skewed) {
        result.lock_free = true;
        return pairs;
      }
      for (auto& p : pairs)
        for (auto* c : {p.original.get(), p.ghost.get()}) c->execute("ROLLBACK");
      if (prefix) throw ChecksumNotTaken("snapshots kept showing fewer transactions than the applier had written");
      log_->warn("checksum: snapshots kept showing fewer transactions than the applier had written; using a lock");
    }
    auto lock = SqlConnection::open(settings_);
    const auto secs = std::to_string(std::max<long long>(1, lock_timeout_.count()));
    lock->execute("SET SESSION lock_wait_timeout = " + secs +
                  ", wait_timeout = " + std::to_string(lock_timeout_.count() * 3 + 2));
    try {
      lock->execute(tag + "LOCK TABLES " + orig.table + " READ");
    } catch (const SqlError& e) {
      throw ChecksumNotTaken("could not lock " + plan_.table + " within " + secs + " s (" + e.what() + ")");
    }
    const auto locked_at = Clock::now();
    Ms stall{0};
    bool resumed = false;
    auto release = [&] {
      try {
        lock->execute("UNLOCK TABLES");
      } catch (const std::exception& e) {
        log_->warn("checksum: unlock failed ({}); closing the lock connection", e.what());
        lock.reset();
      }
      stall = std::chrono::duration_cast<Ms>(Clock::now() - locked_at);
      if (!resumed) {
        resumed = true;
        resume_();
      }
    };
    try {
      const auto target = current_binlog_position(*lock, plan_.server.version);
      if (!drain_(target, locked_at + lock_timeout_)) {
        release();
        throw ChecksumNotTaken("the applier did not reach " + target.to_string() + " within the lock timeout");
      }
      for (auto& p : pairs) {
        p.original->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
        p.ghost->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
      }
    } catch (const ChecksumNotTaken&) {
      throw;
    } catch (...) {
      release();
      throw;
    }
    release();
    result.write_stall = std::max(result.write_stall, stall);
    return pairs;
  };

  // The keys whose rows differ in `r` (both snapshots of `p`), as the original's key tuples.
  auto differing_keys = [&](Pair& p, const Range& r) {
    std::vector<KeyTuple> keys;
    auto rows = [&](SqlConnection& c, const Side& s) {
      std::vector<SqlParam> params;
      const auto where = key_range_condition(s.bounds, r.lower, false, r.upper, params);
      std::string reads;
      for (const auto& b : s.bounds) reads += b.read_expr + ", ";
      auto t = c.query(tag + "SELECT " + reads + "CRC32(" + s.row + ") FROM " + s.table + " " + s.hint + " WHERE " +
                           where + " ORDER BY " + s.order,
                       params);
      std::map<std::vector<Cell>, Cell> out;
      for (auto& row : t.rows) {
        Cell crc = row.back();
        row.pop_back();
        out.emplace(std::move(row), std::move(crc));
      }
      return out;
    };
    const auto a = rows(*p.original, orig), b = rows(*p.ghost, ghost);
    std::set<std::vector<Cell>> diff;
    for (const auto& [k, crc] : a)
      if (auto it = b.find(k); it == b.end() || it->second != crc) diff.insert(k);
    for (const auto& [k, crc] : b)
      if (!a.count(k)) diff.insert(k);
    for (const auto& k : diff) {
      auto t = builder.key_tuple(k);
      if (!t) throw std::runtime_error("checksum: chunk key: " + t.error().message());
      keys.push_back(std::move(*t));
    }
    return keys;
  };

  // The compared columns whose values differ in `r`, for the failure message.
  auto differing_columns = [&](Pair& p, const Range& r) {
    auto per_column = [&](SqlConnection& c, const Side& s, bool ghost_side) {
      std::string items;
      for (const auto& col : columns.compared) {
        const auto& v = ghost_side ? col.ghost : col.original;
        items += (items.empty() ? "" : ", ") + std::string("COALESCE(BIT_XOR(CRC32(CONCAT_WS('#', ISNULL(") + v +
                 "), CAST(" + v + " AS BINARY)))), 0)";
      }
      std::vector<SqlParam> params;
      const auto where = key_range_condition(s.bounds, r.lower, false, r.upper, params);
      return c.query(tag + "SELECT " + items + " FROM " + s.table + " " + s.hint + " WHERE " + where, params)
          .rows.at(0);
    };
    const auto a = per_column(*p.original, orig, false), b = per_column(*p.ghost, ghost, true);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < columns.compared.size(); ++i)
      if (a.at(i) != b.at(i)) names.push_back(columns.compared[i].name);
    return names;
  };

  // Compares chunks on `pairs` in parallel: the walk of the key (ranges empty) or the given ranges.
  // Returns the ranges that differ with their differing keys (or, on the last round, throws).
  struct Difference {
    Range range;
    std::vector<KeyTuple> keys;
  };
  auto compare = [&](std::vector<Pair>& pairs, std::optional<std::vector<Range>> fixed, bool last_round) {
    std::mutex mu;
    std::vector<Difference> differences;
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    std::uint64_t rows = 0, chunks = 0;
    std::size_t next_fixed = 0;
    std::optional<KeyTuple> walk_lower = fixed ? std::nullopt : options_.from, walk_max;
    bool walk_done = false;
    std::uint64_t issued = 0;
    std::map<std::uint64_t, std::pair<Range, std::uint64_t>> equal;  // prefix: seq → chunk, rows
    std::optional<std::uint64_t> first_unequal;                      // prefix: ends the walk
    std::vector<Range> rechecks;  // the walk's first: ChecksumOptions::recheck, evaluated now
    if (!fixed && !prefix && chunked && options_.recheck)
      for (auto& [lo, hi] : options_.recheck()) rechecks.push_back(Range{std::move(lo), std::move(hi), kRecheck});
    std::size_t next_recheck = 0;
    std::uint64_t rechecked = 0;
    if (prefix) walk_max = *options_.through;
    else if (!fixed && chunked) {
      auto mx = pairs.front().original->query(builder.max_key_query());
      if (!mx.empty()) {
        auto t = builder.key_tuple(mx.rows[0]);
        if (!t) throw std::runtime_error("checksum: chunk key: " + t.error().message());
        walk_max = std::move(*t);
      }
    }
    // A single integer key is walked by value, (lower, lower + N], with no query for the chunk's
    // end (as the copier does); a chunk that held under a quarter of N means a sparse key: from
    // then on each end is found by an index scan of N keys.
    bool by_value = false;
    std::optional<KeyTuple> walk_min;
    if (walk_max && walk_max->size() == 1 &&
        (std::holds_alternative<std::int64_t>(walk_max->front()) ||
         std::holds_alternative<std::uint64_t>(walk_max->front()))) {
      auto mn = pairs.front().original->query(builder.min_key_query());
      if (!mn.empty()) {
        auto t = builder.key_tuple(mn.rows[0]);
        if (t && t->size() == 1 && t->front().index() == walk_max->front().index()) {
          walk_min = std::move(*t);
          by_value = true;
        }
      }
    }
    const std::uint64_t n = std::max<std::uint64_t>(1, options_.chunk_rows);
    auto next = [&](Pair& p) -> std::optional<Range> {  // under mu
      if (fixed) return next_fixed < fixed->size() ? std::optional<Range>((*fixed)[next_fixed++]) : std::nullopt;
      if (next_recheck < rechecks.size()) return rechecks[next_recheck++];
      if (walk_done) return std::nullopt;
      if (prefix && (first_unequal || (options_.max_chunks && issued >= options_.max_chunks) ||
                     (options_.keep_going && !options_.keep_going())))
        return std::nullopt;
      if (walk_max && chunked && by_value) {
        // (lower, lower + N] capped at the max; the first chunk is (-inf, min + N - 1].
        auto as_wide = [](const SqlParam& v) -> __int128 {
          if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
          return static_cast<__int128>(std::get<std::uint64_t>(v));
        };
        const __int128 hi = as_wide(walk_max->front());
        const __int128 lo = walk_lower ? as_wide(walk_lower->front()) : as_wide(walk_min->front()) - 1;
        std::optional<KeyTuple> end;
        if (lo < hi) {
          const __int128 e = std::min<__int128>(hi, lo + static_cast<__int128>(n));
          if (std::holds_alternative<std::int64_t>(walk_max->front())) end = KeyTuple{static_cast<std::int64_t>(e)};
          else end = KeyTuple{static_cast<std::uint64_t>(e)};
        }
        if (end) {
          Range r{walk_lower, *end, issued++};
          walk_lower = std::move(*end);
          return r;
        }
      } else if (walk_max && chunked) {
        auto q = builder.next_chunk_end_query(walk_lower, false, *walk_max, n);
        if (!q) throw std::runtime_error("checksum: next chunk query: " + q.error().message());
        auto end = p.original->query(q->sql, q->params);
        if (!end.empty()) {
          auto t = builder.key_tuple(end.rows[0]);
          if (!t) throw std::runtime_error("checksum: chunk key: " + t.error().message());
          Range r{walk_lower, *t, issued++};
          walk_lower = std::move(*t);
          return r;
        }
      }
      walk_done = true;  // the last chunk: after the last key (rows only the ghost has), or all of it
      if (prefix) {      // up to `through` (a key the original may no longer hold); the rest comes later
        if (walk_lower == options_.through) return std::nullopt;
        return Range{walk_lower, *options_.through, issued++};
      }
      return Range{walk_lower, std::nullopt, issued++};
    };
    // The original's side of a chunk is read, the walk moves on; then the ghost's side.
    auto walked = [&](const Range& r, const Aggregate& a) {  // under mu
      if (r.seq == kRecheck) return;
      const auto got = std::strtoull(a.count.c_str(), nullptr, 10);
      if (by_value && r.upper && got * 4 < n && walk_max && r.upper != *walk_max) by_value = false;
    };
    auto check = [&](Pair& p, const Range& r, const Aggregate& a, const Aggregate& b) {
      if (prefix) {  // no repair, no failure: the walk ends before the first chunk that differs
        std::lock_guard lk(mu);
        if (a != b) first_unequal = std::min(first_unequal.value_or(r.seq), r.seq);
        else equal.emplace(r.seq, std::pair{r, std::strtoull(a.count.c_str(), nullptr, 10)});
        return;
      }
      if (a != b) {
        if (last_round || !chunked || !options_.repair) {
          const auto cols = differing_columns(p, r);
          throw ChecksumMismatch(
              "checksum: " + plan_.table + " and " + plan_.ghost_table + " differ in the chunk " +
              (chunked ? range_text(r) + " of key " + key_text(plan_.chunk_key) : std::string("(the whole table)")) +
              ": rows " + a.count + " vs " + b.count +
              (cols.empty() ? std::string() : "; columns that differ: " + join(cols)) +
              (options_.repair && chunked ? "; still after " + std::to_string(options_.repair_rounds) + " repairs"
                                          : "") +
              "; not cutting over, " + plan_.table + " is untouched");
        }
        auto keys = differing_keys(p, r);
        std::lock_guard lk(mu);
        differences.push_back({r, std::move(keys)});
      }
      std::lock_guard lk(mu);
      if (r.seq == kRecheck) {
        rechecked += std::strtoull(a.count.c_str(), nullptr, 10);
        return;
      }
      rows += std::strtoull(a.count.c_str(), nullptr, 10);
      ++chunks;
      if (options_.on_progress) options_.on_progress(rows, chunks);
    };
    auto guarded = [&](auto&& f) {
      SqlThreadGuard guard;
      try {
        f();
      } catch (...) {
        std::lock_guard lk(mu);
        if (!error) error = std::current_exception();
        failed = true;
      }
    };
    auto walk = [&](Pair& p, std::vector<std::pair<Range, Aggregate>>* originals) {
      guarded([&] {
        for (;;) {
          std::optional<Range> r;
          {
            std::lock_guard lk(mu);
            if (failed) return;
            r = next(p);
          }
          if (!r) return;
          const auto a = aggregate(*p.original, tag, orig, *r);
          {
            std::lock_guard lk(mu);
            walked(*r, a);
          }
          if (originals) originals->emplace_back(std::move(*r), a);  // the ghost's side comes later
          else check(p, *r, a, aggregate(*p.ghost, tag, ghost, *r));
        }
      });
    };
    auto on_every_pair = [&](auto&& f) {
      std::vector<std::jthread> workers;
      for (std::size_t i = 1; i < pairs.size(); ++i)
        workers.emplace_back([&, i] {
          name_this_thread("gc-checksum-" + std::to_string(i + 1));
          f(i);
        });
      f(0);
    };
    if (split) {
      // Two passes: the original's side while the ghost's keys are still being built (a read of
      // the ghost would hold its metadata lock and stall the build's last step, and the applier
      // behind it), then, once they are built, the ghost's side of the same chunks in the same
      // snapshots (through its primary key, which the build leaves as it was).
      std::vector<std::vector<std::pair<Range, Aggregate>>> originals(pairs.size());
      on_every_pair([&](std::size_t i) { walk(pairs[i], &originals[i]); });
      if (!error) {
        guarded([&] { options_.before_ghost_reads(); });
        split = false;
      }
      if (!error)
        on_every_pair([&](std::size_t i) {
          guarded([&] {
            for (const auto& [r, a] : originals[i]) {
              if (failed) return;
              check(pairs[i], r, a, aggregate(*pairs[i].ghost, tag, ghost, r));
            }
          });
        });
    } else {
      on_every_pair([&](std::size_t i) { walk(pairs[i], nullptr); });
    }
    // Read-only snapshots: a session lost after its reads changes nothing read, and a worker's
    // error comes first (a lost session must not hide a difference).
    if (error) std::rethrow_exception(error);
    for (auto& p : pairs) {
      try {
        p.original->execute("COMMIT");
        p.ghost->execute("COMMIT");
      } catch (const SqlError& e) {
        if (!session_gone(e)) throw;
      }
    }
    if (prefix) {  // the longest run of equal chunks from the start
      for (auto it = equal.begin(); it != equal.end() && it->first == result.chunks; ++it) {
        result.verified_through = it->second.first.upper;
        result.rows += it->second.second;
        ++result.chunks;
      }
      result.differed = first_unequal.has_value();
      if (options_.on_progress) options_.on_progress(result.rows, result.chunks);
    } else if (!fixed) {
      result.rows = rows;
      result.chunks = chunks;
      result.rows_rechecked = rechecked;
    }
    return differences;
  };

  // Copies each key again: the ghost row goes, the copier's statement brings the original's
  // current one (or none), in one transaction that the applier's writes to that key wait for.
  auto repair = [&](const std::vector<Difference>& differences) {
    auto conn = SqlConnection::open(settings_);
    copy.setup_session(*conn, std::chrono::seconds(0));
    for (const auto& d : differences) {
      for (const auto& key : d.keys) {
        for (int attempt = 1;; ++attempt) {
          try {
            conn->execute("BEGIN");
            std::vector<SqlParam> params;
            const auto where = key_range_condition(ghost.bounds, key, true, key, params);
            conn->update(tag + "DELETE FROM " + ghost.table + " WHERE " + where, params);
            copy.copy(*conn, Chunk{key, key, true});
            conn->execute("COMMIT");
            break;
          } catch (const SqlError& e) {
            try {
              conn->execute("ROLLBACK");
            } catch (const SqlError&) {
            }
            if (!e.retryable() || attempt >= 5) throw;
            std::this_thread::sleep_for(Ms(50 * attempt));
          }
        }
        ++result.rows_repaired;
      }
      log_->warn("checksum: {} and {} differed in the chunk {} of key {}: {} row(s) copied again", plan_.table,
                 plan_.ghost_table, range_text(d.range), key_text(plan_.chunk_key), d.keys.size());
    }
  };

  auto pairs = consistent_point(static_cast<std::size_t>(chunked ? threads : 1));
  const auto snapshot_at = Clock::now();
  auto differences = compare(pairs, std::nullopt, false);
  log_->debug("checksum: snapshots after {} ms (writes waited {} ms), compared in {} ms on {} worker(s)",
              std::chrono::duration_cast<Ms>(snapshot_at - started).count(), result.write_stall.count(),
              std::chrono::duration_cast<Ms>(Clock::now() - snapshot_at).count(), pairs.size());
  for (int round = 1; !differences.empty(); ++round) {
    repair(differences);
    std::vector<Range> ranges;
    for (const auto& d : differences) ranges.push_back(d.range);
    auto again = consistent_point(std::min<std::size_t>(static_cast<std::size_t>(threads), ranges.size()));
    differences = compare(again, ranges, round >= options_.repair_rounds);
  }
  result.took = std::chrono::duration_cast<Ms>(Clock::now() - started);
  return result;
}

}  // namespace ghostcut::engine
