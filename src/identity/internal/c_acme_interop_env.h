// c_acme_interop_env: test-only helpers for the ACME CA's real-peer tests —
// pebble-challtestsrv as the CA's DNS server (every A query answers 127.0.0.1; TXT
// records set through its management API, ../shared/PEERS.md), a shell runner that
// captures a peer's output, and a CRL check. Header-only; *_interop_test.cc only.
#pragma once

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "internal/c_acme_test_env.h"
#include "ztm/http/client.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/crl.h"
#include "ztm_test/process.h"

namespace ztm::identity::testing {

// ChallTestSrv runs pebble-challtestsrv with only its DNS server and management API.
class ChallTestSrv {
 public:
  explicit ChallTestSrv(const std::filesystem::path& dir)
      : dns_port_(ztm_test::free_port()), mgmt_port_(ztm_test::free_port()) {
    const std::string dns = "127.0.0.1:" + std::to_string(dns_port_);
    const std::string mgmt = "127.0.0.1:" + std::to_string(mgmt_port_);
    log_ = dir / "challtestsrv.log";
    process_ = std::make_unique<ztm_test::ChildProcess>(
        "pebble-challtestsrv",
        std::vector<std::string>{"-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", dns,
                                 "-http01", "", "-https01", "", "-tlsalpn01", "", "-management",
                                 mgmt},
        std::map<std::string, std::string>{}, log_);
    for (int i = 0; i < 100; ++i) {
      auto r = http::request("GET", mgmt_url() + "/", {}, "");
      if (r) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("pebble-challtestsrv did not start: " + ztm_test::read_text(log_));
  }

  std::string resolver() const { return "127.0.0.1:" + std::to_string(dns_port_); }
  std::string mgmt_url() const { return "http://127.0.0.1:" + std::to_string(mgmt_port_); }

  void set_txt(const std::string& host, const std::string& value) const {
    auto r = http::request("POST", mgmt_url() + "/set-txt", {},
                           nlohmann::json{{"host", host}, {"value", value}}.dump());
    if (!r || r->status != 200) throw std::runtime_error("challtestsrv set-txt failed");
  }

 private:
  std::uint16_t dns_port_;
  std::uint16_t mgmt_port_;
  std::filesystem::path log_;
  std::unique_ptr<ztm_test::ChildProcess> process_;
};

// sh_quote wraps a value in single quotes for a shell command line.
inline std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// run_logged runs a command line with its output in log; returns the exit status.
inline int run_logged(const std::string& command, const std::filesystem::path& log) {
  return ztm_test::run_command(command + " >" + sh_quote(log.string()) + " 2>&1");
}

// crl_lists fetches the CRL at url, checks its signature with the CA certificate
// and says whether it lists cert.
inline bool crl_lists(const std::string& url, const Certificate& ca, const Certificate& cert) {
  auto r = http::request("GET", url, {}, "");
  if (!r || r->status != 200) return false;
  auto crl = Crl::from_der(as_bytes(r->body));
  if (!crl) return false;
  EXPECT_EQ(X509_CRL_verify(crl->x509_crl(), X509_get0_pubkey(ca.x509())), 1);
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_cert(crl->x509_crl(), &entry, cert.x509()) == 1;
}

}  // namespace ztm::identity::testing
