// The command line: `ghostcut [--help|--version] <subcommand> [options]`.
#pragma once
#include <string>
#include <vector>

namespace ghostcut::cli {

// Exit codes, distinct so scripts can tell them apart (ghostcut --help, the man page, README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;         // failed; the original table is intact (nothing to check by hand)
inline constexpr int kExitUsage = 2;           // bad flags or arguments; nothing was done
inline constexpr int kExitNotImplemented = 3;  // a subcommand that does not exist yet
inline constexpr int kExitRefused = 4;         // refused before any change (checks, busy table, cannot connect)
inline constexpr int kExitCheckByHand = 5;     // failed during or after the cut-over: check the tables by hand
inline constexpr int kExitInterrupted = 130;   // stopped by SIGINT/SIGTERM/SIGHUP; the original table is intact

// The exit codes as --help and the man page print them.
inline constexpr const char* kExitCodesHelp =
    "Exit status: 0 done; 1 failed, the original table intact; 2 bad usage; 4 refused before any change;\n"
    "5 failed during or after the cut-over (check the tables by hand); 130 interrupted (signal), original intact.\n";

int run(const std::vector<std::string>& args);
// `ghostcut --version`: version, git commit, build type and the libraries' versions.
std::string version_text();

}  // namespace ghostcut::cli
