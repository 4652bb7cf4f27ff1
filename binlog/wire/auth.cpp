#include "binlog/wire/auth.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <memory>
#include <string>

namespace ghostcut::binlog {
namespace {

using Digest = std::vector<std::uint8_t>;

Digest digest(const EVP_MD* md, Bytes a, Bytes b = {}) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Digest out(static_cast<std::size_t>(EVP_MD_size(md)));
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  return out;
}

}  // namespace

std::vector<std::uint8_t> scramble_native_password(std::string_view password, Bytes salt) {
  if (password.empty()) return {};
  const EVP_MD* sha1 = EVP_sha1();
  Digest stage1 = digest(sha1, as_bytes(password));
  Digest stage2 = digest(sha1, stage1);
  Digest mix = digest(sha1, salt, stage2);
  for (std::size_t i = 0; i < stage1.size(); ++i) stage1[i] ^= mix[i];
  return stage1;
}

std::vector<std::uint8_t> scramble_caching_sha2_password(std::string_view password, Bytes salt) {
  if (password.empty()) return {};
  const EVP_MD* sha256 = EVP_sha256();
  Digest p1 = digest(sha256, as_bytes(password));
  Digest p2 = digest(sha256, p1);
  Digest mix = digest(sha256, p2, salt);
  for (std::size_t i = 0; i < p1.size(); ++i) p1[i] ^= mix[i];
  return p1;
}

std::vector<std::uint8_t> clear_password_with_nul(std::string_view password) {
  std::vector<std::uint8_t> out(password.begin(), password.end());
  out.push_back(0);
  return out;
}

Result<std::vector<std::uint8_t>> rsa_encrypt_password(std::string_view password, Bytes salt,
                                                       std::string_view pem_public_key) {
  if (salt.empty()) return Error(Errc::kAuthFailed, "RSA password encryption needs the scramble");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem_public_key.data(), static_cast<int>(pem_public_key.size())), BIO_free);
  if (!bio) return Error(Errc::kAuthFailed, "cannot read the server's RSA public key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                          EVP_PKEY_free);
  if (!key) return Error(Errc::kAuthFailed, "the server's RSA public key is not a PEM public key");

  std::vector<std::uint8_t> plain = clear_password_with_nul(password);
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] ^= salt[i % salt.size()];

  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key.get(), nullptr),
                                                                  EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0)
    return Error(Errc::kAuthFailed, "the server's public key is not an RSA key");
  // OAEP with SHA-1 fits at most key_size - 42 bytes.
  const int key_bytes = EVP_PKEY_get_size(key.get());
  if (static_cast<int>(plain.size()) > key_bytes - 42)
    return Error(Errc::kAuthFailed, "password too long for RSA encryption with the server's " +
                                        std::to_string(key_bytes * 8) + "-bit key");
  std::size_t out_len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &out_len, plain.data(), plain.size()) <= 0)
    return Error(Errc::kAuthFailed, "RSA encryption of the password failed");
  std::vector<std::uint8_t> out(out_len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, plain.data(), plain.size()) <= 0)
    return Error(Errc::kAuthFailed, "RSA encryption of the password failed");
  out.resize(out_len);
  // Wipe the (reversible) plaintext.
  std::fill(plain.begin(), plain.end(), std::uint8_t{0});
  return out;
}

}  // namespace ghostcut::binlog
