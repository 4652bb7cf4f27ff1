#include "binlog/wire/auth.h"

#include <gtest/gtest.h>

#include "rsa_test_key.h"
#include "wire_test_util.h"

using namespace ghostcut::binlog;
using namespace ghostcut::binlog::test;

// Published vectors: the auth responses expected by go-sql-driver/mysql's auth tests
// (TestAuthFastNativePassword, TestScrambleSHA256Pass, TestAuthFastCachingSHA256Password*).
TEST(Auth, NativePasswordVectors) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> salt;
    const char* password;
    std::vector<std::uint8_t> want;
  };
  const Case cases[] = {
      {"secret",
       {70, 114, 92, 94, 1, 38, 11, 116, 63, 114, 23, 101, 126, 103, 26, 95, 81, 17, 24, 21},
       "secret",
       {53, 177, 140, 159, 251, 189, 127, 53, 109, 252, 172, 50, 211, 192, 240, 164, 26, 48, 207, 45}},
      {"empty password sends nothing",
       {70, 114, 92, 94, 1, 38, 11, 116, 63, 114, 23, 101, 126, 103, 26, 95, 81, 17, 24, 21},
       "",
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(scramble_native_password(c.password, c.salt), c.want);
  }
}

TEST(Auth, CachingSha2Vectors) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> salt;
    const char* password;
    std::string want_hex;
  };
  const std::vector<std::uint8_t> s1{10, 47, 74, 111, 75, 73, 34, 48, 88, 76, 114, 74, 37, 13, 3, 80, 82, 2, 23, 21};
  const std::vector<std::uint8_t> s2{90,  105, 74, 126, 30, 48, 37, 56,  3,  23,
                                     115, 127, 69, 22,  41, 84, 32, 123, 43, 118};
  const std::vector<std::uint8_t> s3{6, 81, 96, 114, 14, 42, 50, 30, 76, 47, 1, 95, 126, 81, 62, 94, 83, 80, 52, 85};
  const Case cases[] = {
      {"secret", s1, "secret", "f490e76f66d9d86665ce54d98c78d0acfe2fb0b08b423da807144873d30b312c"},
      {"secret2", s1, "secret2", "abc3934a012cf342e876071c8ee202de51785b430258a7a0138bc79c4d800bc6"},
      {"fast auth vector", s2, "secret",
       to_hex(std::vector<std::uint8_t>{102, 32,  5,   35, 143, 161, 140, 241, 171, 232, 56,  139, 43, 14, 107, 196,
                                        249, 170, 147, 60, 220, 204, 120, 178, 214, 15,  184, 150, 26, 61, 57,  235})},
      {"full auth vector", s3, "secret",
       to_hex(std::vector<std::uint8_t>{171, 201, 138, 146, 89, 159, 11, 170, 0,  67,  165, 49,  175, 94,  218, 68,
                                        177, 109, 110, 86,  34, 33,  44, 190, 67, 240, 70,  110, 40,  139, 124, 41})},
      {"empty password", s1, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(to_hex(scramble_caching_sha2_password(c.password, c.salt)), c.want_hex);
  }
}

TEST(Auth, ClearPasswordHasNul) {
  EXPECT_EQ(clear_password_with_nul("secret"), (std::vector<std::uint8_t>{'s', 'e', 'c', 'r', 'e', 't', 0}));
  EXPECT_EQ(clear_password_with_nul(""), std::vector<std::uint8_t>{0});
}

TEST(Auth, RsaEncryptDecryptsToPasswordXorSalt) {
  RsaTestKey key;
  const std::vector<std::uint8_t> salt{6, 81, 96, 114, 14, 42, 50, 30, 76, 47, 1, 95, 126, 81, 62, 94, 83, 80, 52, 85};
  for (std::string password : {std::string("secret"), std::string(""), std::string(45, 'p')}) {
    SCOPED_TRACE(password);
    auto enc = rsa_encrypt_password(password, salt, key.public_pem());
    ASSERT_TRUE(enc) << enc.error().message();
    EXPECT_EQ(enc->size(), 256u);
    auto plain = key.decrypt(*enc);
    ASSERT_EQ(plain.size(), password.size() + 1);
    for (std::size_t i = 0; i < plain.size(); ++i) plain[i] ^= salt[i % salt.size()];
    EXPECT_EQ(plain, clear_password_with_nul(password));
  }
}

TEST(Auth, RsaEncryptErrors) {
  RsaTestKey key(1024);
  const std::vector<std::uint8_t> salt(20, 7);
  struct Case {
    const char* name;
    std::string password;
    std::string pem;
    std::vector<std::uint8_t> salt;
  };
  const Case cases[] = {
      {"not a PEM", "secret", "garbage", salt},
      {"truncated PEM", "secret", key.public_pem().substr(0, 60), salt},
      {"password too long for a 1024-bit key", std::string(90, 'x'), key.public_pem(), salt},
      {"no salt", "secret", key.public_pem(), {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto enc = rsa_encrypt_password(c.password, c.salt, c.pem);
    ASSERT_FALSE(enc);
    EXPECT_TRUE(enc.error().is(Errc::kAuthFailed)) << enc.error().message();
  }
}
