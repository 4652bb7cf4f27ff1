# Build time (issue #17): one precompiled header (common/library_pch.h: std, spdlog, fmt, Asio) for
# the libraries that do I/O and the programs built on them, built once and reused by each. Included
# at the end of the top-level CMakeLists.txt, once every target exists. Every user must compile with
# the same flags and definitions as ghostcut_library_pch (GCC refuses a PCH otherwise, and
# -Winvalid-pch with -Werror fails the build): they all link ghostcut_binlog and use the build
# type's flags.
option(GHOSTCUT_LIBRARY_PCH "Precompile the std, spdlog and Asio headers for the I/O libraries" ON)

# ccache caches PCH builds and their users only with these sloppiness settings.
set(GHOSTCUT_PCH_LAUNCHER ${CMAKE_CXX_COMPILER_LAUNCHER})
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
  set(GHOSTCUT_PCH_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

function(ghostcut_library_pch)
  if(NOT GHOSTCUT_LIBRARY_PCH)
    return()
  endif()
  add_library(ghostcut_library_pch OBJECT ${PROJECT_SOURCE_DIR}/common/library_pch.cpp)
  # ghostcut_binlog's usage requirements without linking it (it reuses this PCH: a cycle).
  target_link_libraries(ghostcut_library_pch PRIVATE ghostcut_binlog_core spdlog::spdlog OpenSSL::SSL ghostcut_flags)
  target_compile_definitions(ghostcut_library_pch PRIVATE
    $<TARGET_PROPERTY:ghostcut_binlog,INTERFACE_COMPILE_DEFINITIONS>)
  target_precompile_headers(ghostcut_library_pch PRIVATE ${PROJECT_SOURCE_DIR}/common/library_pch.h)
  foreach(target ghostcut_library_pch ${ARGN})
    if(TARGET ${target})
      set_target_properties(${target} PROPERTIES GHOSTCUT_PCH ON CXX_COMPILER_LAUNCHER "${GHOSTCUT_PCH_LAUNCHER}")
      if(NOT target STREQUAL "ghostcut_library_pch")
        target_precompile_headers(${target} REUSE_FROM ghostcut_library_pch)
      endif()
    endif()
  endforeach()
endfunction()
