#include "engine/throttle/load_probe.h"

#include <charconv>
#include <stdexcept>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::map<std::string, std::int64_t> parse_global_status(const ResultTable& rows) {
  std::map<std::string, std::int64_t> out;
  for (const auto& row : rows.rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    if (auto v = parse_int(*row[1])) out[*row[0]] = *v;
  }
  return out;
}

std::int64_t throttle_query_answer(const ResultTable& rows) {
  if (rows.empty() || rows.rows.front().empty() || !rows.rows.front().front()) return 0;
  const std::string& text = *rows.rows.front().front();
  if (auto v = parse_int(text)) return *v;
  throw std::invalid_argument("throttle query returned '" + text.substr(0, 40) + "', not an integer");
}

LoadProbe::LoadProbe(ConnectionSettings primary) : primary_(std::move(primary)) {
  // A hung primary must not hold the probe (and stop()) forever.
  if (primary_.read_timeout.count() == 0) primary_.read_timeout = std::chrono::seconds(10);
}

LoadProbe::~LoadProbe() = default;

ResultTable LoadProbe::run(const std::string& sql) {
  try {
    if (!conn_) conn_ = SqlConnection::open(primary_);
    return conn_->query(sql);
  } catch (...) {
    conn_.reset();
    throw;
  }
}

std::map<std::string, std::int64_t> LoadProbe::global_status() {
  return parse_global_status(run("/* ghostcut throttle max-load */ SHOW GLOBAL STATUS"));
}

std::int64_t LoadProbe::throttle_query(const std::string& sql) { return throttle_query_answer(run(sql)); }

}  // namespace ghostcut::engine
