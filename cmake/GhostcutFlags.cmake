# Warning flags for our own targets only (not for third-party headers).
add_library(ghostcut_flags INTERFACE)
target_compile_options(ghostcut_flags INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
# GCC 12 reports false positives from inlined std::copy/memcpy at -O2 (GCC bug 105651 and kin).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ghostcut_flags INTERFACE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict)
endif()
# GCC 12 + Boost.Asio 1.74 coroutines need <utility> seen first. Targets with a precompiled header
# (the tests) get it from that header instead: GCC uses a PCH only when it is the first include.
target_compile_options(ghostcut_flags INTERFACE
  "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:GHOSTCUT_PCH>>>:-include;utility>")
if(GHOSTCUT_SANITIZE)
  target_compile_options(ghostcut_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(ghostcut_flags INTERFACE -fsanitize=address,undefined)
endif()
