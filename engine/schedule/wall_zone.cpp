#include "engine/schedule/wall_zone.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include "engine/errc.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

using namespace std::chrono;

constexpr int kMaxOffsetMinutes = 14 * 60;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::isdigit(c)) return false;
  return true;
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::string two(long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02ld", v);
  return buf;
}

const char* kZoneForms =
    "use an IANA name such as Europe/Berlin, UTC (or Z), a fixed offset such as +02:00 or -0500, or no zone for local time";

Result<WallZone> parse_offset(std::string_view text, std::string_view whole) {
  // text starts with + or -
  const int sign = text.front() == '-' ? -1 : 1;
  auto rest = text.substr(1);
  std::string_view hh, mm;
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    hh = rest.substr(0, colon);
    mm = rest.substr(colon + 1);
    if (mm.size() != 2) hh = {};
  } else if (rest.size() == 4) {
    hh = rest.substr(0, 2);
    mm = rest.substr(2);
  } else {
    hh = rest;
    mm = "00";
  }
  if (!all_digits(hh) || hh.size() > 2 || !all_digits(mm))
    return Error(EngineErrc::kBadTimeZone,
                 "bad zone offset '" + std::string(whole) + "': expected +HH:MM, +HHMM or +HH");
  const int h = to_int(hh), m = to_int(mm);
  if (m > 59)
    return Error(EngineErrc::kBadTimeZone,
                 "bad zone offset '" + std::string(whole) + "': minute " + std::string(mm) + " out of range (00-59)");
  if (h * 60 + m > kMaxOffsetMinutes)
    return Error(EngineErrc::kBadTimeZone, "zone offset '" + std::string(whole) + "' out of range (-14:00 to +14:00)");
  WallZone z;
  z.kind = WallZone::Kind::kFixed;
  z.offset = minutes(sign * (h * 60 + m));
  return z;
}

}  // namespace

bool WallZone::operator==(const WallZone& o) const {
  if (kind != o.kind) return false;
  if (kind == Kind::kFixed) return offset == o.offset;
  if (kind == Kind::kIana) return tz && o.tz && tz->name() == o.tz->name();
  return true;
}

std::string WallZone::to_string() const {
  switch (kind) {
    case Kind::kLocal: return "local";
    case Kind::kUtc: return "UTC";
    case Kind::kIana: return tz ? tz->name() : "?";
    case Kind::kFixed: break;
  }
  const auto total = offset.count();
  const auto a = total < 0 ? -total : total;
  return std::string(total < 0 ? "-" : "+") + two(a / 60) + ":" + two(a % 60);
}

Result<WallZone> parse_wall_zone(std::string_view text) {
  text = trim(text);
  if (text.empty() || iequals(text, "local")) return WallZone{};
  if (iequals(text, "UTC") || iequals(text, "Z") || iequals(text, "GMT")) return WallZone::utc();
  auto offset_text = text;
  if (text.size() > 3 && (iequals(text.substr(0, 3), "UTC") || iequals(text.substr(0, 3), "GMT")) &&
      (text[3] == '+' || text[3] == '-'))
    offset_text = text.substr(3);
  if (offset_text.front() == '+' || offset_text.front() == '-') return parse_offset(offset_text, text);
  auto tz = TzifZone::load(text);
  if (!tz) return Error(EngineErrc::kBadTimeZone, tz.error().context + "; " + kZoneForms);
  WallZone z;
  z.kind = WallZone::Kind::kIana;
  z.tz = std::move(*tz);
  return z;
}

Result<seconds> parse_time_of_day(std::string_view text, bool allow_24, bool allow_seconds) {
  const std::string form = allow_seconds ? "HH:MM or HH:MM:SS" : "HH:MM";
  const auto bad = [&] {
    return Error(EngineErrc::kBadSetting, "expected " + form + ", got '" + std::string(text) + "'");
  };
  const auto c1 = text.find(':');
  if (c1 == std::string_view::npos) return bad();
  const auto hh = text.substr(0, c1);
  auto rest = text.substr(c1 + 1);
  std::string_view mm = rest, ss;
  if (const auto c2 = rest.find(':'); c2 != std::string_view::npos) {
    if (!allow_seconds) return bad();
    mm = rest.substr(0, c2);
    ss = rest.substr(c2 + 1);
    if (ss.size() != 2 || !all_digits(ss)) return bad();
  }
  if (hh.empty() || hh.size() > 2 || !all_digits(hh) || mm.size() != 2 || !all_digits(mm)) return bad();
  const int h = to_int(hh), m = to_int(mm), s = ss.empty() ? 0 : to_int(ss);
  if (allow_24 && h == 24 && m == 0 && s == 0) return seconds(24 * 3600);
  if (h > 23) return Error(EngineErrc::kBadSetting, "hour " + std::string(hh) + " out of range (00-23)");
  if (m > 59) return Error(EngineErrc::kBadSetting, "minute " + std::string(mm) + " out of range (00-59)");
  if (s > 59) return Error(EngineErrc::kBadSetting, "second " + std::string(ss) + " out of range (00-59)");
  return seconds(h * 3600 + m * 60 + s);
}

CivilTime to_civil(system_clock::time_point t, const WallZone& zone) {
  const auto secs = floor<seconds>(t);
  if (zone.kind == WallZone::Kind::kIana) {
    const auto shifted = secs + zone.tz->offset_at(secs);
    const auto day = floor<days>(shifted);
    return {day, shifted - day};
  }
  if (zone.kind != WallZone::Kind::kLocal) {
    const auto shifted = secs + zone.offset;
    const auto day = floor<days>(shifted);
    return {day, shifted - day};
  }
  const std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  localtime_r(&tt, &tm);
  const year_month_day ymd{year(tm.tm_year + 1900), month(static_cast<unsigned>(tm.tm_mon + 1)),
                           day(static_cast<unsigned>(tm.tm_mday))};
  return {sys_days(ymd), seconds(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec)};
}

system_clock::time_point from_civil(const WallZone& zone, sys_days date, seconds time_of_day) {
  const auto whole_days = floor<days>(time_of_day);
  date += whole_days;
  time_of_day -= whole_days;
  if (zone.kind == WallZone::Kind::kIana) {
    // The wall time read as UTC, less the offset before or after a nearby change; of the readings
    // that give back this wall time, the first; none (a gap): the reading with the earlier offset.
    const sys_seconds wall = date + time_of_day;
    const auto before = wall - zone.tz->offset_at(wall - days(1));
    const auto after = wall - zone.tz->offset_at(wall + days(1));
    const auto fits = [&](sys_seconds u) { return u + zone.tz->offset_at(u) == wall; };
    if (fits(before) && fits(after)) return system_clock::time_point(std::min(before, after));
    if (fits(before)) return system_clock::time_point(before);
    if (fits(after)) return system_clock::time_point(after);
    return system_clock::time_point(before);
  }
  if (zone.kind != WallZone::Kind::kLocal) return system_clock::time_point(date + time_of_day - zone.offset);
  const year_month_day ymd{date};
  const auto tod = time_of_day.count();
  std::tm tm{};
  tm.tm_year = static_cast<int>(ymd.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(ymd.day()));
  tm.tm_hour = static_cast<int>(tod / 3600);
  tm.tm_min = static_cast<int>((tod / 60) % 60);
  tm.tm_sec = static_cast<int>(tod % 60);
  tm.tm_isdst = -1;  // let mktime find whether DST applies on that date
  return system_clock::from_time_t(std::mktime(&tm));
}

std::string format_wall_time(system_clock::time_point t, const WallZone& zone) {
  const auto c = to_civil(t, zone);
  const year_month_day ymd{c.date};
  const auto tod = c.time_of_day.count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(tod / 3600), static_cast<long long>((tod / 60) % 60));
  std::string out = buf;
  if (tod % 60) out += ":" + two(static_cast<long>(tod % 60));
  if (zone.kind == WallZone::Kind::kIana)
    return out + " " + zone.tz->abbreviation_at(floor<seconds>(t)) + " (" + zone.tz->name() + ")";
  if (zone.kind != WallZone::Kind::kLocal) return out + " " + zone.to_string();
  const std::time_t tt = system_clock::to_time_t(floor<seconds>(t));
  std::tm tm{};
  localtime_r(&tt, &tm);
  char abbrev[16] = {};
  if (std::strftime(abbrev, sizeof abbrev, "%Z", &tm) == 0 || abbrev[0] == '\0') return out + " local";
  return out + " " + abbrev;
}

std::string format_wait(seconds d) {
  const long long total = d.count() < 0 ? 0 : d.count();
  const long long dd = total / 86400, h = (total / 3600) % 24, m = (total / 60) % 60, s = total % 60;
  char buf[48];
  if (dd) std::snprintf(buf, sizeof buf, "%lldd%02lldh", dd, h);
  else if (h) std::snprintf(buf, sizeof buf, "%lldh%02lldm", h, m);
  else if (m) std::snprintf(buf, sizeof buf, "%lldm%02llds", m, s);
  else std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

}  // namespace ghostcut::engine
