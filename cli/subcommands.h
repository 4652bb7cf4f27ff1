#pragma once
#include <string>
#include <vector>

namespace ghostcut::cli {

// Each takes the arguments after its name and returns an exit code (see app.h).
int run_migrate(const std::vector<std::string>& args);
int run_tail(const std::vector<std::string>& args);
int run_ctl(const std::vector<std::string>& args);
int run_revert(const std::vector<std::string>& args);

}  // namespace ghostcut::cli
