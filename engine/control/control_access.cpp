#include "engine/control/control_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace ghostcut::engine {
namespace {

constexpr std::size_t kMinControlTokenLength = 16;

std::string control_errno_text() { return std::strerror(errno); }

struct ControlFd {
  int fd = -1;
  ~ControlFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string default_socket_dir() {
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && xdg[0] == '/') return std::string(xdg) + "/ghostcut";
  return fmt::format("/tmp/ghostcut-{}", ::geteuid());
}

void ensure_private_dir(const std::string& dir, bool create) {
  // mkdir never follows a symlink at the last component, and lstat below refuses one planted there.
  if (create && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error(fmt::format("cannot create the control directory {}: {}", dir, control_errno_text()));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw std::runtime_error(fmt::format("cannot use the control directory {}: {}", dir, control_errno_text()));
  if (!S_ISDIR(st.st_mode))
    throw std::runtime_error(fmt::format("control directory {} is not a directory (a symlink?); refusing it", dir));
  if (st.st_uid != ::geteuid())
    throw std::runtime_error(
        fmt::format("control directory {} is owned by uid {}, not by this user (uid {}); refusing it", dir, st.st_uid,
                    ::geteuid()));
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error(fmt::format("control directory {} has mode {:04o}; it must be private (chmod 700 {})", dir,
                                         st.st_mode & 07777, dir));
}

std::string read_token_file(const std::string& path) {
  ControlFd f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0) throw std::runtime_error(fmt::format("cannot read the token file {}: {}", path, control_errno_text()));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw std::runtime_error(fmt::format("cannot stat the token file {}: {}", path, control_errno_text()));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(fmt::format("token file {} is not a regular file", path));
  if (st.st_uid != ::geteuid())
    throw std::runtime_error(fmt::format("token file {} is owned by uid {}, not by this user (uid {}); refusing it",
                                         path, st.st_uid, ::geteuid()));
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error(
        fmt::format("token file {} has mode {:04o}; refusing a token others can read (chmod 600 {})", path,
                    st.st_mode & 07777, path));
  std::string text;
  std::array<char, 512> buf{};
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("cannot read the token file {}: {}", path, control_errno_text()));
    if (n == 0) break;
    text.append(buf.data(), static_cast<std::size_t>(n));
    if (text.size() > 4096) throw std::runtime_error(fmt::format("token file {} is too long for a token", path));
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  const std::string token = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  if (token.size() < kMinControlTokenLength)
    throw std::runtime_error(
        fmt::format("token file {} holds no token of at least {} characters", path, kMinControlTokenLength));
  for (char c : token)
    if (c <= ' ' || c == 0x7f)
      throw std::runtime_error(fmt::format("token file {}: the token must be one word of printable characters", path));
  return token;
}

std::string load_or_create_token_file(const std::string& path, bool& created) {
  created = false;
  std::array<unsigned char, 32> raw{};
  {
    ControlFd r{::open("/dev/urandom", O_RDONLY | O_CLOEXEC)};
    if (r.fd < 0 || ::read(r.fd, raw.data(), raw.size()) != static_cast<ssize_t>(raw.size()))
      throw std::runtime_error("cannot read /dev/urandom for a control token");
  }
  std::string token;
  for (unsigned char b : raw) token += fmt::format("{:02x}", b);
  ControlFd w{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (w.fd < 0) {
    if (errno == EEXIST) return read_token_file(path);
    throw std::runtime_error(fmt::format("cannot create the token file {}: {}", path, control_errno_text()));
  }
  const std::string line = token + "\n";
  if (::fchmod(w.fd, 0600) != 0 || ::write(w.fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    const std::string why = control_errno_text();
    ::unlink(path.c_str());
    throw std::runtime_error(fmt::format("cannot write the token file {}: {}", path, why));
  }
  created = true;
  return token;
}

bool token_equals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace ghostcut::engine
