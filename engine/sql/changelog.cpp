#include "engine/sql/changelog.h"

#include <charconv>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

// Row id and hint of the heartbeat; columns of a binlog row image, in CREATE order.
constexpr std::uint64_t kHeartbeatId = 1;
constexpr std::string_view kHeartbeatHint = "heartbeat";
constexpr std::size_t kHintColumn = 2, kValueColumn = 3;

std::optional<std::int64_t> parse_micros(std::string_view text) {
  std::int64_t micros = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return micros;
}

}  // namespace

std::int64_t wall_clock_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Changelog::Changelog(std::string database, std::string table, std::string subject)
    : database_(std::move(database)), table_(std::move(table)), subject_(std::move(subject)) {
  if (subject_.empty()) subject_ = database_ + "." + table_;
}

std::string Changelog::comment(std::string_view purpose) const { return statement_comment(subject_, purpose); }

std::string Changelog::create_query() const {
  return comment("create-changelog") + "CREATE TABLE " + quote_qualified(database_, table_) +
         " (`id` bigint unsigned NOT NULL AUTO_INCREMENT,"
         " `last_update` timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),"
         " `hint` varchar(64) CHARACTER SET ascii NOT NULL,"
         " `value` varchar(4096) CHARACTER SET utf8mb4 NOT NULL,"
         " PRIMARY KEY (`id`), UNIQUE KEY `hint_uidx` (`hint`)) ENGINE=InnoDB AUTO_INCREMENT=256";
}

BuiltQuery Changelog::heartbeat_query(std::string_view value) const {
  BuiltQuery q;
  q.sql = comment("heartbeat") + "INSERT INTO " + quote_qualified(database_, table_) +
          " (`id`, `hint`, `value`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `value` = ?, `last_update` = NOW(6)";
  q.params = {kHeartbeatId, std::string(kHeartbeatHint), std::string(value), std::string(value)};
  return q;
}

void Changelog::write_heartbeat(SqlConnection& c, std::int64_t now_micros) const {
  const auto q = heartbeat_query(std::to_string(now_micros));
  c.update(q.sql, q.params);
}

std::string Changelog::read_heartbeat_query() const {
  return comment("heartbeat-read") + "SELECT `value` FROM " + quote_qualified(database_, table_) +
         " WHERE `id` = " + std::to_string(kHeartbeatId);
}

std::optional<std::int64_t> Changelog::heartbeat_in(const binlog::RowImage& row) {
  if (row.values.size() <= kValueColumn) return std::nullopt;
  const auto* hint = std::get_if<binlog::BytesValue>(&row.values[kHintColumn]);
  const auto* value = std::get_if<binlog::BytesValue>(&row.values[kValueColumn]);
  if (!hint || !value || hint->bytes() != kHeartbeatHint) return std::nullopt;
  auto micros = parse_micros(value->bytes());
  if (!micros || *micros <= 0) return std::nullopt;
  return micros;
}

Result<std::chrono::milliseconds> Changelog::lag(const Cell& value, std::int64_t now_micros) {
  if (!value) return Error(binlog::Errc::kBadValue, "heartbeat value is NULL");
  const auto micros = parse_micros(*value);
  if (!micros) return Error(binlog::Errc::kBadValue, "heartbeat value '" + value->substr(0, 40) + "' is not a number");
  const std::int64_t lag = now_micros > *micros ? now_micros - *micros : 0;
  return std::chrono::milliseconds(lag / 1000);
}

}  // namespace ghostcut::engine
