#include "cli/app.h"

#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/build_config.h"
#include "cli/logging.h"
#include "cli/subcommands.h"
#include "engine/metrics/build_info.h"

#include <cppconn/version_info.h>
#include <openssl/opensslv.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/version.h>
#include <zlib.h>
#include <zstd.h>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

namespace po = boost::program_options;

namespace ghostcut::cli {
namespace {

constexpr const char* kUsage = R"(ghostcut — online schema changes for MySQL and MariaDB

Usage: ghostcut [--help] [--version] <command> [options]

Commands:
  migrate   change a live table's schema with no downtime (shadow table + binlog + atomic cut-over)
  tail      print a table's row changes from the binlog as JSON lines (live, or from a binlog file)
  ctl       send a command to a running migration's control socket
  revert    after a restart, swap the old table back (migrations run with --keep-old-table-in-sync)

Run 'ghostcut <command> --help' for a command's options.
)";

}  // namespace

std::string version_text() {
  const auto b = engine::build_info();
  return fmt::format(
      "ghostcut {}\ncommit: {}\nbuild type: {}\nlibraries: Boost {}.{}.{}, spdlog {}.{}.{}, fmt {}.{}.{}, nlohmann-json {}.{}.{}, "
      "MySQL Connector/C++ {}.{}.{}, {}, zstd {}, zlib {}\n",
      b.version, b.commit, b.build_type, BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100,
      SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH, FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
      FMT_VERSION % 100, NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH,
      MYCPPCONN_DM_MAJOR_VERSION, MYCPPCONN_DM_MINOR_VERSION, MYCPPCONN_DM_PATCH_VERSION, OPENSSL_VERSION_TEXT,
      ZSTD_VERSION_STRING, ZLIB_VERSION);
}

int run(const std::vector<std::string>& args) {
  engine::set_build_info({GHOSTCUT_VERSION, GHOSTCUT_COMMIT, GHOSTCUT_BUILD_TYPE});
  po::options_description global("Global options");
  global.add_options()("help,h", "show this help")("version,V", "print the version")(
      "command", po::value<std::string>(), "subcommand")("args", po::value<std::vector<std::string>>(),
                                                         "subcommand arguments");
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);

  po::variables_map vm;
  try {
    po::parsed_options parsed =
        po::command_line_parser(args)
            .options(global)
            .positional(pos)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .allow_unregistered()
            .run();
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    report_usage_error("ghostcut", e.what(), kUsage);
    return kExitUsage;
  }

  if (!vm.count("command")) {
    if (vm.count("version")) {
      std::cout << version_text();
      return kExitOk;
    }
    if (vm.count("help")) {
      std::cout << kUsage << "\n" << kExitCodesHelp;
      return kExitOk;
    }
    std::cerr << kUsage;
    return kExitUsage;
  }

  const std::string command = vm["command"].as<std::string>();
  // Everything after the subcommand name goes to the subcommand, flags included.
  std::vector<std::string> rest;
  bool seen = false;
  for (const auto& a : args) {
    if (seen) rest.push_back(a);
    else if (a == command) seen = true;
  }
  if (command == "migrate") return run_migrate(rest);
  if (command == "tail") return run_tail(rest);
  if (command == "ctl") return run_ctl(rest);
  if (command == "revert") return run_revert(rest);
  report_usage_error("ghostcut", "unknown command '" + command + "'", kUsage);
  return kExitUsage;
}

}  // namespace ghostcut::cli
