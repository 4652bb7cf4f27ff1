// The command line: `ghostcut [--help|--version] <subcommand> [options]`.
#pragma once
#include <string>
#include <vector>

namespace ghostcut::cli {

// Exit codes, distinct so scripts can tell them apart.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;        // the operation failed (server error, bad data, …)
inline constexpr int kExitUsage = 2;          // bad flags or arguments
inline constexpr int kExitNotImplemented = 3; // a subcommand that does not exist yet

int run(const std::vector<std::string>& args);

}  // namespace ghostcut::cli
