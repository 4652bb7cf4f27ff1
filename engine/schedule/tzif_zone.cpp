#include "engine/schedule/tzif_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include "engine/errc.h"

namespace ghostcut::engine {
namespace {

using namespace std::chrono;

// ---- POSIX TZ text ----

struct Cursor {
  std::string_view s;
  bool eat(char c) {
    if (!s.empty() && s.front() == c) {
      s.remove_prefix(1);
      return true;
    }
    return false;
  }
  std::optional<int> number() {
    std::size_t n = 0;
    int v = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n])) && n < 6) v = v * 10 + (s[n++] - '0');
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
    return v;
  }
};

std::optional<std::string> zone_name(Cursor& c) {
  if (c.eat('<')) {
    const auto close = c.s.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    std::string out(c.s.substr(0, close));
    c.s.remove_prefix(close + 1);
    return out;
  }
  std::size_t n = 0;
  while (n < c.s.size() && std::isalpha(static_cast<unsigned char>(c.s[n]))) ++n;
  if (n < 3) return std::nullopt;
  std::string out(c.s.substr(0, n));
  c.s.remove_prefix(n);
  return out;
}

// [+-]hh[:mm[:ss]]
std::optional<seconds> hms(Cursor& c) {
  int sign = 1;
  if (c.eat('-')) sign = -1;
  else c.eat('+');
  const auto h = c.number();
  if (!h || *h > 167) return std::nullopt;
  int m = 0, s = 0;
  if (c.eat(':')) {
    const auto mm = c.number();
    if (!mm || *mm > 59) return std::nullopt;
    m = *mm;
    if (c.eat(':')) {
      const auto ss = c.number();
      if (!ss || *ss > 59) return std::nullopt;
      s = *ss;
    }
  }
  return seconds(sign * (*h * 3600 + m * 60 + s));
}

std::optional<PosixTzRule::Date> rule_date(Cursor& c) {
  PosixTzRule::Date d;
  if (c.eat('M')) {
    d.kind = PosixTzRule::Date::Kind::kMonthWeekDay;
    const auto m = c.number();
    if (!m || !c.eat('.')) return std::nullopt;
    const auto w = c.number();
    if (!w || !c.eat('.')) return std::nullopt;
    const auto wd = c.number();
    if (!wd || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *wd > 6) return std::nullopt;
    d.month = *m;
    d.week = *w;
    d.day = *wd;
  } else {
    d.kind = c.eat('J') ? PosixTzRule::Date::Kind::kJulian1 : PosixTzRule::Date::Kind::kJulian0;
    const auto n = c.number();
    if (!n || *n > 365 || (d.kind == PosixTzRule::Date::Kind::kJulian1 && *n < 1)) return std::nullopt;
    d.day = *n;
  }
  if (c.eat('/')) {
    const auto t = hms(c);
    if (!t) return std::nullopt;
    d.time = *t;
  }
  return d;
}

sys_days date_in_year(const PosixTzRule::Date& d, int y) {
  const year yr{y};
  switch (d.kind) {
    case PosixTzRule::Date::Kind::kJulian1: {
      auto day = sys_days(yr / January / 1) + days(d.day - 1);
      if (yr.is_leap() && d.day >= 60) day += days(1);  // Jn never counts February 29
      return day;
    }
    case PosixTzRule::Date::Kind::kJulian0: return sys_days(yr / January / 1) + days(d.day);
    case PosixTzRule::Date::Kind::kMonthWeekDay: break;
  }
  const auto first = sys_days(yr / month(static_cast<unsigned>(d.month)) / 1);
  const auto last = sys_days(yr / month(static_cast<unsigned>(d.month)) / std::chrono::last);
  const int delta = (d.day - static_cast<int>(weekday(first).c_encoding()) + 7) % 7;
  auto day = first + days(delta + (d.week - 1) * 7);
  while (day > last) day -= days(7);  // week 5 = the last one
  return day;
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}
std::int64_t be64(std::string_view b, std::size_t at) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(be32(b, at)) << 32) | be32(b, at + 4));
}

}  // namespace

Result<PosixTzRule> parse_posix_tz(std::string_view text) {
  const auto bad = [&] { return Error(EngineErrc::kBadTimeZone, "bad POSIX TZ rule '" + std::string(text) + "'"); };
  Cursor c{text};
  PosixTzRule r;
  auto name = zone_name(c);
  auto off = hms(c);
  if (!name || !off) return bad();
  r.std_name = *name;
  r.std_offset = -*off;
  if (c.s.empty()) return r;
  name = zone_name(c);
  if (!name) return bad();
  r.dst_name = *name;
  r.dst_offset = r.std_offset + hours(1);
  if (!c.s.empty() && c.s.front() != ',') {
    off = hms(c);
    if (!off) return bad();
    r.dst_offset = -*off;
  }
  if (!c.eat(',')) return bad();  // tzdata footers always give the rules
  auto start = rule_date(c);
  if (!start || !c.eat(',')) return bad();
  auto end = rule_date(c);
  if (!end || !c.s.empty()) return bad();
  r.start = *start;
  r.end = *end;
  return r;
}

seconds PosixTzRule::offset_at(sys_seconds t, bool* is_dst) const {
  if (is_dst) *is_dst = false;
  if (!dst_offset) return std_offset;
  const int y = static_cast<int>(year_month_day(floor<days>(t + std_offset)).year());
  // The rule's year is the local (standard time) year, so a change near New Year lands in the right one.
  const auto in_dst = [&](int yy) {
    const auto s = sys_seconds(date_in_year(start, yy)) + start.time - std_offset;
    const auto e = sys_seconds(date_in_year(end, yy)) + end.time - *dst_offset;
    return s < e ? (s <= t && t < e) : !(e <= t && t < s);
  };
  const bool dst = in_dst(y);
  if (is_dst) *is_dst = dst;
  return dst ? *dst_offset : std_offset;
}

Result<std::shared_ptr<const TzifZone>> TzifZone::load(std::string_view name) {
  const auto refuse = [&](const std::string& why) {
    return Error(EngineErrc::kBadTimeZone, "time zone '" + std::string(name) + "' " + why);
  };
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
    return refuse("is not a zone name");
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '/' && c != '_' && c != '-' && c != '+') return refuse("is not a zone name");
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return refuse("is not known (no zone file " + path + ")");
  if (std::filesystem::file_size(path, ec) > (1u << 20)) return refuse("cannot be read from " + path + ": too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) return refuse("cannot be read from " + path);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto zone = from_bytes(std::string(name), bytes);
  if (!zone) return refuse("cannot be read from " + path + ": " + zone.error().context);
  return zone;
}

Result<std::shared_ptr<const TzifZone>> TzifZone::from_bytes(std::string name, std::string_view b) {
  const auto bad = [](const std::string& why) { return Error(EngineErrc::kBadTimeZone, why); };
  if (b.size() < 44 || b.substr(0, 4) != "TZif") return bad("not a TZif file");
  const char version = b[4];
  struct Counts {
    std::uint32_t isut, isstd, leap, time, type, chars;
  };
  const auto counts = [&](std::size_t at) {
    return Counts{be32(b, at + 20), be32(b, at + 24), be32(b, at + 28),
                  be32(b, at + 32), be32(b, at + 36), be32(b, at + 40)};
  };
  auto c = counts(0);
  std::size_t at = 44;
  std::size_t time_size = 4;
  if (version >= '2') {  // skip the 32-bit block: the 64-bit one follows with its own header
    at += std::size_t{c.time} * 5 + std::size_t{c.type} * 6 + c.chars + std::size_t{c.leap} * 8 + c.isstd + c.isut;
    if (b.size() < at + 44 || b.substr(at, 4) != "TZif") return bad("truncated (no second header)");
    c = counts(at);
    at += 44;
    time_size = 8;
  }
  if (c.leap != 0) return bad("leap-second zones are not supported");
  if (c.type == 0 || c.type > 256) return bad("bad type count");
  const std::size_t need = std::size_t{c.time} * (time_size + 1) + std::size_t{c.type} * 6 + c.chars + c.isstd + c.isut;
  if (b.size() < at + need) return bad("truncated");
  auto zone = std::make_shared<TzifZone>();
  zone->name_ = std::move(name);
  for (std::uint32_t i = 0; i < c.time; ++i)
    zone->transitions_.push_back(time_size == 8 ? be64(b, at + i * 8) : static_cast<std::int32_t>(be32(b, at + i * 4)));
  at += std::size_t{c.time} * time_size;
  for (std::uint32_t i = 0; i < c.time; ++i) {
    const auto idx = static_cast<std::uint8_t>(b[at + i]);
    if (idx >= c.type) return bad("transition type out of range");
    zone->transition_types_.push_back(idx);
  }
  at += c.time;
  const auto chars_at = at + std::size_t{c.type} * 6;
  for (std::uint32_t i = 0; i < c.type; ++i) {
    const auto p = at + i * 6;
    const auto abbr_index = static_cast<std::uint8_t>(b[p + 5]);
    if (abbr_index >= c.chars) return bad("abbreviation index out of range");
    const auto abbr = b.substr(chars_at + abbr_index, c.chars - abbr_index);
    zone->types_.push_back(
        Type{static_cast<std::int32_t>(be32(b, p)), b[p + 4] != 0, std::string(abbr.substr(0, abbr.find('\0')))});
  }
  at = chars_at + c.chars + c.isstd + c.isut;
  if (version >= '2' && at < b.size() && b[at] == '\n') {
    const auto end = b.find('\n', at + 1);
    const auto footer = b.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1);
    if (!footer.empty()) {
      auto rule = parse_posix_tz(footer);
      if (!rule) return bad(rule.error().context);
      zone->footer_ = std::move(*rule);
    }
  }
  return std::shared_ptr<const TzifZone>(std::move(zone));
}

const TzifZone::Type* TzifZone::type_at(sys_seconds t) const {
  const auto s = t.time_since_epoch().count();
  if (transitions_.empty() || s < transitions_.front())
    return footer_ && transitions_.empty() ? nullptr : &types_.front();
  if (s >= transitions_.back() && footer_) return nullptr;
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  return &types_[transition_types_[static_cast<std::size_t>(it - transitions_.begin() - 1)]];
}

seconds TzifZone::offset_at(sys_seconds t) const {
  if (const auto* type = type_at(t)) return seconds(type->offset);
  return footer_->offset_at(t);
}

std::string TzifZone::abbreviation_at(sys_seconds t) const {
  if (const auto* type = type_at(t)) return type->abbreviation;
  bool dst = false;
  footer_->offset_at(t, &dst);
  return dst ? footer_->dst_name : footer_->std_name;
}

}  // namespace ghostcut::engine
