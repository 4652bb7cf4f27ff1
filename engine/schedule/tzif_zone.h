// An IANA time zone ("Europe/Berlin") read from the system's compiled tz database (TZif files,
// RFC 8536, under $TZDIR or /usr/share/zoneinfo): the transition table, and past its end the
// POSIX TZ rule in the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3"). GCC 12 has no std::chrono
// tzdb, and mktime can only do the process's own TZ, hence this small reader.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"

namespace ghostcut::engine {

// A POSIX TZ rule: std offset, and optionally dst offset with start/end rules.
struct PosixTzRule {
  struct Date {
    enum class Kind { kJulian1, kJulian0, kMonthWeekDay };  // Jn (no Feb 29), n (with Feb 29), Mm.w.d
    Kind kind = Kind::kMonthWeekDay;
    int day = 0, month = 0, week = 0;     // day: n, or weekday 0 (Sun)..6
    std::chrono::seconds time{2 * 3600};  // local time of the change (may be negative or > 24 h)
  };
  std::string std_name, dst_name;
  std::chrono::seconds std_offset{0};  // east of UTC (the POSIX text has the opposite sign)
  std::optional<std::chrono::seconds> dst_offset;
  Date start, end;

  std::chrono::seconds offset_at(std::chrono::sys_seconds t, bool* is_dst = nullptr) const;
};
// bad_value with the reason.
[[nodiscard]] Result<PosixTzRule> parse_posix_tz(std::string_view text);

class TzifZone {
 public:
  // name: "Europe/Berlin" (letters, digits, '/', '_', '-', '+'; no "..").
  [[nodiscard]] static Result<std::shared_ptr<const TzifZone>> load(std::string_view name);
  [[nodiscard]] static Result<std::shared_ptr<const TzifZone>> from_bytes(std::string name, std::string_view bytes);

  const std::string& name() const { return name_; }
  // Offset east of UTC in effect at t, and the abbreviation ("CET").
  std::chrono::seconds offset_at(std::chrono::sys_seconds t) const;
  std::string abbreviation_at(std::chrono::sys_seconds t) const;

 private:
  struct Type {
    std::int32_t offset;
    bool dst;
    std::string abbreviation;
  };
  const Type* type_at(std::chrono::sys_seconds t) const;  // nullptr: the footer rule applies

  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<std::uint8_t> transition_types_;
  std::vector<Type> types_;
  std::optional<PosixTzRule> footer_;
};

}  // namespace ghostcut::engine
