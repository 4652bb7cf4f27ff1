#include "engine/schedule/cut_over_window.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include "engine/errc.h"

namespace ghostcut::engine {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> kDayShort = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kDayLong = {"monday", "tuesday",  "wednesday", "thursday",
                                                      "friday", "saturday", "sunday"};
constexpr std::string_view kForm = "expected [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 22:30-01:00 UTC'";

std::optional<int> day_index(std::string_view name) {
  const auto l = lower(name);
  for (int i = 0; i < 7; ++i)
    if (l == lower(kDayShort[static_cast<std::size_t>(i)]) || l == kDayLong[static_cast<std::size_t>(i)]) return i;
  return std::nullopt;
}

// Why the days text is wrong, or nullopt with `days` filled.
std::optional<std::string> parse_days(const std::string_view whole, std::array<bool, 7>& days) {
  auto text = whole;
  for (;;) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (item.empty()) return "empty day in '" + std::string(whole) + "'";
    const auto dash = item.find('-');
    const auto first_name = trim(item.substr(0, dash));
    const auto first = day_index(first_name);
    if (!first) return "unknown day '" + std::string(first_name) + "' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)";
    int last = *first;
    if (dash != std::string_view::npos) {
      const auto last_name = trim(item.substr(dash + 1));
      const auto l = day_index(last_name);
      if (!l) return "unknown day '" + std::string(last_name) + "' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)";
      last = *l;
    }
    for (int d = *first;; d = (d + 1) % 7) {  // a range may wrap: Sat-Mon
      days[static_cast<std::size_t>(d)] = true;
      if (d == last) break;
    }
    if (comma == std::string_view::npos) return std::nullopt;
    text.remove_prefix(comma + 1);
  }
}

std::string hh_mm(int minute) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

struct Opening {
  WallTime open;
  WallTime close;
};

bool opens_on(const CutOverWindow& w, sys_days d) { return w.days[weekday(d).iso_encoding() - 1]; }

Opening opening_on(const CutOverWindow& w, sys_days d) {
  const auto open = from_civil(w.zone, d, minutes(w.start_minute));
  const auto close = from_civil(w.zone, w.crosses_midnight() ? d + days(1) : d, minutes(w.end_minute));
  return {open, close};
}

// The opening that holds t, if any: it opened on t's civil day or the day before.
std::optional<Opening> holding(const CutOverWindow& w, WallTime t) {
  const auto today = to_civil(t, w.zone).date;
  for (const auto d : {today - days(1), today}) {
    if (!opens_on(w, d)) continue;
    const auto o = opening_on(w, d);
    if (o.open <= t && t < o.close) return o;
  }
  return std::nullopt;
}

}  // namespace

std::string CutOverWindow::to_string() const {
  std::string out;
  const bool every_day = std::all_of(days.begin(), days.end(), [](bool b) { return b; });
  if (!every_day) {
    for (int i = 0; i < 7;) {
      if (!days[static_cast<std::size_t>(i)]) {
        ++i;
        continue;
      }
      int j = i;
      while (j + 1 < 7 && days[static_cast<std::size_t>(j + 1)]) ++j;
      if (!out.empty()) out += ",";
      out += kDayShort[static_cast<std::size_t>(i)];
      if (j == i + 1) out += std::string(",") + std::string(kDayShort[static_cast<std::size_t>(j)]);
      if (j > i + 1) out += std::string("-") + std::string(kDayShort[static_cast<std::size_t>(j)]);
      i = j + 1;
    }
    out += " ";
  }
  out += hh_mm(start_minute) + "-" + hh_mm(end_minute);
  if (zone.kind != WallZone::Kind::kLocal) out += " " + zone.to_string();
  return out;
}

Result<CutOverWindow> parse_cut_over_window(std::string_view spec) {
  spec = trim(spec);
  const auto fail = [&](const std::string& why) {
    return Error(EngineErrc::kBadSetting, "bad cut-over window '" + std::string(spec) + "': " + why);
  };
  if (spec.empty()) return fail("empty; " + std::string(kForm));
  CutOverWindow w;
  w.spec = std::string(spec);

  // Days: everything before the first word that starts with a digit.
  std::size_t times_at = std::string_view::npos;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const bool word_start = i == 0 || std::isspace(static_cast<unsigned char>(spec[i - 1]));
    if (word_start && std::isdigit(static_cast<unsigned char>(spec[i]))) {
      times_at = i;
      break;
    }
  }
  if (times_at == std::string_view::npos) return fail("no time range; " + std::string(kForm));
  const auto days_text = trim(spec.substr(0, times_at));
  if (days_text.empty()) {
    w.days.fill(true);
  } else if (auto why = parse_days(days_text, w.days)) {
    return fail(*why);
  }

  // Times: HH:MM - HH:MM (spaces around the dash allowed), then the zone.
  auto rest = spec.substr(times_at);
  const auto time_word = [](std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == ':')) ++n;
    const auto word = s.substr(0, n);
    s = trim(s.substr(n));
    return word;
  };
  const auto start_text = time_word(rest);
  auto start = parse_time_of_day(start_text, false, false);
  if (!start) return fail(start.error().context);
  if (rest.empty() || rest.front() != '-') {
    if (rest.empty()) return fail("no end time after " + std::string(start_text) + "; " + std::string(kForm));
    return fail("expected '-' between start and end time, got '" + std::string(rest) + "'");
  }
  rest = trim(rest.substr(1));
  const auto end_text = time_word(rest);
  if (end_text.empty()) return fail("no end time after " + std::string(start_text) + "-; " + std::string(kForm));
  auto end = parse_time_of_day(end_text, true, false);
  if (!end) return fail(end.error().context);
  auto zone = parse_wall_zone(rest);
  if (!zone) return fail(zone.error().context);
  w.start_minute = static_cast<int>(start->count() / 60);
  w.end_minute = static_cast<int>(end->count() / 60);
  w.zone = *zone;
  if (w.start_minute == w.end_minute)
    return fail("start and end are both " + hh_mm(w.start_minute) + "; use 00:00-24:00 for a whole day");
  return w;
}

Result<std::vector<CutOverWindow>> parse_cut_over_windows(const std::vector<std::string>& specs) {
  std::vector<CutOverWindow> out;
  out.reserve(specs.size());
  for (const auto& s : specs) {
    auto w = parse_cut_over_window(s);
    if (!w) return w.error();
    out.push_back(std::move(*w));
  }
  return out;
}

bool window_open(const CutOverWindow& w, WallTime t) { return holding(w, t).has_value(); }

WallTime next_open(const CutOverWindow& w, WallTime t) {
  if (window_open(w, t)) return t;
  const auto today = to_civil(t, w.zone).date;
  for (int i = 0; i <= 8; ++i) {  // a week and a margin: every window opens at least weekly
    const auto d = today + days(i);
    if (!opens_on(w, d)) continue;
    const auto o = opening_on(w, d);
    if (o.open > t && o.close > o.open) return o.open;
  }
  return WallTime::max();
}

WallTime close_after(const CutOverWindow& w, WallTime t) {
  auto at = next_open(w, t);
  if (at == WallTime::max()) return at;
  for (int i = 0; i < 16; ++i) {  // follow back-to-back openings
    const auto o = holding(w, at);
    if (!o) return at;
    at = o->close;
  }
  return WallTime::max();
}

bool window_open(const std::vector<CutOverWindow>& ws, WallTime t) {
  if (ws.empty()) return true;
  return std::any_of(ws.begin(), ws.end(), [&](const CutOverWindow& w) { return window_open(w, t); });
}

WallTime next_open(const std::vector<CutOverWindow>& ws, WallTime t) {
  if (ws.empty()) return t;
  auto best = WallTime::max();
  for (const auto& w : ws) best = std::min(best, next_open(w, t));
  return best;
}

WallTime close_after(const std::vector<CutOverWindow>& ws, WallTime t) {
  if (ws.empty()) return WallTime::max();
  auto at = next_open(ws, t);
  for (int i = 0; i < 64 && at != WallTime::max(); ++i) {  // follow overlapping and touching windows
    auto next = at;
    for (const auto& w : ws)
      if (window_open(w, at)) next = std::max(next, close_after(w, at));
    if (next == at) return at;
    at = next;
  }
  return WallTime::max();
}

}  // namespace ghostcut::engine
