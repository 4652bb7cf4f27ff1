// Running commands (the ghostcut binary, mysql, mariadb-binlog) from tests and reading what they
// wrote: one copy of what many test files each had a private one of. Header-only; GHOSTCUT_BINARY
// (the built binary) is defined for the targets that run it.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace ghostcut::test {

// `s` as one word for /bin/sh: in single quotes, each ' written as '\''.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The whole file, bytes as they are; empty when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// `text` split at newlines (no trailing empty line).
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct CommandResult {
  int status = -1;  // the exit status; -1 when killed by a signal
  std::string out;  // what it printed (stdout, and stderr where the command sends it there)
};

namespace detail {
inline std::string read_all(FILE* p) {
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  return out;
}
inline int exit_status(int wait_status) { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1; }
}  // namespace detail

// Runs `cmd` with /bin/sh as it is: stdout captured, stderr left where `cmd` sends it.
inline CommandResult run_shell_stdout(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  r.out = detail::read_all(p);
  r.status = detail::exit_status(::pclose(p));
  return r;
}

// Runs `cmd` with /bin/sh, stdout and stderr captured together.
inline CommandResult run_shell(const std::string& cmd) { return run_shell_stdout(cmd + " 2>&1"); }

struct CommandOutput {
  int status = -1;  // the exit status; -1 when killed by a signal (or not started: `err` says why)
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `cmd` with /bin/sh, stdout and stderr captured apart (stderr through a temporary file).
inline CommandOutput run_shell_split(const std::string& cmd) {
  CommandOutput r;
  char err_path[] = "/tmp/ghostcut_test_stderr_XXXXXX";
  const int fd = ::mkstemp(err_path);
  if (fd < 0) {
    r.err = std::string("mkstemp: ") + std::strerror(errno);
    return r;
  }
  ::close(fd);
  FILE* p = ::popen((cmd + " 2>" + shell_quote(err_path)).c_str(), "r");
  if (p == nullptr) {
    r.err = std::string("popen: ") + std::strerror(errno);
    ::unlink(err_path);
    return r;
  }
  r.out = detail::read_all(p);
  r.status = detail::exit_status(::pclose(p));
  r.err = read_file(err_path);
  ::unlink(err_path);
  return r;
}

#ifdef GHOSTCUT_BINARY
// `ghostcut ARGS` with `password` in GHOSTCUT_PASSWORD and HOME pointed away from any ~/.my.cnf;
// stderr captured with stdout, or dropped.
inline CommandResult run_ghostcut(const std::string& args, const std::string& password, bool with_stderr = true) {
  return run_shell_stdout("env HOME=/nonexistent-ghostcut-home GHOSTCUT_PASSWORD=" + shell_quote(password) + " " +
                          std::string(GHOSTCUT_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}
#endif

}  // namespace ghostcut::test
