// Build time (issue #17): fmt 9 instantiates its formatting engine (detail::vformat_to<char> and
// the integer and float writers it calls, 60-130 KB of code) in every file that formats or logs
// with arguments, although the shared libfmt exports that very instantiation. Declaring it extern
// makes every file call libfmt's copy instead, as fmt 10's own format.h does. Only the build
// includes this (forced on the libraries in CMakeLists.txt; tests/support/test_pch_server.h): it
// changes build time, not what the code does.
#pragma once
#if __has_include(<fmt/format.h>)
#include <fmt/format.h>
#if FMT_VERSION >= 90000 && FMT_VERSION < 100000 && !defined(FMT_HEADER_ONLY)
FMT_BEGIN_NAMESPACE
namespace detail {
extern template FMT_API void vformat_to<char>(buffer<char>&, basic_string_view<char>,
                                              basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
}  // namespace detail
FMT_END_NAMESPACE
#endif
#endif
