#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "ztm/identity/enrollment.h"
#include "ztm_test/process.h"
#include "ztm_test/test_pki.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;

TEST(EnrollmentStorage, PrivateKeysAreWrittenWithMode0600AndReadBack) {
  ztm_test::TempDir dir{"ztm-keys"};
  for (auto scheme : {SignatureScheme::ed25519, SignatureScheme::ecdsa_secp256r1_sha256,
                      SignatureScheme::ecdsa_secp384r1_sha384}) {
    auto key = SignaturePrivateKey::generate(scheme);
    ASSERT_TRUE(key);
    const auto file = dir.path() / "k.pem";
    ASSERT_TRUE(write_private_key_pem(*key, file));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const std::string text = ztm_test::read_text(file);
    EXPECT_EQ(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    // openssl agrees it is a well-formed PKCS#8 key.
    EXPECT_EQ(ztm_test::run_command("openssl pkey -in '" + file.string() + "' -noout 2>/dev/null"),
              0);
    auto back = read_private_key_pem(file);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->scheme(), scheme);
    EXPECT_EQ(back->public_key(), key->public_key());
  }
}

TEST(EnrollmentStorage, ReadingRejectsWhatIsNotAPkcs8Key) {
  ztm_test::TempDir dir{"ztm-keys"};
  EXPECT_EQ(read_private_key_pem(dir.path() / "missing.pem").error().code, Errc::io_error);
  std::ofstream(dir.path() / "junk.pem") << "hello\n";
  EXPECT_EQ(read_private_key_pem(dir.path() / "junk.pem").error().code, Errc::invalid_encoding);
  ASSERT_EQ(ztm_test::run_command("openssl ecparam -name prime256v1 -genkey -noout -out '" +
                                  (dir.path() / "sec1.pem").string() + "' 2>/dev/null"),
            0);
  EXPECT_EQ(read_private_key_pem(dir.path() / "sec1.pem").error().code, Errc::invalid_encoding);
  std::ofstream(dir.path() / "big.pem") << std::string(20000, 'A');
  EXPECT_EQ(read_private_key_pem(dir.path() / "big.pem").error().code, Errc::limit_exceeded);
}

TEST(EnrollmentStorage, RenewalAtTwoThirdsOfTheLifetime) {
  ztm_test::TempDir dir{"ztm-renew"};
  const auto pki = ztm_test::make_test_pki(dir.path());  // leaf valid for 2 days from now
  const std::string chain = ztm_test::read_text(pki.leaf_cert);
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(needs_renewal(chain, now), false);
  EXPECT_EQ(needs_renewal(chain, now + std::chrono::hours(31)), false);
  EXPECT_EQ(needs_renewal(chain, now + std::chrono::hours(33)), true);
  EXPECT_EQ(needs_renewal(chain, now + std::chrono::hours(100)), true);
  EXPECT_FALSE(needs_renewal("no certificate here", now));
}

TEST(EnrollmentHooks, CommandHookPassesArgumentsVerbatim) {
  ztm_test::TempDir dir{"ztm-hook"};
  const auto out = dir.path() / "out";
  Dns01Hook hook = dns01_command_hook("printf '[%s]' >> '" + out.string() + "'");
  // Shell metacharacters in the value must arrive as data, never run.
  ASSERT_TRUE(hook.present("_acme-challenge.a.example.test.", "v a;$(touch x)`y`"));
  hook.cleanup("_acme-challenge.a.example.test.", "v");
  EXPECT_EQ(ztm_test::read_text(out),
            "[present][_acme-challenge.a.example.test.][v a;$(touch x)`y`]"
            "[cleanup][_acme-challenge.a.example.test.][v]");
  EXPECT_EQ(dns01_command_hook("exit 3").present("r", "v").error().code, Errc::io_error);
}

}  // namespace
}  // namespace ztm::identity
