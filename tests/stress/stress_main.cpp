// ghostcut_stress: N back-to-back `ghostcut migrate --execute` runs (ADD COLUMN) of a table with
// JSON, TEXT, DECIMAL, DATETIME(6), ENUM and VARBINARY columns, each under a model-checked write
// load, optionally with CPU hogs, a reader that holds the ghost table inside short transactions,
// and kills of ghostcut's connections. Every run ends with a row-by-row comparison of `t` against
// what the writers committed; it prints one line per run and a summary.
//
// The writers own disjoint id blocks (block b = ids [100b, 100b+99] belongs to writer b % W), so
// each one's model is exact without coordination, range updates included. A statement that fails
// did nothing (autocommit), a failed transaction is rolled back, and only a lost writer connection
// leaves the outcome open — then the writer reads its rows back and adopts whichever state the
// table holds (counted as "uncertain" when it is neither).
//
// Server: GHOSTCUT_TEST_* (scripts/test-server start). Without them it exits 77 (ctest: skipped).
// Run with --help for the options; scripts/bench/stress drives it.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

extern char** environ;

using namespace ghostcut::engine;
using ghostcut::ConnectionSettings;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------------------------
// Options
struct Options {
  int runs = 10;
  std::int64_t rows = 50000;
  double rate = 400;  // writer operations per second, all writers together
  int writers = 4;
  int hogs = 0;
  bool reader = true;
  bool kills = false;
  double kill_interval = 5;  // seconds between kills (random 0.5x..1.5x)
  std::string ghostcut = GHOSTCUT_BINARY;
  std::string ghostcut_args;  // extra arguments for `ghostcut migrate`
  std::string evidence_dir = "stress-evidence";
  std::string database_prefix = "stress";
  int run_timeout = 900;    // seconds before a migration is killed and counted failed
  std::uint64_t seed = 0;   // 0 = from the clock
  bool keep_going = true;   // false: stop at the first failed run
  bool self_check = false;  // plant one changed and one deleted row; the comparison must find them
  // What does the ALTER, run by run in turn: "ghostcut", "copy" (native ALGORITHM=COPY) or "inplace"
  // (native online rebuild: FORCE, ALGORITHM=INPLACE, LOCK=NONE) — the same table, load and check.
  std::vector<std::string> modes = {"ghostcut"};
  std::string alt_args;  // mode "alt": ghostcut with these arguments instead of ghostcut_args (A/B in one sitting)
};

void usage() {
  std::cout << R"(ghostcut_stress [options]
  --runs N              migrations to run (10)
  --rows N              rows in the table before each run (50000)
  --rate R              writer operations per second, all writers together (400)
  --writers N           writer threads (4)
  --hogs N              CPU hog threads (0)
  --no-reader           no ghost-table reader
  --kills               kill one of ghostcut's connections now and then
  --kill-interval S     mean seconds between kills (5)
  --ghostcut PATH       the ghostcut binary (the one built with this program)
  --ghostcut-args "..." extra arguments for ghostcut migrate
  --evidence-dir DIR    where failing runs leave their evidence (stress-evidence)
  --database-prefix P   databases are P_<run> (stress)
  --run-timeout S       a migration running longer is killed and counted failed (900)
  --seed N              random seed (default: from the clock)
  --stop-on-failure     stop after the first failed or lossy run
  --modes LIST          who does the ALTER, run by run in turn: ghostcut, copy (native
                        ALGORITHM=COPY), inplace (native FORCE, ALGORITHM=INPLACE, LOCK=NONE), alt
                        (ghostcut with --alt-args instead of --ghostcut-args), ptosc
                        (pt-online-schema-change from percona-toolkit, where installed) (ghostcut)
  --alt-args "..."      arguments for the alt mode's ghostcut migrate
  --rate 0              no writers: an idle run
  --self-check          after each run change one row and delete another behind the writers'
                        backs: the comparison must report exactly those two (then not counted)
Server from GHOSTCUT_TEST_HOST/PORT/USER/PASSWORD; exits 77 when they are unset.
Exit status: 0 when every run migrated and lost nothing, 1 otherwise.
)";
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--runs") o.runs = std::stoi(val());
    else if (a == "--rows") o.rows = std::stoll(val());
    else if (a == "--rate") o.rate = std::max(0.0, std::stod(val()));
    else if (a == "--writers") o.writers = std::max(1, std::stoi(val()));
    else if (a == "--hogs") o.hogs = std::stoi(val());
    else if (a == "--no-reader") o.reader = false;
    else if (a == "--kills") o.kills = true;
    else if (a == "--kill-interval") o.kill_interval = std::stod(val());
    else if (a == "--ghostcut") o.ghostcut = val();
    else if (a == "--ghostcut-args") o.ghostcut_args = val();
    else if (a == "--alt-args") o.alt_args = val();
    else if (a == "--evidence-dir") o.evidence_dir = val();
    else if (a == "--database-prefix") o.database_prefix = val();
    else if (a == "--run-timeout") o.run_timeout = std::stoi(val());
    else if (a == "--seed") o.seed = std::stoull(val());
    else if (a == "--stop-on-failure") o.keep_going = false;
    else if (a == "--self-check") o.self_check = true;
    else if (a == "--modes") {
      o.modes.clear();
      std::stringstream in(val());
      for (std::string m; std::getline(in, m, ',');) {
        if (m != "ghostcut" && m != "alt" && m != "copy" && m != "inplace" && m != "ptosc") {
          std::cerr << "--modes: unknown mode '" << m << "' (ghostcut, alt, copy, inplace, ptosc)\n";
          std::exit(2);
        }
        o.modes.push_back(m);
      }
      if (o.modes.empty()) o.modes = {"ghostcut"};
    } else if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else {
      std::cerr << "unknown option " << a << "\n";
      usage();
      std::exit(2);
    }
  }
  return o;
}

std::string wall_time() {  // 12:03:04.123456, to line up with ghostcut's log
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// The table and its model
constexpr std::int64_t kBlock = 100;
constexpr const char* kColumns = "id, k, j, txt, d, dt, e, vb";
constexpr const char* kSelect = "k, j, txt, d, dt, e, HEX(vb)";  // read back as the model stores it
constexpr std::size_t kCols = 7;                                 // k j txt d dt e vb(hex)

using Row = std::array<Cell, kCols>;
using Model = std::map<std::int64_t, Row>;

std::string show(const Cell& c) {
  if (!c) return "NULL";
  std::string s = *c;
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  std::string out;
  for (unsigned char ch : s) out += (ch < 0x20) ? '?' : static_cast<char>(ch);
  return "'" + out + "'";
}
std::string show(const Row& r) {
  static const char* names[kCols] = {"k", "j", "txt", "d", "dt", "e", "vb"};
  std::string out;
  for (std::size_t i = 0; i < kCols; ++i) out += std::string(i ? " " : "") + names[i] + "=" + show(r[i]);
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789ABCDEF";
  std::string h;
  for (unsigned char c : bytes) {
    h += d[c >> 4];
    h += d[c & 15];
  }
  return h;
}

struct Gen {
  std::mt19937_64 rng;
  std::uint64_t below(std::uint64_t n) { return n ? rng() % n : 0; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }

  std::string k() { return std::to_string(below(100000)); }
  Cell json() {
    if (chance(10)) return std::nullopt;
    return "{\"n\":" + std::to_string(below(1000000)) + ",\"s\":\"v" + std::to_string(below(1000)) + "\",\"a\":[" +
           std::to_string(below(10)) + "," + std::to_string(below(10)) + "],\"f\":" + (chance(50) ? "true" : "false") +
           "}";
  }
  Cell text() {
    if (chance(10)) return std::nullopt;
    static const std::vector<std::string> parts = {"a", "b", "z", " ", "é", "☃", "'", "\\", "\"", "\n", "0", "x"};
    std::string s;
    const auto n = chance(5) ? 500 + below(2000) : below(60);
    for (std::uint64_t i = 0; i < n; ++i) s += parts[below(parts.size())];
    return s;
  }
  std::string decimal() {  // DECIMAL(20,6) as the server prints it
    const auto ip = below(3) == 0 ? 0 : below(100000000);
    const auto fp = below(1000000);
    const bool neg = chance(30) && (ip || fp);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64, neg ? "-" : "", ip, fp);
    return buf;
  }
  std::string datetime() {  // DATETIME(6) as the server prints it
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", 1990 + static_cast<int>(below(40)),
                  1 + static_cast<int>(below(12)), 1 + static_cast<int>(below(28)), static_cast<int>(below(24)),
                  static_cast<int>(below(60)), static_cast<int>(below(60)), static_cast<int>(below(1000000)));
    return buf;
  }
  std::string enumv() {
    static const char* v[] = {"red", "green", "blue"};
    return v[below(3)];
  }
  std::optional<std::string> bytes() {  // raw bytes; the model keeps HEX()
    if (chance(10)) return std::nullopt;
    std::string b;
    const auto n = below(48);
    for (std::uint64_t i = 0; i < n; ++i) b.push_back(static_cast<char>(below(256)));
    return b;
  }
};

// A fresh row: SQL params (id first) and the model row.
struct NewRow {
  std::vector<SqlParam> params;
  Row row;
};
NewRow new_row(Gen& g, std::int64_t id) {
  NewRow r;
  const auto k = g.k();
  const auto j = g.json();
  const auto txt = g.text();
  const auto d = g.decimal();
  const auto dt = g.datetime();
  const auto e = g.enumv();
  const auto vb = g.bytes();
  auto opt = [](const Cell& c) -> SqlParam { return c ? SqlParam(*c) : SqlParam(nullptr); };
  r.params = {id, static_cast<std::int64_t>(std::stoll(k)), opt(j), opt(txt), d, dt, e, opt(vb)};
  r.row = Row{k, j, txt, d, dt, e, vb ? Cell(hex(*vb)) : Cell()};
  return r;
}

std::string placeholders(std::size_t rows) {
  std::string s;
  for (std::size_t i = 0; i < rows; ++i) s += std::string(i ? "," : "") + "(?,?,?,?,?,?,?,?)";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Writers
struct JournalEntry {
  std::string at;  // wall time of the commit (or failure)
  std::string what;
  std::vector<std::int64_t> ids;
  bool committed = false;
};

struct WriterStats {
  std::uint64_t ops = 0, statements = 0, commits = 0, rollbacks = 0, errors = 0, uncertain = 0;
  std::map<int, std::uint64_t> error_codes;
  std::string last_error;
  std::chrono::microseconds longest{0};
  std::vector<std::uint32_t> latencies_us;  // per operation
};

class Writer {
 public:
  Writer(int w, int writers, std::uint64_t seed) : w_(w), writers_(writers) { g_.rng.seed(seed); }

  bool owns(std::int64_t id) const { return id >= 0 && (id / kBlock) % writers_ == w_; }
  Model& model() { return model_; }
  const std::vector<JournalEntry>& journal() const { return journal_; }
  WriterStats& stats() { return stats_; }
  void set_top(std::int64_t top_exclusive) {
    // The first owned block at or above top_exclusive.
    std::int64_t b = (top_exclusive + kBlock - 1) / kBlock;
    while (b % writers_ != w_) ++b;
    top_ = b * kBlock;
  }
  void reset_run() {
    journal_.clear();
    stats_ = WriterStats{};
  }

  // Runs paced operations until `stop`.
  void run(const ConnectionSettings& cs, double rate, const std::atomic<bool>& stop);

 private:
  struct Undo {
    std::int64_t id;
    std::optional<Row> before;
  };
  std::int64_t alloc_top() {
    const auto id = top_++;
    if (top_ % kBlock == 0) top_ += static_cast<std::int64_t>(writers_ - 1) * kBlock;
    return id;
  }
  std::int64_t fresh_id() {  // a free owned id: in the middle of the table or at its top
    if (g_.chance(50)) {
      const auto blocks = top_ / kBlock / writers_;
      for (int tries = 0; tries < 4 && blocks > 0; ++tries) {
        const std::int64_t b = static_cast<std::int64_t>(g_.below(static_cast<std::uint64_t>(blocks))) * writers_ + w_;
        const std::int64_t id = b * kBlock + static_cast<std::int64_t>(g_.below(kBlock));
        if (id > 0 && !model_.count(id) && !reserved_.count(id)) return reserve(id);
      }
    }
    std::int64_t id = alloc_top();
    while (id <= 0) id = alloc_top();
    return reserve(id);
  }
  std::int64_t reserve(std::int64_t id) {
    reserved_.insert(id);
    return id;
  }
  std::optional<std::int64_t> pick() {
    if (model_.empty()) return std::nullopt;
    auto it = model_.lower_bound(static_cast<std::int64_t>(g_.below(static_cast<std::uint64_t>(top_))));
    if (it == model_.end()) it = model_.begin();
    return it->first;
  }
  void set(std::int64_t id, std::optional<Row> row) {
    auto it = model_.find(id);
    undo_.push_back({id, it == model_.end() ? std::nullopt : std::optional<Row>(it->second)});
    if (row) model_[id] = std::move(*row);
    else if (it != model_.end()) model_.erase(it);
  }
  void rollback_model() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->before) model_[it->id] = *it->before;
      else model_.erase(it->id);
    }
    undo_.clear();
  }
  // One statement of the load; changes the model as the statement changes the table.
  void statement(SqlConnection& c, int kind, std::string& what, std::vector<std::int64_t>& ids);
  void operation(SqlConnection& c);
  // After a lost connection: read the touched ids back and adopt what the table holds.
  void resolve(const ConnectionSettings& cs, std::vector<std::int64_t> ids);

  int w_, writers_;
  Gen g_;
  Model model_;
  std::int64_t top_ = 0;
  std::set<std::int64_t> reserved_;  // fresh ids handed out in the current operation
  std::vector<Undo> undo_;
  std::vector<JournalEntry> journal_;
  WriterStats stats_;
  std::unique_ptr<SqlConnection> conn_;
};

std::int64_t parse_k(const Cell& c) { return std::stoll(*c); }

void Writer::statement(SqlConnection& c, int kind, std::string& what, std::vector<std::int64_t>& ids) {
  ++stats_.statements;
  switch (kind) {
    case 0: {  // insert one row
      const auto id = fresh_id();
      auto r = new_row(g_, id);
      c.update(std::string("INSERT INTO t (") + kColumns + ") VALUES " + placeholders(1), r.params);
      set(id, r.row);
      what += "insert " + std::to_string(id) + "; ";
      ids.push_back(id);
      return;
    }
    case 1: {  // multi-row insert
      const auto n = 2 + g_.below(4);
      std::vector<SqlParam> params;
      std::vector<std::pair<std::int64_t, Row>> rows;
      for (std::uint64_t i = 0; i < n; ++i) {
        const auto id = fresh_id();
        auto r = new_row(g_, id);
        params.insert(params.end(), r.params.begin(), r.params.end());
        rows.emplace_back(id, r.row);
      }
      c.update(std::string("INSERT INTO t (") + kColumns + ") VALUES " + placeholders(n), params);
      what += "insert";
      for (auto& [id, row] : rows) {
        set(id, row);
        what += " " + std::to_string(id);
        ids.push_back(id);
      }
      what += "; ";
      return;
    }
    case 2: {  // non-key update, one of a few column sets
      const auto id = pick();
      if (!id) return;
      Row row = model_.at(*id);
      const auto variant = g_.below(4);
      if (variant == 0) {
        row[0] = g_.k();
        row[3] = g_.decimal();
        c.update("UPDATE t SET k = ?, d = ? WHERE id = ?", {std::stoll(*row[0]), *row[3], *id});
      } else if (variant == 1) {
        row[1] = g_.json();
        row[2] = g_.text();
        c.update("UPDATE t SET j = ?, txt = ? WHERE id = ?",
                 {row[1] ? SqlParam(*row[1]) : SqlParam(nullptr), row[2] ? SqlParam(*row[2]) : SqlParam(nullptr), *id});
      } else if (variant == 2) {
        row[4] = g_.datetime();
        row[5] = g_.enumv();
        const auto vb = g_.bytes();
        row[6] = vb ? Cell(hex(*vb)) : Cell();
        c.update("UPDATE t SET dt = ?, e = ?, vb = ? WHERE id = ?",
                 {*row[4], *row[5], vb ? SqlParam(*vb) : SqlParam(nullptr), *id});
      } else {
        row[2] = g_.text();
        row[0] = std::to_string(parse_k(row[0]) + 7);
        c.update("UPDATE t SET txt = ?, k = k + 7 WHERE id = ?", {row[2] ? SqlParam(*row[2]) : SqlParam(nullptr), *id});
      }
      set(*id, row);
      what += "update " + std::to_string(*id) + " (set " + std::to_string(variant) + "); ";
      ids.push_back(*id);
      return;
    }
    case 3: {  // primary-key change
      const auto id = pick();
      if (!id) return;
      const auto to = fresh_id();
      c.update("UPDATE t SET id = ? WHERE id = ?", {to, *id});
      Row row = model_.at(*id);
      set(*id, std::nullopt);
      set(to, row);
      what += "move " + std::to_string(*id) + " -> " + std::to_string(to) + "; ";
      ids.push_back(*id);
      ids.push_back(to);
      return;
    }
    case 4: {  // range update inside one owned block
      const auto id = pick();
      if (!id) return;
      const std::int64_t lo = (*id / kBlock) * kBlock + static_cast<std::int64_t>(g_.below(kBlock - 10));
      const std::int64_t hi = lo + static_cast<std::int64_t>(g_.below(10));
      c.update("UPDATE t SET k = k + 1 WHERE id BETWEEN ? AND ?", {lo, hi});
      what += "range k+1 " + std::to_string(lo) + ".." + std::to_string(hi) + " (";
      for (auto it = model_.lower_bound(lo); it != model_.end() && it->first <= hi; ++it) {
        Row row = it->second;
        row[0] = std::to_string(parse_k(row[0]) + 1);
        const auto rid = it->first;
        set(rid, row);  // set() may touch the map; `it` stays valid (no erase)
        what += std::to_string(rid) + " ";
        ids.push_back(rid);
      }
      what += "); ";
      return;
    }
    case 5: {  // delete
      const auto id = pick();
      if (!id) return;
      c.update("DELETE FROM t WHERE id = ?", {*id});
      set(*id, std::nullopt);
      what += "delete " + std::to_string(*id) + "; ";
      ids.push_back(*id);
      return;
    }
    default: {  // upsert: an existing id (k + 100, new txt and dt) or a fresh one
      std::int64_t id;
      if (g_.chance(50) && pick()) id = *pick();
      else id = fresh_id();
      auto r = new_row(g_, id);
      c.update(std::string("INSERT INTO t (") + kColumns + ") VALUES " + placeholders(1) +
                   " ON DUPLICATE KEY UPDATE k = k + 100, txt = VALUES(txt), dt = VALUES(dt)",
               r.params);
      auto it = model_.find(id);
      if (it == model_.end()) {
        set(id, r.row);
        what += "upsert-insert " + std::to_string(id) + "; ";
      } else {
        Row row = it->second;
        row[0] = std::to_string(parse_k(row[0]) + 100);
        row[2] = r.row[2];
        row[4] = r.row[4];
        set(id, row);
        what += "upsert-update " + std::to_string(id) + "; ";
      }
      ids.push_back(id);
      return;
    }
  }
}

void Writer::operation(SqlConnection& c) {
  // Weights: statements 0..6 alone, then a multi-statement transaction and a rolled-back one.
  static const int weights[] = {15, 8, 22, 6, 8, 8, 8, 15, 5};
  int roll = static_cast<int>(g_.below(95)), kind = 0;
  while (roll >= weights[kind]) roll -= weights[kind++];
  std::string what;
  std::vector<std::int64_t> ids;
  undo_.clear();
  reserved_.clear();
  const bool trx = kind >= 7;
  JournalEntry je;
  try {
    if (!trx) {
      statement(c, kind, what, ids);
    } else {
      c.execute("BEGIN");
      what = kind == 7 ? "trx: " : "trx (rolled back): ";
      const auto n = 2 + g_.below(3);
      for (std::uint64_t i = 0; i < n; ++i) statement(c, static_cast<int>(g_.below(7)), what, ids);
      if (kind == 7) {
        c.execute("COMMIT");
        ++stats_.commits;
      } else {
        c.execute("ROLLBACK");
        rollback_model();
        ++stats_.rollbacks;
      }
    }
    je.committed = kind != 8;
  } catch (const SqlError& e) {
    ++stats_.errors;
    ++stats_.error_codes[e.code()];
    stats_.last_error = e.what();
    what += " FAILED: " + std::to_string(e.code());
    if (e.connection_lost()) {
      // Outcome unknown: undo the model, then read the rows back (resolve()).
      rollback_model();
      je = {wall_time(), what, ids, false};
      journal_.push_back(je);
      throw;
    }
    if (trx) {
      try {
        c.execute("ROLLBACK");
      } catch (...) {
      }
    }
    rollback_model();  // an autocommit statement that failed did nothing; a failed trx is rolled back
  }
  undo_.clear();
  ++stats_.ops;
  if (!ids.empty()) journal_.push_back({wall_time(), what, ids, je.committed});
}

void Writer::resolve(const ConnectionSettings& cs, std::vector<std::int64_t> ids) {
  for (int tries = 0;; ++tries) {
    try {
      conn_ = SqlConnection::open(cs);
      break;
    } catch (const std::exception&) {
      if (tries > 50) throw;
      std::this_thread::sleep_for(200ms);
    }
  }
  for (const auto id : ids) {
    auto r = conn_->query(std::string("SELECT ") + kSelect + " FROM t WHERE id = ?", {id});
    std::optional<Row> got;
    if (!r.empty()) {
      Row row;
      for (std::size_t i = 0; i < kCols; ++i) row[i] = r.rows[0][i];
      got = row;
    }
    auto it = model_.find(id);
    const std::optional<Row> had = it == model_.end() ? std::nullopt : std::optional<Row>(it->second);
    if (got != had) {
      ++stats_.uncertain;  // the table holds another state than before: adopt it
      if (got) model_[id] = *got;
      else model_.erase(id);
      journal_.push_back({wall_time(), "resolved after a lost connection: adopted the table's row", {id}, true});
    }
  }
}

void Writer::run(const ConnectionSettings& cs, double rate, const std::atomic<bool>& stop) {
  SqlThreadGuard guard;
  conn_ = SqlConnection::open(cs);
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  auto next = Clock::now();
  while (!stop) {
    const auto now = Clock::now();
    if (now < next) {
      std::this_thread::sleep_for(std::min<Clock::duration>(next - now, 20ms));
      continue;
    }
    next += period;
    if (Clock::now() - next > 250ms) next = Clock::now() - 250ms;  // catch up a short backlog only
    const auto t0 = Clock::now();
    try {
      operation(*conn_);
    } catch (const SqlError&) {
      std::vector<std::int64_t> ids = journal_.empty() ? std::vector<std::int64_t>{} : journal_.back().ids;
      resolve(cs, ids);
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    stats_.longest = std::max(stats_.longest, took);
    stats_.latencies_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(took.count(), UINT32_MAX)));
  }
}

// ---------------------------------------------------------------------------------------------
// Reader, killer, hogs
struct Background {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0}, kills{0};
  std::mutex mu;
  std::vector<std::string> kill_log;
};

void reader_loop(const ConnectionSettings& cs, const std::string& ghost, std::uint64_t seed, Background& bg) {
  SqlThreadGuard guard;
  Gen g;
  g.rng.seed(seed);
  std::unique_ptr<SqlConnection> c;
  while (!bg.stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + g.below(600)));
    try {
      if (!c) c = SqlConnection::open(cs);
      c->execute("BEGIN");
      const auto q = g.below(3);
      const std::string table = quote_identifier(ghost);
      if (q == 0) c->query("SELECT COUNT(*) FROM " + table);
      else if (q == 1) c->query("SELECT * FROM " + table + " ORDER BY id DESC LIMIT 5");
      else
        c->query("SELECT id, k FROM " + table + " WHERE id BETWEEN ? AND ?",
                 {static_cast<std::int64_t>(g.below(50000)), static_cast<std::int64_t>(50000)});
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + g.below(40)));  // a DBA looking at it
      c->execute("COMMIT");
      ++bg.reads;
    } catch (const SqlError& e) {
      if (e.connection_lost()) c.reset();
      else try {
          c->execute("ROLLBACK");
        } catch (...) {
          c.reset();
        }
    }
  }
}

// Kills one of ghostcut's connections (any session of our user that is not ours) now and then.
void killer_loop(const ConnectionSettings& cs, std::set<std::uint64_t> ours, double mean_s, std::uint64_t seed,
                 Background& bg) {
  SqlThreadGuard guard;
  Gen g;
  g.rng.seed(seed);
  auto c = SqlConnection::open(cs);
  ours.insert(c->connection_id());
  while (!bg.stop) {
    const auto wait = std::chrono::duration<double>(mean_s * (0.5 + static_cast<double>(g.below(1000)) / 1000.0));
    const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(wait);
    while (!bg.stop && Clock::now() < until) std::this_thread::sleep_for(20ms);
    if (bg.stop) break;
    try {
      auto r = c->query(
          "SELECT ID, COMMAND, LEFT(COALESCE(INFO, ''), 80) FROM information_schema.PROCESSLIST WHERE USER = ?",
          {cs.user});
      std::vector<std::pair<std::uint64_t, std::string>> theirs;
      for (const auto& row : r.rows) {
        const auto id = to_uint64(row[0]);
        if (!ours.count(id)) theirs.emplace_back(id, row[1].value_or("") + " " + row[2].value_or(""));
      }
      if (theirs.empty()) continue;
      const auto& victim = theirs[g.below(theirs.size())];
      c->execute("KILL CONNECTION " + std::to_string(victim.first));
      ++bg.kills;
      std::lock_guard lk(bg.mu);
      bg.kill_log.push_back(wall_time() + " killed " + std::to_string(victim.first) + " (" + victim.second + ")");
    } catch (const std::exception&) {
      // It may have gone by itself.
    }
  }
}

void hog_loop(const std::atomic<bool>& stop) {
  volatile std::uint64_t x = 0;
  while (!stop)
    for (int i = 0; i < 1000000; ++i) x = x * 6364136223846793005ULL + 1;
}

// ---------------------------------------------------------------------------------------------
// ghostcut as a child process
std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_quote = false;
  char q = 0;
  for (char c : s) {
    if (in_quote) {
      if (c == q) in_quote = false;
      else cur += c;
    } else if (c == '"' || c == '\'') {
      in_quote = true;
      q = c;
    } else if (c == ' ') {
      if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct ChildResult {
  int exit_code = -1;  // -1: killed by a signal / timed out
  bool timed_out = false;
  double cpu_seconds = 0;  // the child's user + system time
};

// The server's CPU time (user + system) so far, when it runs on this machine and /proc shows it:
// what a mode costs the server, beside its wall time (the machine is shared and noisy).
std::optional<double> process_cpu_seconds(pid_t pid) try {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!pid || !std::getline(in, stat)) return std::nullopt;
  const auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // fields 14 and 15: utime, stime (clock ticks)
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
} catch (const std::exception&) {  // an unreadable line: no figure
  return std::nullopt;
}

ChildResult run_child(const std::vector<std::string>& argv, const std::string& log_path, int timeout_s) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  ChildResult res;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return res;
  }
  posix_spawn_file_actions_destroy(&fa);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  for (;;) {
    rusage ru{};
    const pid_t r = wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) {
      auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
      res.cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
      break;
    }
    if (Clock::now() > deadline && !res.timed_out) {
      res.timed_out = true;
      kill(pid, SIGTERM);
      std::this_thread::sleep_for(10s);
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(50ms);
  }
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  return res;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------------
// One run
struct RunResult {
  std::string mode;       // who did the ALTER (Options::modes)
  bool migrated = false;  // exit 0 and the new column is in t
  int exit_code = 0;
  bool timed_out = false;
  double seconds = 0;
  std::uint64_t ops = 0, writer_errors = 0, uncertain = 0, reads = 0, kills = 0;
  std::map<int, std::uint64_t> error_codes;
  std::size_t lost = 0, extra = 0, different = 0, rows = 0;
  std::chrono::microseconds longest_wait{0};
  std::optional<double> server_cpu;  // seconds the server's CPU spent while the ALTER ran
  double tool_cpu = 0;               // the tool's own (ghostcut, pt-osc; 0 for a native ALTER)
  std::optional<std::int64_t> cut_over_stall_ms;
  int cut_over_attempts = 0;
  std::string failure;               // ghostcut's error line, when it failed
  std::string self_check;            // "", "ok" or what the comparison missed
  std::uint64_t lock_conflicts = 0;  // copier/applier conflicts ghostcut logged and survived
  std::vector<std::uint32_t> latencies_us;
};

Row row_of(const std::vector<Cell>& cells, std::size_t offset) {
  Row r;
  for (std::size_t i = 0; i < kCols; ++i) r[i] = cells[offset + i];
  return r;
}

class Stress {
 public:
  Stress(Options o, ConnectionSettings cs) : o_(std::move(o)), cs_(std::move(cs)) {}
  int main();

 private:
  RunResult run(int n);
  void write_evidence(int n, const std::string& db, const Model& expected, const std::map<std::int64_t, Row>& got,
                      const std::vector<std::int64_t>& bad, const std::string& log_path, const std::string& binlog_from,
                      const std::string& binlog_to, const std::vector<std::string>& kill_log);

  void make_template();

  Options o_;
  ConnectionSettings cs_;
  std::unique_ptr<SqlConnection> admin_;
  pid_t server_pid_ = 0;  // when the server runs here (its pid file readable), for its CPU time
  std::string template_db_;
  Model initial_;  // the template's rows
};

void Stress::make_template() {
  template_db_ = o_.database_prefix + "_template";
  admin_->execute("DROP DATABASE IF EXISTS " + quote_identifier(template_db_));
  admin_->execute("CREATE DATABASE " + quote_identifier(template_db_));
  ConnectionSettings cs = cs_;
  cs.database = template_db_;
  auto c = SqlConnection::open(cs);
  c->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, j JSON NULL, txt TEXT NULL,"
      " d DECIMAL(20,6) NOT NULL, dt DATETIME(6) NOT NULL, e ENUM('red','green','blue') NOT NULL,"
      " vb VARBINARY(255) NULL, KEY (k)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  Gen g;
  g.rng.seed(o_.seed);
  for (std::int64_t start = 1; start <= o_.rows; start += 500) {
    const auto end = std::min<std::int64_t>(o_.rows, start + 499);
    std::vector<SqlParam> params;
    for (std::int64_t id = start; id <= end; ++id) {
      auto r = new_row(g, id);
      params.insert(params.end(), r.params.begin(), r.params.end());
      initial_[id] = r.row;
    }
    c->update(std::string("INSERT INTO t (") + kColumns + ") VALUES " +
                  placeholders(static_cast<std::size_t>(end - start + 1)),
              params);
  }
  // The model must read back as written, or every comparison would be noise.
  auto all = c->query(std::string("SELECT id, ") + kSelect + " FROM t ORDER BY id");
  std::size_t mismatched = 0;
  for (const auto& row : all.rows)
    if (initial_.at(to_int64(row[0])) != row_of(row, 1) && ++mismatched <= 3)
      std::cerr << "template row " << *row[0] << ": model " << show(initial_.at(to_int64(row[0]))) << " vs table "
                << show(row_of(row, 1)) << "\n";
  if (mismatched || all.size() != initial_.size())
    throw std::runtime_error("the template table does not read back as the model has it (" +
                             std::to_string(mismatched) + " rows)");
}

RunResult Stress::run(int n) {
  RunResult rr;
  const std::string db = o_.database_prefix + "_" + std::to_string(n);
  const std::string column = "added_" + std::to_string(n);
  const std::string ghost = ghost_table_name("t");
  const std::string old = old_table_name("t");
  admin_->execute("DROP DATABASE IF EXISTS " + quote_identifier(db));
  admin_->execute("CREATE DATABASE " + quote_identifier(db));
  ConnectionSettings cs = cs_;
  cs.database = db;
  auto c = SqlConnection::open(cs);
  // Every run starts from the same rows (a server-side copy of the template: fast), with its
  // own writers' seeds.
  c->execute("CREATE TABLE t LIKE " + quote_qualified(template_db_, "t"));
  c->execute("INSERT INTO t SELECT * FROM " + quote_qualified(template_db_, "t"));
  std::uint64_t seed = o_.seed * 1000003 + static_cast<std::uint64_t>(n);
  std::vector<std::unique_ptr<Writer>> writers;
  for (int w = 0; w < o_.writers; ++w)
    writers.push_back(std::make_unique<Writer>(w, o_.writers, seed * 31 + static_cast<std::uint64_t>(w)));
  for (const auto& [id, row] : initial_)
    writers[static_cast<std::size_t>((id / kBlock) % o_.writers)]->model().emplace(id, row);
  for (auto& w : writers) w->set_top(o_.rows + 1);
  const auto binlog_from = [&] {
    auto st = c->query("SHOW MASTER STATUS");
    return st.empty() ? std::string() : st.rows[0][0].value_or("") + ":" + st.rows[0][1].value_or("");
  }();

  Background bg;
  std::atomic<bool> stop_writers{false};
  std::vector<std::thread> threads;
  if (o_.rate > 0)
    for (auto& w : writers)
      threads.emplace_back([&, wp = w.get()] { wp->run(cs, o_.rate / o_.writers, stop_writers); });
  std::thread reader, killer;
  if (o_.reader) reader = std::thread(reader_loop, cs, ghost, seed + 17, std::ref(bg));
  std::this_thread::sleep_for(500ms);  // the load runs before the migration starts, too

  const std::string log_path = o_.evidence_dir + "/run-" + std::to_string(n) + ".log";
  std::vector<std::string> argv = {o_.ghostcut,        "migrate",
                                   "--host",           cs.host,
                                   "--port",           std::to_string(cs.port),
                                   "--user",           cs.user,
                                   "--ssl-mode",       "disabled",
                                   "--database",       db,
                                   "--table",          "t",
                                   "--alter",          "ADD COLUMN " + column + " VARCHAR(16) NOT NULL DEFAULT 'new'",
                                   "--execute",        "--no-attempt-instant",
                                   "--no-serve-socket"};
  const auto mode = o_.modes[static_cast<std::size_t>(n - 1) % o_.modes.size()];
  for (auto& a : split_args(mode == "alt" ? o_.alt_args : o_.ghostcut_args)) argv.push_back(a);
  if (o_.kills) {
    // Ours: the admin connection, the prefill connection; writers and the reader open theirs
    // before the killer starts (the reader reconnects: a fresh id could be killed, harmlessly).
    std::set<std::uint64_t> ours = {admin_->connection_id(), c->connection_id()};
    auto r = admin_->query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", {cs.user});
    for (const auto& row : r.rows) ours.insert(to_uint64(row[0]));
    killer = std::thread(killer_loop, cs, ours, o_.kill_interval, seed + 29, std::ref(bg));
  }
  rr.mode = mode;
  const auto cpu0 = process_cpu_seconds(server_pid_);
  const auto t0 = Clock::now();
  ChildResult child;
  if (rr.mode == "ghostcut" || rr.mode == "alt") {
    child = run_child(argv, log_path, o_.run_timeout);
  } else if (rr.mode == "ptosc") {
    // Its password from an option file only this user can read, never the command line.
    const std::string cnf = o_.evidence_dir + "/ptosc-" + std::to_string(n) + ".cnf";
    {
      std::ofstream f(cnf);
      f << "[client]\npassword=" << cs.password << "\n";
    }
    ::chmod(cnf.c_str(), 0600);
    child = run_child(
        {"/usr/bin/pt-online-schema-change", "--alter",
         "ADD COLUMN " + quote_identifier(column) + " VARCHAR(16) NOT NULL DEFAULT 'new'", "--execute",
         "--recursion-method=none", "--charset=utf8mb4",
         "F=" + cnf + ",h=" + cs.host + ",P=" + std::to_string(cs.port) + ",u=" + cs.user + ",D=" + db + ",t=t"},
        log_path, o_.run_timeout);
    std::remove(cnf.c_str());
  } else {
    std::ofstream(log_path) << "native ALTER (" << rr.mode << ")\n";
    try {
      c->execute("ALTER TABLE t ADD COLUMN " + quote_identifier(column) + " VARCHAR(16) NOT NULL DEFAULT 'new', " +
                 (rr.mode == "copy" ? "ALGORITHM=COPY" : "FORCE, ALGORITHM=INPLACE, LOCK=NONE"));
      child.exit_code = 0;
    } catch (const SqlError& e) {
      rr.failure = e.what();
      child.exit_code = 1;
    }
  }
  rr.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (const auto cpu1 = process_cpu_seconds(server_pid_); cpu0 && cpu1) rr.server_cpu = *cpu1 - *cpu0;
  rr.tool_cpu = child.cpu_seconds;
  bg.stop = true;  // no more kills: what follows must not be disturbed
  if (killer.joinable()) killer.join();
  std::this_thread::sleep_for(500ms);  // writes after the cut-over land in the new table directly
  stop_writers = true;
  for (auto& t : threads) t.join();
  if (reader.joinable()) reader.join();
  rr.exit_code = child.exit_code;
  rr.timed_out = child.timed_out;
  rr.reads = bg.reads;
  rr.kills = bg.kills;

  const std::string log = slurp(log_path);
  // "cut-over in <n> attempt(s) with a <ms> ms write stall" (no <regex>: it is slow to compile).
  for (std::size_t p = 0; (p = log.find("cut-over in ", p)) != std::string::npos; ++p) {
    int attempts = 0;
    long long stall = 0;
    char tail[4] = {};
    if (std::sscanf(log.c_str() + p, "cut-over in %d attempt(s) with a %lld ms write stal%1[l]", &attempts, &stall,
                    tail) == 3) {
      rr.cut_over_attempts = attempts;
      rr.cut_over_stall_ms = stall;
      break;
    }
  }
  // Lock conflicts ghostcut survived: the applier's and the copier's warnings.
  for (std::size_t p = 0; (p = log.find("lost a lock conflict", p)) != std::string::npos; ++p) ++rr.lock_conflicts;
  if (child.exit_code != 0 && rr.mode != "copy" && rr.mode != "inplace") {
    // The last error line says why.
    std::istringstream in(log);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
      if (line.find("[error]") != std::string::npos || line.find("[critical]") != std::string::npos) rr.failure = line;
      if (!line.empty()) last = line;
    }
    if (rr.failure.empty()) rr.failure = last;  // pt-online-schema-change's own last word
  }

  // Compare t with the writers' models.
  Model expected;
  for (auto& w : writers) {
    auto& st = w->stats();
    rr.ops += st.ops;
    rr.writer_errors += st.errors;
    for (const auto& [code, count] : st.error_codes) rr.error_codes[code] += count;
    rr.uncertain += st.uncertain;
    rr.longest_wait = std::max(rr.longest_wait, st.longest);
    rr.latencies_us.insert(rr.latencies_us.end(), st.latencies_us.begin(), st.latencies_us.end());
    expected.insert(w->model().begin(), w->model().end());
  }
  const bool has_column =
      !c->query(
            "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND COLUMN_NAME = ?",
            {db, column})
           .empty();
  rr.migrated = child.exit_code == 0 && has_column;
  // The checker's own check: a change and a delete the writers know nothing about.
  std::optional<std::pair<std::int64_t, std::int64_t>> planted;
  if (o_.self_check && expected.size() >= 2) {
    planted.emplace(expected.begin()->first, expected.rbegin()->first);
    c->update("UPDATE t SET k = k + 1 WHERE id = ?", {planted->first});
    c->update("DELETE FROM t WHERE id = ?", {planted->second});
  }
  auto all = c->query(std::string("SELECT id, ") + kSelect + (has_column ? ", " + quote_identifier(column) : "") +
                      " FROM t ORDER BY id");
  std::map<std::int64_t, Row> got;
  std::vector<std::int64_t> bad;
  std::size_t bad_column = 0;
  for (const auto& row : all.rows) {
    const auto id = to_int64(row[0]);
    got[id] = row_of(row, 1);
    if (has_column && row[1 + kCols] != Cell("new")) ++bad_column;
  }
  rr.rows = got.size();
  std::set<std::int64_t> lost_ids, different_ids;
  for (const auto& [id, row] : expected) {
    auto it = got.find(id);
    if (it == got.end()) lost_ids.insert(id);
    else if (it->second != row) different_ids.insert(id);
  }
  if (planted) {
    const bool found = different_ids.erase(planted->first) + lost_ids.erase(planted->second) == 2;
    rr.self_check = found ? "ok" : "MISSED a planted difference";
  }
  rr.lost = lost_ids.size();
  rr.different = different_ids.size();
  bad.insert(bad.end(), lost_ids.begin(), lost_ids.end());
  bad.insert(bad.end(), different_ids.begin(), different_ids.end());
  for (const auto& [id, row] : got)
    if (!expected.count(id)) {
      ++rr.extra;
      bad.push_back(id);
    }
  rr.different += bad_column;
  std::vector<std::string> kill_log;
  {
    std::lock_guard lk(bg.mu);
    kill_log = bg.kill_log;
  }
  const bool failed = !rr.migrated || !bad.empty() || bad_column || rr.uncertain;
  if (failed) {
    const auto binlog_to = [&] {
      auto st = c->query("SHOW MASTER STATUS");
      return st.empty() ? std::string() : st.rows[0][0].value_or("") + ":" + st.rows[0][1].value_or("");
    }();
    // Writers' journals of the bad ids (and the whole journal on disk).
    write_evidence(n, db, expected, got, bad, log_path, binlog_from, binlog_to, kill_log);
    std::ofstream j(o_.evidence_dir + "/run-" + std::to_string(n) + ".journal");
    // The whole journal, and in the evidence the writes that touched a bad row next to
    // ghostcut's cut-over lines: their times tell where each write landed.
    std::ofstream ev(o_.evidence_dir + "/run-" + std::to_string(n) + ".evidence", std::ios::app);
    const std::set<std::int64_t> bad_set(bad.begin(), bad.end());
    ev << "\nwrites to the bad rows (writer journal, commit times UTC):\n";
    for (std::size_t w = 0; w < writers.size(); ++w)
      for (const auto& e : writers[w]->journal()) {
        j << e.at << " w" << w << (e.committed ? " " : " (not committed) ") << e.what << "\n";
        if (std::any_of(e.ids.begin(), e.ids.end(), [&](std::int64_t id) { return bad_set.count(id) > 0; }))
          ev << "  " << e.at << " w" << w << (e.committed ? " " : " (not committed) ") << e.what << "\n";
      }
    ev << "ghostcut's cut-over:\n";
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
      if (line.find("cut-over") != std::string::npos || line.find("row copy complete") != std::string::npos)
        ev << "  " << line << "\n";
  }
  if (!bad.empty()) {
    // Keep the database (t, the old table) for a look; drop it otherwise.
    std::cerr << "  (database " << db << " kept for evidence)\n";
  } else {
    admin_->execute("DROP DATABASE IF EXISTS " + quote_identifier(db));
    if (rr.migrated && !rr.uncertain && !std::getenv("GHOSTCUT_STRESS_KEEP_LOGS")) std::remove(log_path.c_str());
  }
  (void)old;
  return rr;
}

void Stress::write_evidence(int n, const std::string& db, const Model& expected, const std::map<std::int64_t, Row>& got,
                            const std::vector<std::int64_t>& bad, const std::string& log_path,
                            const std::string& binlog_from, const std::string& binlog_to,
                            const std::vector<std::string>& kill_log) {
  const std::string path = o_.evidence_dir + "/run-" + std::to_string(n) + ".evidence";
  std::ofstream out(path);
  out << "run " << n << " database " << db << "\nghostcut log: " << log_path << "\nbinlog from " << binlog_from
      << " to " << binlog_to << "\n";
  out << "decode: ghostcut tail --binlog-file <datadir of the server>/<file> --table " << db << ".t\n";
  for (const auto& k : kill_log) out << k << "\n";
  ConnectionSettings cs = cs_;
  cs.database = db;
  auto c = SqlConnection::open(cs);
  const std::string old = old_table_name("t");
  const bool old_exists =
      !c->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", {db, old}).empty();
  out << bad.size() << " bad rows\n";
  std::set<std::int64_t> bad_set(bad.begin(), bad.end());
  for (const auto id : bad) {
    out << "\nid " << id << "\n";
    auto e = expected.find(id);
    auto g = got.find(id);
    out << "  model: " << (e == expected.end() ? "absent" : show(e->second)) << "\n";
    out << "  t:     " << (g == got.end() ? "absent" : show(g->second)) << "\n";
    if (old_exists) {
      auto r = c->query(std::string("SELECT ") + kSelect + " FROM " + quote_identifier(old) + " WHERE id = ?", {id});
      out << "  " << old << ": " << (r.empty() ? "absent" : show(row_of(r.rows[0], 0))) << "\n";
    }
  }
  out.close();
  std::cerr << "  evidence: " << path << "\n";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i =
      static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size())));
  return v[i];
}

int Stress::main() {
  ::mkdir(o_.evidence_dir.c_str(), 0755);
  admin_ = SqlConnection::open(cs_);
  try {
    std::ifstream pid_file(admin_->query("SELECT @@pid_file").scalar().value_or(""));
    long pid = 0;
    std::string comm;  // the server's process, not another one behind the same pid file path
    if (pid_file >> pid) std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/comm"), comm);
    if ((comm == "mariadbd" || comm == "mysqld") && process_cpu_seconds(static_cast<pid_t>(pid)))
      server_pid_ = static_cast<pid_t>(pid);
  } catch (const std::exception&) {  // not ours to read: no CPU figures
  }
  if (!o_.seed)
    o_.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007;
  std::cout << "stress: " << o_.runs << " runs, " << o_.rows << " rows, " << o_.rate << " ops/s by " << o_.writers
            << " writers, " << o_.hogs << " CPU hogs, reader " << (o_.reader ? "on" : "off") << ", kills "
            << (o_.kills ? "on" : "off") << ", seed " << o_.seed << ", ghost table " << ghost_table_name("t")
            << ", ghostcut args [" << o_.ghostcut_args << "]" << std::endl;
  make_template();
  std::atomic<bool> stop_hogs{false};
  std::vector<std::thread> hogs;
  for (int i = 0; i < o_.hogs; ++i) hogs.emplace_back(hog_loop, std::cref(stop_hogs));

  int runs = 0, failed = 0, lossy = 0, self_check_missed = 0;
  std::size_t lost = 0, different = 0, extra = 0;
  std::uint64_t uncertain = 0, ops = 0, errors = 0, conflicts = 0;
  std::vector<double> longest_ms, stall_ms;
  std::vector<std::uint32_t> all_latencies;
  struct ModeTimes {
    std::vector<double> seconds, longest_ms, cpu;  // cpu: server + tool seconds
  };
  std::map<std::string, ModeTimes> by_mode;
  for (int n = 1; n <= o_.runs; ++n) {
    RunResult r;
    try {
      r = run(n);
    } catch (const std::exception& e) {
      std::cout << "run " << n << ": harness error: " << e.what() << std::endl;
      ++failed;
      ++runs;
      if (!o_.keep_going) break;
      continue;
    }
    ++runs;
    const bool bad_rows = r.lost || r.different || r.extra;
    if (!r.migrated) ++failed;
    if (bad_rows) ++lossy;
    lost += r.lost;
    different += r.different;
    extra += r.extra;
    uncertain += r.uncertain;
    ops += r.ops;
    errors += r.writer_errors;
    longest_ms.push_back(static_cast<double>(r.longest_wait.count()) / 1000.0);
    if (r.cut_over_stall_ms) stall_ms.push_back(static_cast<double>(*r.cut_over_stall_ms));
    all_latencies.insert(all_latencies.end(), r.latencies_us.begin(), r.latencies_us.end());
    by_mode[r.mode].seconds.push_back(r.seconds);
    by_mode[r.mode].longest_ms.push_back(longest_ms.back());
    if (r.server_cpu) by_mode[r.mode].cpu.push_back(*r.server_cpu + r.tool_cpu);
    char line[512];
    std::snprintf(
        line, sizeof line,
        "run %d (%s): %s%s %.1fs rows=%zu ops=%" PRIu64 " (%.0f/s) writer-errors=%" PRIu64 " reads=%" PRIu64
        " kills=%" PRIu64 " lost=%zu different=%zu extra=%zu uncertain=%" PRIu64 " longest-wait=%.0fms cut-over=%s",
        n, r.mode.c_str(), r.migrated ? "ok" : "FAILED", r.timed_out ? " (timed out)" : "", r.seconds, r.rows, r.ops,
        static_cast<double>(r.ops) / (r.seconds + 1.0), r.writer_errors, r.reads, r.kills, r.lost, r.different, r.extra,
        r.uncertain, static_cast<double>(r.longest_wait.count()) / 1000.0,
        r.cut_over_stall_ms
            ? (std::to_string(*r.cut_over_stall_ms) + "ms/" + std::to_string(r.cut_over_attempts) + " attempt(s)")
                  .c_str()
            : "-");
    std::cout << line;
    if (!r.error_codes.empty()) {
      std::cout << " writer-error-codes=";
      for (const auto& [code, count] : r.error_codes) std::cout << code << "x" << count << " ";
    }
    if (r.server_cpu) {
      std::snprintf(line, sizeof line, " cpu: server=%.1fs tool=%.1fs", *r.server_cpu, r.tool_cpu);
      std::cout << line;
    }
    if (r.lock_conflicts) std::cout << " ghostcut-lock-conflicts=" << r.lock_conflicts;
    conflicts += r.lock_conflicts;
    if (!r.self_check.empty()) std::cout << " self-check=" << r.self_check;
    if (r.self_check.size() > 2) ++self_check_missed;
    if (!r.migrated) std::cout << " exit=" << r.exit_code << (r.failure.empty() ? "" : " error: " + r.failure);
    std::cout << std::endl;
    if (!o_.keep_going && (!r.migrated || bad_rows)) break;
  }
  stop_hogs = true;
  for (auto& h : hogs) h.join();
  admin_->execute("DROP DATABASE IF EXISTS " + quote_identifier(template_db_));

  std::vector<double> lat(all_latencies.begin(), all_latencies.end());
  for (auto& v : lat) v /= 1000.0;
  char summary[768];
  std::snprintf(summary, sizeof summary,
                "summary: runs=%d failed=%d runs-with-bad-rows=%d lost=%zu different=%zu extra=%zu uncertain=%" PRIu64
                " writer-ops=%" PRIu64 " writer-errors=%" PRIu64
                " | writers' longest wait per run p50=%.0fms p99=%.0fms max=%.0fms"
                " | ghostcut cut-over stall p50=%.0fms p99=%.0fms max=%.0fms (%zu runs)"
                " | all writer ops p50=%.1fms p99=%.1fms",
                runs, failed, lossy, lost, different, extra, uncertain, ops, errors, percentile(longest_ms, 0.5),
                percentile(longest_ms, 0.99), percentile(longest_ms, 1.0), percentile(stall_ms, 0.5),
                percentile(stall_ms, 0.99), percentile(stall_ms, 1.0), stall_ms.size(), percentile(lat, 0.5),
                percentile(lat, 0.99));
  std::cout << summary << " | copier/applier lock conflicts survived: " << conflicts << std::endl;
  if (o_.modes.size() > 1) {
    // Side by side: each mode's median time and worst write wait, and ratios against the native
    // online rebuild (the issue's yardstick), all from this one sitting.
    const double inplace = by_mode.count("inplace") ? percentile(by_mode["inplace"].seconds, 0.5) : 0;
    const double inplace_cpu = by_mode.count("inplace") ? percentile(by_mode["inplace"].cpu, 0.5) : 0;
    for (auto& [mode, t] : by_mode) {
      std::cout << "mode " << mode << ": runs=" << t.seconds.size();
      char buf[256];
      std::snprintf(buf, sizeof buf, " time p50=%.2fs min=%.2fs max=%.2fs | longest write wait max=%.0fms",
                    percentile(t.seconds, 0.5), percentile(t.seconds, 0.0), percentile(t.seconds, 1.0),
                    percentile(t.longest_ms, 1.0));
      std::cout << buf;
      if (inplace > 0 && mode != "inplace") {
        std::snprintf(buf, sizeof buf, " | %.2fx the native online rebuild", percentile(t.seconds, 0.5) / inplace);
        std::cout << buf;
      }
      if (!t.cpu.empty()) {  // server + tool CPU: the work a mode needs, whatever the machine's noise
        std::snprintf(buf, sizeof buf, " | cpu p50=%.1fs", percentile(t.cpu, 0.5));
        std::cout << buf;
        if (inplace_cpu > 0 && mode != "inplace") {
          std::snprintf(buf, sizeof buf, " (%.2fx the native online rebuild's)", percentile(t.cpu, 0.5) / inplace_cpu);
          std::cout << buf;
        }
      }
      std::cout << std::endl;
    }
  }
  if (self_check_missed)
    std::cout << "self-check: the comparison MISSED planted differences in " << self_check_missed << " runs"
              << std::endl;
  return failed || lossy || uncertain || self_check_missed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  const char* host = std::getenv("GHOSTCUT_TEST_HOST");
  const char* port = std::getenv("GHOSTCUT_TEST_PORT");
  const char* user = std::getenv("GHOSTCUT_TEST_USER");
  const char* pass = std::getenv("GHOSTCUT_TEST_PASSWORD");
  if (!host || !port || !user || !pass) {
    std::cerr << "ghostcut_stress: no test server (GHOSTCUT_TEST_* unset; eval \"$(scripts/test-server start)\")\n";
    return 77;
  }
  ConnectionSettings cs;
  cs.host = host;
  cs.port = static_cast<std::uint16_t>(std::atoi(port));
  cs.user = user;
  cs.password = pass;
  ::setenv("GHOSTCUT_PASSWORD", pass, 1);
  ::setenv("HOME", "/nonexistent-ghostcut-home", 1);  // no ~/.my.cnf for the child
  ::signal(SIGPIPE, SIG_IGN);
  sql_driver_init();
  SqlThreadGuard guard;
  try {
    return Stress(std::move(o), cs).main();
  } catch (const std::exception& e) {
    std::cerr << "ghostcut_stress: " << e.what() << "\n";
    return 2;
  }
}
