// Subcommands whose engine is not built yet answer so, with a non-zero exit — never a fake success.
#include <iostream>

#include "cli/app.h"
#include "cli/subcommands.h"

namespace ghostcut::cli {
namespace {
int not_implemented(const char* name) {
  std::cerr << "ghostcut " << name << ": not implemented yet\n";
  return kExitNotImplemented;
}
}  // namespace

int run_ctl(const std::vector<std::string>&) { return not_implemented("ctl"); }

}  // namespace ghostcut::cli
