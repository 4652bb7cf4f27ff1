// --cut-over-deadline: the instant after which a migration that found no cut-over window fails (or,
// with --cut-over-at-deadline, cuts over anyway). PURE: "now" is a parameter.
//   "2026-11-27 06:00"            local time (also "2026-11-27T06:00", seconds optional)
//   "2026-11-27T06:00:00Z"        with a zone: Z/UTC, a fixed offset ("2026-11-27 06:00 +02:00") or
//                                 an IANA name ("2026-11-27 06:00 Europe/Berlin")
//   "06:00" [zone]                 the next time the clock shows 06:00 after now
//   "+90m", "+2h", "+1h30m", "+1d" relative to now (units s, m, h, d)
// A deadline that is not after now is refused.
#pragma once
#include <chrono>
#include <string_view>

#include "binlog/error.h"

namespace ghostcut::engine {

// bad_value: "bad cut-over deadline '2026-13-01 06:00': month 13 out of range (01-12)".
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_cut_over_deadline(
    std::string_view spec, std::chrono::system_clock::time_point now);

}  // namespace ghostcut::engine
