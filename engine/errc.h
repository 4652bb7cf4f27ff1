// Error codes of the engine's own parsers, for Error / Result (which carry any
// std::error_code): an operator's setting that cannot be taken, a time zone that cannot be read.
// The binlog layers' Errc stays theirs (bytes and protocol).
#pragma once
#include <string>
#include <system_error>
#include <type_traits>

namespace ghostcut::engine {

enum class EngineErrc {
  kBadSetting = 1,  // a flag, control command or schedule the engine refuses (says why)
  kBadTimeZone,     // a zone name, offset or TZif file that cannot be used
};

const std::error_category& engine_category() noexcept;
inline std::error_code make_error_code(EngineErrc e) noexcept { return {static_cast<int>(e), engine_category()}; }

}  // namespace ghostcut::engine

template <>
struct std::is_error_code_enum<ghostcut::engine::EngineErrc> : std::true_type {};
