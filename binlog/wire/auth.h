// Client side of the authentication plugins a replica client meets.
//
//   mysql_native_password:  SHA1(password) XOR SHA1(salt + SHA1(SHA1(password)))        (20 bytes)
//   caching_sha2_password:  SHA256(password) XOR SHA256(SHA256(SHA256(password)) + salt) (32 bytes)
//     full authentication:  over TLS / unix socket: password + NUL in clear;
//                           otherwise RSA-OAEP(server public key, (password + NUL) XOR salt)
// Empty passwords send an empty auth response. The salt is the 20-byte scramble from the
// greeting or the auth switch request, without its trailing NUL.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr std::string_view kNativePasswordPlugin = "mysql_native_password";
inline constexpr std::string_view kCachingSha2PasswordPlugin = "caching_sha2_password";
inline constexpr std::string_view kClearPasswordPlugin = "mysql_clear_password";

// caching_sha2_password AuthMoreData codes.
inline constexpr std::uint8_t kCachingSha2FastAuthOk = 0x03;
inline constexpr std::uint8_t kCachingSha2PerformFullAuth = 0x04;
// Client request for the server's RSA public key.
inline constexpr std::uint8_t kCachingSha2RequestPublicKey = 0x02;

[[nodiscard]] std::vector<std::uint8_t> scramble_native_password(std::string_view password, Bytes salt);
[[nodiscard]] std::vector<std::uint8_t> scramble_caching_sha2_password(std::string_view password, Bytes salt);
// password + NUL, for full authentication over a secure transport.
[[nodiscard]] std::vector<std::uint8_t> clear_password_with_nul(std::string_view password);
// RSA-OAEP (SHA-1 MGF, OpenSSL's RSA_PKCS1_OAEP_PADDING) of (password + NUL) XOR salt, with the
// server's PEM public key ("-----BEGIN PUBLIC KEY-----"). Errors: bad key, password too long for it.
[[nodiscard]] Result<std::vector<std::uint8_t>> rsa_encrypt_password(std::string_view password, Bytes salt,
                                                                     std::string_view pem_public_key);

}  // namespace ghostcut::binlog
