// Tests of loading an enrolled identity and of the status rendering.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "ztm/client/identity.h"
#include "ztm/client/status.h"
#include "ztm/identity/enrollment.h"
#include "ztm_test/cert_factory.h"
#include "ztm_test/process.h"

namespace ztm::client {
namespace {

struct Files {
  ztm_test::TempDir dir{"ztm-client-id"};
  std::string anchor;
};

// make_files writes an enrolled-looking identity for alice@example.test under an
// organization CA, in the layout `ztmeet enroll` uses.
void make_files(Files& f, bool matching_key = true) {
  auto root = ztm_test::make_root(ztm_test::ca_spec("Example Root", "Example Corp"));
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  auto other = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  auto leaf =
      ztm_test::issue(ztm_test::leaf_spec({ztm_test::SanEntry::email, "alice@example.test"}),
                      (matching_key ? key : other).evp_pkey(), &root);
  ASSERT_TRUE(identity::write_private_key_pem(key, f.dir.path() / "signature-key.pem").has_value());
  ztm_test::write_text(f.dir.path() / "chain.pem", leaf.pem());
  ztm_test::write_text(f.dir.path() / "org.pem", root.cert.pem());
  f.anchor = "org:Example Corp:example.test:" + (f.dir.path() / "org.pem").string();
}

TEST(ClientIdentity, LoadsEnrolledFilesAndValidatesItself) {
  Files f;
  make_files(f);
  auto id = load_client_identity({f.dir.path(), {}, {}, {f.anchor}}, 1);
  ASSERT_TRUE(id.has_value()) << id.error().what();
  EXPECT_EQ(id->identity.value, "alice@example.test");
  EXPECT_EQ(id->chain_der.size(), 1u);
  EXPECT_EQ(id->own_status.status, identity::CredentialStatus::verified) << id->own_status.reason;
}

TEST(ClientIdentity, RefusesKeyThatTheChainDoesNotCertify) {
  Files f;
  make_files(f, /*matching_key=*/false);
  auto id = load_client_identity({f.dir.path(), {}, {}, {f.anchor}}, 1);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::invalid_key);
}

TEST(ClientIdentity, RefusesWorldReadableKeyMissingAnchorAndWrongSuite) {
  Files f;
  make_files(f);
  EXPECT_EQ(load_client_identity({f.dir.path(), {}, {}, {}}, 1).error().code,
            Errc::invalid_argument);
  // Suite 2 uses P-256 signatures; the key is Ed25519.
  EXPECT_EQ(load_client_identity({f.dir.path(), {}, {}, {f.anchor}}, 2).error().code,
            Errc::invalid_key);
  ::chmod((f.dir.path() / "signature-key.pem").c_str(), 0644);
  EXPECT_EQ(load_client_identity({f.dir.path(), {}, {}, {f.anchor}}, 1).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(load_client_identity({f.dir.path() / "missing", {}, {}, {f.anchor}}, 1).error().code,
            Errc::io_error);
}

TEST(ClientStatus, ViewAndJsonCarryWhatPeopleAndScriptsNeed) {
  ClientStatus s;
  s.shield = Shield::secure;
  s.meeting = "standup";
  s.epoch = 3;
  s.security_code = "12345 67890";
  ParticipantView me;
  me.leaf = 0;
  me.identity = "alice@example.test";
  me.status = "verified";
  me.organization = "Example Corp";
  me.self = true;
  ParticipantView bob;
  bob.leaf = 1;
  bob.identity = "bob@mail.test";
  bob.status = "provider-authenticated";
  bob.decrypt_errors = 2;
  s.participants = {me, bob};
  const auto view = render_view(s, false);
  EXPECT_NE(view.find("[SECURE]"), std::string::npos);
  EXPECT_NE(view.find("12345 67890"), std::string::npos);
  EXPECT_NE(view.find("DECRYPT ERRORS 2"), std::string::npos);
  EXPECT_NE(view.find("(Example Corp)"), std::string::npos);
  const auto j = status_json(s);
  EXPECT_EQ(j["shield"], "secure");
  EXPECT_EQ(j["epoch"], 3);
  EXPECT_EQ(j["participants"][1]["status"], "provider-authenticated");
  EXPECT_EQ(j["participants"][1]["decrypt_errors"], 2);
}

}  // namespace
}  // namespace ztm::client
