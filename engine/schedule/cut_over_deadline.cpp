#include "engine/schedule/cut_over_deadline.h"

#include "engine/text.h"

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/errc.h"
#include "engine/schedule/wall_zone.h"

namespace ghostcut::engine {
namespace {

using namespace std::chrono;

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// "+90m", "+1h30m": why it is wrong, or nullopt with `out` set.
std::optional<std::string> parse_relative(std::string_view text, seconds& out) {
  out = seconds(0);
  auto s = text.substr(1);
  if (s.empty()) return std::string("nothing after '+'; e.g. +90m or +2h");
  while (!s.empty()) {
    std::size_t n = 0;
    std::uint64_t v = 0;
    while (n < s.size() && digit(s[n])) {
      v = v * 10 + static_cast<std::uint64_t>(s[n] - '0');
      if (v > 100000000) return std::string("duration too long");
      ++n;
    }
    if (n == 0) return "expected a number at '" + std::string(s) + "'; e.g. +90m or +2h";
    if (n == s.size()) return "missing unit after " + std::string(s.substr(0, n)) + " (use s, m, h or d, e.g. +90m)";
    const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(s[n])));
    const std::uint64_t mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
    if (mult == 0) return "unknown unit '" + std::string(1, s[n]) + "' (use s, m, h or d)";
    out += seconds(static_cast<std::int64_t>(v * mult));
    if (out > hours(24 * 366)) return std::string("duration too long (at most a year)");
    s.remove_prefix(n + 1);
  }
  if (out.count() == 0) return std::string("the deadline must be after now");
  return std::nullopt;
}

// The time part and the zone after it: "06:00", "06:00:30Z", "06:00 +02:00".
struct TimeAndZone {
  seconds time_of_day;
  WallZone zone;
};
Result<TimeAndZone> parse_time_and_zone(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && (digit(text[n]) || text[n] == ':')) ++n;
  auto t = parse_time_of_day(text.substr(0, n), false, true);
  if (!t) return t.error();
  auto z = parse_wall_zone(text.substr(n));
  if (!z) return z.error();
  return TimeAndZone{*t, *z};
}

}  // namespace

Result<system_clock::time_point> parse_cut_over_deadline(std::string_view spec, system_clock::time_point now) {
  spec = trim(spec);
  const auto fail = [&](const std::string& why) {
    return Error(EngineErrc::kBadSetting, "bad cut-over deadline '" + std::string(spec) + "': " + why);
  };
  if (spec.empty()) return fail("empty; expected 'YYYY-MM-DD HH:MM' [zone], 'HH:MM' [zone] or a relative '+90m'");
  if (spec.front() == '+') {
    seconds d{};
    if (auto why = parse_relative(spec, d)) return fail(*why);
    return now + d;
  }
  const bool dated =
      spec.size() >= 10 && digit(spec[0]) && digit(spec[1]) && digit(spec[2]) && digit(spec[3]) && spec[4] == '-';
  if (dated) {
    // YYYY-MM-DD then ' ' or 'T' then the time
    const auto date_text = spec.substr(0, 10);
    const bool shape =
        digit(date_text[5]) && digit(date_text[6]) && date_text[7] == '-' && digit(date_text[8]) && digit(date_text[9]);
    if (!shape) return fail("expected the date as YYYY-MM-DD, got '" + std::string(date_text) + "'");
    const int y = std::stoi(std::string(date_text.substr(0, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(date_text.substr(5, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(date_text.substr(8, 2))));
    if (m < 1 || m > 12) return fail("month " + std::string(date_text.substr(5, 2)) + " out of range (01-12)");
    const year_month_day ymd{year(y), month(m), day(d)};
    if (!ymd.ok())
      return fail("day " + std::string(date_text.substr(8, 2)) + " does not exist in " +
                  std::string(date_text.substr(0, 7)));
    auto rest = spec.substr(10);
    if (rest.empty()) return fail("no time after the date; e.g. '" + std::string(date_text) + " 06:00'");
    if (rest.front() != 'T' && rest.front() != 't' && rest.front() != ' ')
      return fail("expected ' ' or 'T' between date and time, got '" + std::string(rest) + "'");
    auto tz = parse_time_and_zone(trim(rest.substr(1)));
    if (!tz) return fail(tz.error().context);
    const auto at = from_civil(tz->zone, sys_days(ymd), tz->time_of_day);
    if (at <= now) return fail("it is in the past (now " + format_wall_time(now, tz->zone) + ")");
    return at;
  }
  if (!digit(spec.front())) return fail("expected 'YYYY-MM-DD HH:MM' [zone], 'HH:MM' [zone] or a relative '+90m'");
  auto tz = parse_time_and_zone(spec);
  if (!tz) return fail(tz.error().context);
  // The next time the zone's clock shows that time, strictly after now.
  const auto today = to_civil(now, tz->zone).date;
  for (int i = 0; i <= 2; ++i) {
    const auto at = from_civil(tz->zone, today + days(i), tz->time_of_day);
    if (at > now) return at;
  }
  return fail("no such time in the next days");  // unreachable in practice
}

}  // namespace ghostcut::engine
