#pragma once
#include <boost/program_options.hpp>
#include <optional>

#include "cli/connection_options.h"

namespace ghostcut::cli {

// Live tail over the replication protocol (see tail_command.cpp for the flags).
int tail_live(const boost::program_options::variables_map& vm, const std::optional<TableRef>& table);

}  // namespace ghostcut::cli
