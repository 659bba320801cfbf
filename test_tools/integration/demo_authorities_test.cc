// The demo's identity authorities as real processes: the OIDC provider, the
// organization CA with sso-01 and http-01, the provider CA with provider-01 — and
// enrollments through ztmeet's ACME client that yield the statuses the meeting shows.
#include <gtest/gtest.h>

#include <chrono>

#include "ztm/client/identity.h"
#include "ztm/demo/authorities.h"
#include "ztm_test/process.h"

namespace ztm_integration {
std::string ztmeet_binary();
namespace {

TEST(DemoAuthorities, EnrollSsoUserDeviceAndGuestWithTheirStatuses) {
  ztm_test::TempDir dir("ztm-demo-authorities");
  ztm::demo::AuthoritiesOptions o;
  o.work_dir = dir.path();
  o.ztmeet = ztmeet_binary();
  o.source_dir = ZTM_SOURCE_DIR;
  auto a = ztm::demo::DemoAuthorities::start(o);
  ASSERT_TRUE(a.has_value()) << a.error().what();
  auto& authorities = **a;

  {
    auto r = authorities.enroll_sso("alice@example.test", dir.path() / "alice");
    ASSERT_TRUE(r.has_value()) << r.error().what();
  }
  {
    auto r = authorities.enroll_device("room-1.example.test", dir.path() / "room");
    ASSERT_TRUE(r.has_value()) << r.error().what();
  }
  {
    auto r = authorities.enroll_guest("guest@partner.test", dir.path() / "guest");
    ASSERT_TRUE(r.has_value()) << r.error().what();
  }
  // An SSO login the IdP does not know is refused.
  EXPECT_FALSE(authorities.enroll_sso("mallory@example.test", dir.path() / "mallory").has_value());

  auto status = [&](const char* name) {
    auto id =
        ztm::client::load_client_identity({dir.path() / name, {}, {}, authorities.anchors()}, 1);
    EXPECT_TRUE(id.has_value()) << (id ? "" : id.error().what());
    return id ? id->own_status.status : ztm::identity::CredentialStatus::invalid;
  };
  EXPECT_EQ(status("alice"), ztm::identity::CredentialStatus::verified);
  EXPECT_EQ(status("room"), ztm::identity::CredentialStatus::verified);
  EXPECT_EQ(status("guest"), ztm::identity::CredentialStatus::provider_authenticated);
}

}  // namespace
}  // namespace ztm_integration
