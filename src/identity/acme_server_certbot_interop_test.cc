// certbot (Debian's certbot 2.1, a real ACME client) against ztmeet's ACME CA: an
// account, an order for a device name, http-01 validated by the CA's validation
// authority (DNS from pebble-challtestsrv, HTTP to certbot's standalone server),
// finalize with certbot's ECDSA P-256 CSR, download, then revocation and the CRL.
#include <gtest/gtest.h>

#include "internal/c_acme_interop_env.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {
namespace {

using testing::AcmeTestEnv;
using testing::ChallTestSrv;
using testing::sh_quote;

TEST(CertbotInterop, ObtainsAndRevokesCertificateOverHttp01) {
  ztm_test::TempDir work("ztm-certbot");
  ChallTestSrv dns(work.path());
  const std::uint16_t http01_port = ztm_test::free_port();
  AcmeServerOptions options;
  options.http01_port = http01_port;
  options.dns_resolver = dns.resolver();
  auto env = AcmeTestEnv::start(options);

  const std::string name = "device1.example.test";
  const std::string dir = (work.path() / "certbot").string();
  const std::string common = "REQUESTS_CA_BUNDLE=" + sh_quote(env->pki.ca_cert.string()) +
                             " certbot --non-interactive --config-dir " + sh_quote(dir) +
                             " --work-dir " + sh_quote(dir) + " --logs-dir " + sh_quote(dir) +
                             " --server " + sh_quote(env->directory_url());
  const auto log = work.path() / "certbot.log";
  int status = testing::run_logged(
      common + " certonly --standalone --agree-tos -m admin@example.test --no-eff-email" +
          " --http-01-address 127.0.0.1 --http-01-port " + std::to_string(http01_port) +
          " --key-type ecdsa --elliptic-curve secp256r1 -d " + name,
      log);
  ASSERT_EQ(status, 0) << ztm_test::read_text(log);

  const auto live = work.path() / "certbot" / "live" / name;
  auto chain = load_pem_certificates((live / "fullchain.pem").string());
  ASSERT_TRUE(chain.has_value()) << chain.error().what();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(leaf_identity(chain->at(0)).value(), Identity::device(name));
  const Certificate& ca = env->service->server().ca().certificate();
  EXPECT_EQ(chain->at(1).der(), ca.der());
  EXPECT_LE(chain->at(0).not_after() - chain->at(0).not_before(),
            std::chrono::hours(24) + std::chrono::minutes(5));
  EXPECT_FALSE(testing::crl_lists(env->service->crl_url(), ca, chain->at(0)));

  const auto revoke_log = work.path() / "certbot-revoke.log";
  status = testing::run_logged(common + " revoke --no-delete-after-revoke --reason keycompromise" +
                                   " --cert-path " + sh_quote((live / "cert.pem").string()),
                               revoke_log);
  ASSERT_EQ(status, 0) << ztm_test::read_text(revoke_log);
  EXPECT_TRUE(testing::crl_lists(env->service->crl_url(), ca, chain->at(0)));
}

}  // namespace
}  // namespace ztm::identity
