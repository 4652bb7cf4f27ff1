# Warning flags for our own targets only (not for third-party headers).
add_library(ghostcut_flags INTERFACE)
target_compile_options(ghostcut_flags INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
# GCC 12 reports false positives from inlined std::copy/memcpy at -O2 (GCC bug 105651 and kin).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ghostcut_flags INTERFACE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict)
  # From -O1 it also takes Asio's coroutine frame allocator for a mismatched new/delete.
  target_compile_options(ghostcut_flags INTERFACE -Wno-mismatched-new-delete)
endif()
# GCC 12 + Boost.Asio 1.74 coroutines need <utility> seen first. Targets with a precompiled header
# (the tests) get it from that header instead: GCC uses a PCH only when it is the first include.
target_compile_options(ghostcut_flags INTERFACE
  "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:GHOSTCUT_PCH>>>:-include;utility>")
if(GHOSTCUT_SANITIZE)
  target_compile_options(ghostcut_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(ghostcut_flags INTERFACE -fsanitize=address,undefined)
endif()

# Build time (issue #17): unity builds. Each target's sources are compiled in batches of
# GHOSTCUT_UNITY_BATCH_SIZE files, one compiler run per batch, so the heavy headers (Asio, spdlog,
# fmt, GoogleTest) are parsed and their templates instantiated once per batch instead of once per
# file. File-local names (anonymous namespaces, static functions) must therefore be unique within a
# target. -DGHOSTCUT_UNITY_BUILD=OFF builds file by file (quicker rebuilds after editing one file).
option(GHOSTCUT_UNITY_BUILD "Compile each target's sources in batches (unity build)" ON)
set(GHOSTCUT_UNITY_BATCH_SIZE 32 CACHE STRING "Source files per unity batch")
if(GHOSTCUT_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE ${GHOSTCUT_UNITY_BATCH_SIZE})
  # A .cpp included by the batch file counts as a header to GCC, which then warns about every
  # coroutine frame or class holding a type from an anonymous namespace. Harmless here.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(ghostcut_flags INTERFACE -Wno-subobject-linkage)
  endif()
endif()

# A target whose batches are the build's longest steps gets `count` batches of equal size (one per
# core of a `-j2` build) whatever its number of files.
function(ghostcut_unity_batches target count)
  get_target_property(sources ${target} SOURCES)
  list(LENGTH sources n)
  math(EXPR size "(${n} + ${count} - 1) / ${count}")
  set_target_properties(${target} PROPERTIES UNITY_BUILD_BATCH_SIZE ${size})
endfunction()

# Build time (issue #17): code off the per-row path (orchestration, CLI, control, metrics, ...)
# compiles at GHOSTCUT_COLD_OPTIMIZE in Release builds; the binlog decoder, applier, copier and SQL
# layer keep the build type's flags. Only while CMAKE_CXX_FLAGS_RELEASE is our default (-O2), so
# flags given with -D stand.
set(GHOSTCUT_COLD_OPTIMIZE "-O1" CACHE STRING
    "Optimisation flags for code off the per-row path in Release builds (empty: the build type's)")
function(ghostcut_cold_code target)
  if(GHOSTCUT_COLD_OPTIMIZE AND CMAKE_CXX_FLAGS_RELEASE STREQUAL "-O2 -DNDEBUG")
    target_compile_options(${target} PRIVATE "$<$<CONFIG:Release>:${GHOSTCUT_COLD_OPTIMIZE}>")
  endif()
endfunction()
