// The option file's port: whole numbers 1-65535 only; anything else is a clear error, never a
// silently different port.
#include "cli/connection_options.h"

#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace po = boost::program_options;

namespace ghostcut::cli {
namespace {

ghostcut::ConnectionSettings with_file(const std::string& body) {
  const std::string path = "/tmp/ghostcut-optfile-" + std::to_string(::getpid()) + ".cnf";
  std::ofstream(path) << body;
  po::options_description opts;
  add_connection_options(opts);
  po::variables_map vm;
  const char* argv[] = {"x", "--defaults-file", path.c_str()};
  po::store(po::parse_command_line(3, argv, opts), vm);
  po::notify(vm);
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } remove{path};
  return connection_settings(vm);
}

TEST(OptionFile, PortIsAWholeNumberInRange) {
  EXPECT_EQ(with_file("[client]\nuser = u\nport = 3307\n").port, 3307);
  EXPECT_EQ(with_file("[client]\nuser = u\nport=\"65535\"\n").port, 65535);
  for (const char* bad : {"33o6", "99999", "0", "-1", "", "1e3", "123456", "0x50"}) {
    SCOPED_TRACE(bad);
    try {
      (void)with_file(std::string("[client]\nport=") + bad + "\n");
      FAIL() << "accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("port must be a number from 1 to 65535"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ghostcut::cli
