// lego (Debian's lego 4.9, a real ACME client in Go) against ztmeet's ACME CA:
// http-01 with lego's own challenge server, dns-01 with lego's "exec" DNS provider
// writing the TXT record into pebble-challtestsrv (the CA's DNS server), revocation
// and the CRL, and an RSA CSR (outside the profile) the CA must refuse as badCSR.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "internal/c_acme_interop_env.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {
namespace {

using testing::AcmeTestEnv;
using testing::ChallTestSrv;
using testing::sh_quote;

class LegoInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    dns_ = std::make_unique<ChallTestSrv>(work_.path());
    http01_port_ = ztm_test::free_port();
    AcmeServerOptions options;
    options.http01_port = http01_port_;
    options.dns_resolver = dns_->resolver();
    env_ = AcmeTestEnv::start(options);
  }

  std::string lego(const std::string& args) const {
    return "LEGO_CA_CERTIFICATES=" + sh_quote(env_->pki.ca_cert.string()) + " lego --server " +
           sh_quote(env_->directory_url()) + " --accept-tos --email admin@example.test --path " +
           sh_quote((work_.path() / "lego").string()) + " " + args;
  }

  Result<std::vector<Certificate>> issued(const std::string& name) const {
    return load_pem_certificates(
        (work_.path() / "lego" / "certificates" / (name + ".crt")).string());
  }

  const Certificate& ca() const { return env_->service->server().ca().certificate(); }

  ztm_test::TempDir work_{"ztm-lego"};
  std::unique_ptr<ChallTestSrv> dns_;
  std::uint16_t http01_port_ = 0;
  std::unique_ptr<AcmeTestEnv> env_;
};

TEST_F(LegoInterop, ObtainsOverHttp01AndRevokes) {
  const std::string name = "device2.example.test";
  const auto log = work_.path() / "lego-http.log";
  int status = testing::run_logged(
      lego("--key-type ec256 -d " + name +
           " --http --http.port 127.0.0.1:" + std::to_string(http01_port_) + " run"),
      log);
  ASSERT_EQ(status, 0) << ztm_test::read_text(log);
  auto chain = issued(name);
  ASSERT_TRUE(chain.has_value()) << chain.error().what();
  ASSERT_GE(chain->size(), 1u);
  EXPECT_EQ(leaf_identity(chain->at(0)).value(), Identity::device(name));
  EXPECT_EQ(X509_verify(chain->at(0).x509(), X509_get0_pubkey(ca().x509())), 1);

  const auto revoke_log = work_.path() / "lego-revoke.log";
  status = testing::run_logged(lego("-d " + name + " revoke --reason 1"), revoke_log);
  ASSERT_EQ(status, 0) << ztm_test::read_text(revoke_log);
  EXPECT_TRUE(testing::crl_lists(env_->service->crl_url(), ca(), chain->at(0)));
}

TEST_F(LegoInterop, ObtainsOverDns01WithExecProvider) {
  const std::string name = "device3.example.test";
  const auto hook = work_.path() / "dns-hook.sh";
  {
    // lego's exec provider calls: <hook> present|cleanup <fqdn> <value>.
    std::ofstream out(hook);
    out << "#!/bin/sh\n"
           "set -e\n"
           "if [ \"$1\" = present ]; then\n"
           "  curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\" "
        << dns_->mgmt_url()
        << "/set-txt\n"
           "else\n"
           "  curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\"}\" "
        << dns_->mgmt_url() << "/clear-txt\nfi\n";
  }
  ::chmod(hook.c_str(), 0700);
  const auto log = work_.path() / "lego-dns.log";
  int status =
      testing::run_logged("EXEC_PATH=" + sh_quote(hook.string()) + " " +
                              lego("--key-type ec256 -d " + name + " --dns exec --dns.resolvers " +
                                   dns_->resolver() + " --dns.disable-cp run"),
                          log);
  ASSERT_EQ(status, 0) << ztm_test::read_text(log);
  auto chain = issued(name);
  ASSERT_TRUE(chain.has_value()) << chain.error().what();
  EXPECT_EQ(leaf_identity(chain->at(0)).value(), Identity::device(name));
  EXPECT_NE(ztm_test::read_text(log).find("dns-01"), std::string::npos);
}

TEST_F(LegoInterop, RsaCsrIsRefusedAsBadCsr) {
  const std::string name = "device4.example.test";
  const auto csr = work_.path() / "rsa.csr";
  const auto key = work_.path() / "rsa.key";
  ASSERT_EQ(ztm_test::run_command("openssl req -new -newkey rsa:2048 -nodes -subj /CN=" + name +
                                  " -addext subjectAltName=DNS:" + name + " -keyout " +
                                  sh_quote(key.string()) + " -out " + sh_quote(csr.string()) +
                                  " 2>/dev/null"),
            0);
  const auto log = work_.path() / "lego-rsa.log";
  int status = testing::run_logged(
      lego("--key-type ec256 --csr " + sh_quote(csr.string()) +
           " --http --http.port 127.0.0.1:" + std::to_string(http01_port_) + " run"),
      log);
  EXPECT_NE(status, 0);
  EXPECT_NE(ztm_test::read_text(log).find("badCSR"), std::string::npos) << ztm_test::read_text(log);
  EXPECT_FALSE(issued(name).has_value());
}

}  // namespace
}  // namespace ztm::identity
