#include "cli/tail_live.h"

#include <iostream>

#include "cli/app.h"

namespace ghostcut::cli {

int tail_live(const boost::program_options::variables_map&, const std::optional<TableRef>&) {
  std::cerr << "ghostcut tail: live mode is not implemented yet; use --binlog-file\n";
  return kExitNotImplemented;
}

}  // namespace ghostcut::cli
