#include "engine/resume/checkpoint.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <map>

#include "common/thread_name.h"
#include "engine/resume/checkpoint_rows.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Row ids and hints in t_ghc (ids below AUTO_INCREMENT=256 are ours to choose; 1 is the heartbeat).
struct Field {
  std::uint64_t id;
  const char* hint;
};
constexpr Field kAlter{16, "checkpoint.alter"};
constexpr Field kOldSchema{17, "checkpoint.old-schema"};
constexpr Field kNewSchema{18, "checkpoint.new-schema"};
constexpr Field kChunkKey{19, "checkpoint.chunk-key"};
constexpr Field kVersion{20, "checkpoint.version"};
constexpr Field kPhase{21, "checkpoint.phase"};
constexpr Field kBinlog{22, "checkpoint.binlog"};
constexpr Field kCopy{23, "checkpoint.copy"};
// Per range r (r < 4): low-water mark at 24 + 2r, max at 25 + 2r.
constexpr std::uint64_t kRangeKeys = 24;
constexpr std::size_t kMaxRanges = 4;
// t_ghc.value is varchar(4096) utf8mb4; keys longer than this are not stored.
constexpr std::size_t kMaxValue = 4000;
constexpr std::size_t kMaxAlter = 3800;

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int a = nib(hex[i]), b = nib(hex[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string quoted_short(const std::string& s) {
  constexpr std::size_t kShow = 200;
  return "'" + (s.size() > kShow ? s.substr(0, kShow) + "…" : s) + "'";
}

}  // namespace

std::string schema_fingerprint(std::string_view create_statement, std::string_view table_name) {
  (void)table_name;  // the name sits before the first '(' and is cut with the rest of the head
  std::string body(create_statement);
  if (const auto p = body.find('('); p != std::string::npos) body = body.substr(p);
  // " AUTO_INCREMENT=<digits>" out (the counter moves; the table is the same).
  const std::string key = " AUTO_INCREMENT=";
  for (auto p = body.find(key); p != std::string::npos; p = body.find(key, p)) {
    auto e = p + key.size();
    while (e < body.size() && body[e] >= '0' && body[e] <= '9') ++e;
    body.erase(p, e - p);
  }
  return fnv1a64_hex(body);
}

std::string stored_alter(std::string_view alter) {
  if (alter.size() <= kMaxAlter) return std::string(alter);
  std::size_t cut = kMaxAlter;
  while (cut > 0 && (static_cast<unsigned char>(alter[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return std::string(alter.substr(0, cut)) + "… [" + std::to_string(alter.size()) + " bytes, fnv64 " +
         fnv1a64_hex(alter) + "]";
}

PlanIdentity plan_identity(const MigrationPlan& plan, std::string_view original_create, std::string_view version) {
  PlanIdentity id;
  std::string alter = plan.alter;  // a resumed copy must fill backfilled columns the same way
  for (const auto& [column, expression] : plan.mapping.backfills)
    alter += " /* backfill " + column + "=" + expression + " */";
  id.alter = stored_alter(alter);
  id.old_schema = schema_fingerprint(original_create, plan.table);
  id.new_schema = schema_fingerprint(plan.ghost_create_statement, plan.ghost_table);
  id.chunk_key = key_text(plan.chunk_key);
  id.version = std::string(version);
  return id;
}

PlanIdentity plan_identity(SqlConnection& conn, const MigrationPlan& plan, std::string_view version) {
  return plan_identity(plan, show_create_table(conn, plan.database, plan.table), version);
}

std::vector<std::string> plan_differences(const PlanIdentity& was, const PlanIdentity& now) {
  std::vector<std::string> out;
  if (was.alter != now.alter)
    out.push_back("the ALTER differs: the interrupted run had " + quoted_short(was.alter) + ", this one has " +
                  quoted_short(now.alter));
  if (was.old_schema != now.old_schema)
    out.push_back("the original table's definition changed since the interrupted run (fingerprint " + was.old_schema +
                  " then, " + now.old_schema + " now)");
  if (was.new_schema != now.new_schema)
    out.push_back("the table the ALTER produces differs (fingerprint " + was.new_schema + " then, " + now.new_schema +
                  " now)");
  if (was.chunk_key != now.chunk_key)
    out.push_back("the chunk key differs: " + was.chunk_key + " then, " + now.chunk_key + " now");
  if (was.version != now.version)
    out.push_back("the ghostcut version differs: " + was.version + " then, " + now.version + " now");
  return out;
}

std::string encode_key(const KeyTuple& key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i) out += ',';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) out += "n";
          else if constexpr (std::is_same_v<T, std::int64_t>) out += "i:" + std::to_string(v);
          else if constexpr (std::is_same_v<T, std::uint64_t>) out += "u:" + std::to_string(v);
          else if constexpr (std::is_same_v<T, double>) {
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", v);
            out += std::string("d:") + buf;
          } else out += "s:" + to_hex(v);
        },
        key[i]);
  }
  return out;
}

std::optional<KeyTuple> decode_key(std::string_view text) {
  KeyTuple key;
  if (text.empty()) return key;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const auto part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (part == "n") {
      key.emplace_back(nullptr);
    } else if (part.size() >= 2 && part[1] == ':') {
      const auto body = part.substr(2);
      switch (part[0]) {
        case 'i': {
          auto v = parse_number<std::int64_t>(body);
          if (!v) return std::nullopt;
          key.emplace_back(*v);
          break;
        }
        case 'u': {
          auto v = parse_number<std::uint64_t>(body);
          if (!v) return std::nullopt;
          key.emplace_back(*v);
          break;
        }
        case 'd': {
          try {
            std::size_t used = 0;
            const std::string s(body);
            const double v = std::stod(s, &used);
            if (used != s.size()) return std::nullopt;
            key.emplace_back(v);
          } catch (const std::exception&) {
            return std::nullopt;
          }
          break;
        }
        case 's': {
          auto v = from_hex(body);
          if (!v) return std::nullopt;
          key.emplace_back(std::move(*v));
          break;
        }
        default: return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return key;
}

CheckpointStore::CheckpointStore(std::string database, std::string changelog_table)
    : database_(std::move(database)), table_(std::move(changelog_table)) {}

void CheckpointStore::write(SqlConnection& conn, const Checkpoint& c) const {
  std::vector<std::pair<Field, std::string>> rows = {
      {kAlter, c.plan.alter},
      {kOldSchema, c.plan.old_schema},
      {kNewSchema, c.plan.new_schema},
      {kChunkKey, c.plan.chunk_key},
      {kVersion, c.plan.version},
      {kPhase, c.phase},
      {kBinlog, c.applied.empty() ? std::string() : c.applied.to_string()}};
  // "copy": one line per range: "<done> <rows_below> <has low> <has max>".
  std::string copy;
  static const char* const kRangeHints[] = {"checkpoint.low-0", "checkpoint.max-0", "checkpoint.low-1",
                                            "checkpoint.max-1", "checkpoint.low-2", "checkpoint.max-2",
                                            "checkpoint.low-3", "checkpoint.max-3"};
  for (std::size_t r = 0; r < c.ranges.size() && r < kMaxRanges; ++r) {
    const auto& range = c.ranges[r];
    auto low = range.low_water ? encode_key(*range.low_water) : std::string();
    auto max = range.max ? encode_key(*range.max) : std::string();
    const bool low_ok = range.low_water && low.size() <= kMaxValue;
    const bool max_ok = range.max && max.size() <= kMaxValue;
    // Without its max a range cannot resume from its low-water mark: it then starts over.
    const bool keep_low = low_ok && max_ok;
    copy += (r ? "\n" : "") + std::string(range.done && max_ok ? "1" : "0") + " " +
            std::to_string(keep_low ? range.rows_below : 0) + " " + (keep_low ? "1" : "0") + " " + (max_ok ? "1" : "0");
    rows.push_back({Field{kRangeKeys + 2 * r, kRangeHints[2 * r]}, keep_low ? low : std::string()});
    rows.push_back({Field{kRangeKeys + 2 * r + 1, kRangeHints[2 * r + 1]}, max_ok ? max : std::string()});
  }
  rows.push_back({kCopy, copy});
  std::vector<CheckpointRow> out;
  for (auto& [field, value] : rows) out.push_back({field.id, field.hint, std::move(value)});
  write_checkpoint_rows(conn, database_, table_, "ghostcut checkpoint", out);
}

std::optional<Checkpoint> CheckpointStore::read(SqlConnection& conn) const {
  auto read = read_checkpoint_rows(conn, database_, table_, 16, 31);
  if (!read) return std::nullopt;
  auto& v = read->values;
  Checkpoint c;
  c.written_micros = read->written_micros;
  auto get = [&](Field f) -> std::string {
    auto it = v.find(f.id);
    if (it == v.end()) throw std::runtime_error("checkpoint in " + table_ + " lacks its " + f.hint + " row");
    return it->second;
  };
  c.plan = {get(kAlter), get(kOldSchema), get(kNewSchema), get(kChunkKey), get(kVersion)};
  c.phase = get(kPhase);
  if (const auto pos = get(kBinlog); !pos.empty()) {
    const auto colon = pos.rfind(':');
    auto offset = colon == std::string::npos ? std::nullopt
                                             : parse_number<std::uint64_t>(std::string_view(pos).substr(colon + 1));
    if (!offset) throw std::runtime_error("checkpoint in " + table_ + ": bad binlog position '" + pos + "'");
    c.applied = {pos.substr(0, colon), *offset};
  }
  const auto copy = get(kCopy);
  std::size_t start = 0, r = 0;
  while (start < copy.size()) {
    auto nl = copy.find('\n', start);
    const auto line = copy.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    unsigned done = 0, has_low = 0, has_max = 0;
    unsigned long long rows = 0;
    if (std::sscanf(line.c_str(), "%u %llu %u %u", &done, &rows, &has_low, &has_max) != 4)
      throw std::runtime_error("checkpoint in " + table_ + ": bad copy line '" + line + "'");
    CopyRangeProgress range;
    range.done = done != 0;
    range.rows_below = rows;
    auto key = [&](std::uint64_t id) -> std::optional<KeyTuple> {
      auto k = decode_key(v.count(id) ? v[id] : std::string());
      if (!k) throw std::runtime_error("checkpoint in " + table_ + ": bad key in row " + std::to_string(id));
      return k;
    };
    if (has_low) range.low_water = key(kRangeKeys + 2 * r);
    if (has_max) range.max = key(kRangeKeys + 2 * r + 1);
    c.ranges.push_back(std::move(range));
    ++r;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return c;
}

CheckpointWriter::CheckpointWriter(ConnectionSettings settings, CheckpointStore store, Source source,
                                   std::chrono::milliseconds interval, std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      store_(std::move(store)),
      source_(std::move(source)),
      interval_(interval),
      log_(logger ? std::move(logger) : std::make_shared<spdlog::logger>("checkpoint")) {}

CheckpointWriter::CheckpointWriter(ConnectionSettings settings, Write write, std::chrono::milliseconds interval,
                                   std::shared_ptr<spdlog::logger> logger)
    : CheckpointWriter(std::move(settings), CheckpointStore({}, {}), {}, interval, std::move(logger)) {
  write_ = std::move(write);
}

CheckpointWriter::~CheckpointWriter() { stop(); }

void CheckpointWriter::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token st) { loop(st); });
}

void CheckpointWriter::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

bool CheckpointWriter::write_now(std::chrono::milliseconds wait) {
  std::unique_lock lk(mu_);
  const auto target = ++requested_;
  const auto before = writes_.load();
  cv_.notify_all();
  cv_.wait_for(lk, wait, [&] { return served_ >= target || !thread_.joinable(); });
  return served_ >= target && writes_.load() > before;
}

std::string CheckpointWriter::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

bool CheckpointWriter::write_once() {
  try {
    if (write_) {
      if (!conn_) conn_ = SqlConnection::open(settings_);
      write_(*conn_);
    } else {
      const auto c = source_();
      if (!conn_) conn_ = SqlConnection::open(settings_);
      store_.write(*conn_, c);
    }
    ++writes_;
    std::lock_guard lk(mu_);
    if (!last_error_.empty()) log_->info("checkpoint: writing again");
    last_error_.clear();
    return true;
  } catch (const std::exception& e) {
    conn_.reset();  // a new connection next time (the server may have closed this one)
    std::lock_guard lk(mu_);
    if (last_error_.empty())
      log_->warn("checkpoint: {}; retrying (resume would start from the last one written)", e.what());
    last_error_ = e.what();
    return false;
  }
}

void CheckpointWriter::loop(std::stop_token stop) {
  name_this_thread("gc-checkpoint");
  SqlThreadGuard guard;
  for (;;) {
    std::uint64_t serving = 0;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, stop, interval_, [&] { return requested_ > served_; });
      serving = requested_;
    }
    write_once();
    {
      std::lock_guard lk(mu_);
      served_ = serving;
    }
    cv_.notify_all();
    if (stop.stop_requested()) break;
  }
  conn_.reset();
}

}  // namespace ghostcut::engine
