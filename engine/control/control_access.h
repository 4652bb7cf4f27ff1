// Who may reach the control channel (issue #16): the private directory that holds the default
// control sockets, and the secret token TCP clients must send before a command may change anything.
#pragma once
#include <string>
#include <string_view>

namespace ghostcut::engine {

// $XDG_RUNTIME_DIR/ghostcut when XDG_RUNTIME_DIR is an absolute path, else /tmp/ghostcut-<euid>.
std::string default_socket_dir();

// Throws std::runtime_error unless `dir` is a real directory (not a symlink) owned by this user with
// no group/other permission bits. With `create`, a missing directory is made with mode 0700 first
// (its parent must exist).
void ensure_private_dir(const std::string& dir, bool create);

// Reads a token file: a regular file owned by this user, mode 0600 or stricter (a looser one is
// refused: anyone who can read it can steer the migration), holding one token of at least 16
// printable characters (surrounding whitespace ignored). Throws std::runtime_error saying why.
std::string read_token_file(const std::string& path);

// The server side: reads `path` as read_token_file does, or, when it does not exist, creates it
// (O_EXCL, mode 0600) with a fresh random token (32 bytes from /dev/urandom, hex). `created` says which.
std::string load_or_create_token_file(const std::string& path, bool& created);

// Compares in time independent of where they differ.
bool token_equals(std::string_view a, std::string_view b);

}  // namespace ghostcut::engine
