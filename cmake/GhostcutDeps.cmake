# Each dependency comes from a Debian package; a missing one names that package.
function(ghostcut_require found pkg what)
  if(NOT ${found})
    message(FATAL_ERROR "ghostcut: ${what} not found. Install the Debian package: apt-get install ${pkg}")
  endif()
endfunction()

find_package(Threads REQUIRED)

find_package(Boost 1.74 QUIET COMPONENTS program_options)
ghostcut_require(Boost_FOUND "libboost-dev libboost-program-options-dev" "Boost 1.74 (headers + program_options)")

find_package(OpenSSL QUIET)
ghostcut_require(OPENSSL_FOUND libssl-dev "OpenSSL")

find_package(spdlog QUIET CONFIG)
ghostcut_require(spdlog_FOUND libspdlog-dev "spdlog")

find_path(ZSTD_INCLUDE_DIR zstd.h)
find_library(ZSTD_LIBRARY NAMES zstd)
if(ZSTD_INCLUDE_DIR AND ZSTD_LIBRARY)
  set(ZSTD_FOUND TRUE)
endif()
ghostcut_require(ZSTD_FOUND libzstd-dev "zstd")
add_library(ghostcut_zstd INTERFACE)
target_include_directories(ghostcut_zstd SYSTEM INTERFACE ${ZSTD_INCLUDE_DIR})
target_link_libraries(ghostcut_zstd INTERFACE ${ZSTD_LIBRARY})

find_package(nlohmann_json 3 QUIET CONFIG)
ghostcut_require(nlohmann_json_FOUND nlohmann-json3-dev "nlohmann-json (the one JSON library: logs, status, build info)")

find_package(ZLIB QUIET)
ghostcut_require(ZLIB_FOUND zlib1g-dev "zlib")

find_package(MySQLCppConn)
ghostcut_require(MySQLCppConn_FOUND libmysqlcppconn-dev "MySQL Connector/C++ 1.1 (cppconn/driver.h, libmysqlcppconn)")

if(GHOSTCUT_BUILD_TESTS)
  find_package(GTest QUIET)
  ghostcut_require(GTest_FOUND "libgtest-dev libgmock-dev" "GoogleTest")
  include(GoogleTest)
endif()
if(GHOSTCUT_BUILD_BENCH)
  find_package(benchmark QUIET)
  ghostcut_require(benchmark_FOUND libbenchmark-dev "Google Benchmark")
endif()
