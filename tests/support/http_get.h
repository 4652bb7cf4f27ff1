// A blocking HTTP client for tests: sends raw request bytes to 127.0.0.1:port and reads the
// reply until the server closes (our servers answer with Connection: close). A receive timeout
// keeps a hung server from hanging the test.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace ghostcut::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string raw;
};

// -1 on failure (errno set).
inline int http_connect(std::uint16_t port, const char* address = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address, &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool http_send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads to EOF and parses status line, headers and body; nullopt if nothing parseable came back.
inline std::optional<HttpReply> http_read_reply(int fd) {
  HttpReply r;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    r.raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto end = r.raw.find("\r\n\r\n");
  if (end == std::string::npos || !r.raw.starts_with("HTTP/1.1 ")) return std::nullopt;
  r.status = std::atoi(r.raw.c_str() + 9);
  std::size_t pos = r.raw.find("\r\n") + 2;
  while (pos < end) {
    const auto eol = r.raw.find("\r\n", pos);
    const std::string line = r.raw.substr(pos, eol - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    pos = eol + 2;
  }
  r.body = r.raw.substr(end + 4);
  return r;
}

inline std::optional<HttpReply> http_request(std::uint16_t port, const std::string& request) {
  int fd = http_connect(port);
  if (fd < 0) return std::nullopt;
  if (!http_send_all(fd, request)) {
    ::close(fd);
    return std::nullopt;
  }
  return http_read_reply(fd);
}

inline std::optional<HttpReply> http_get(std::uint16_t port, const std::string& path) {
  return http_request(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

}  // namespace ghostcut::test
