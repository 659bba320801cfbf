// Pebble: Let's Encrypt's test ACME CA, with pebble-challtestsrv as its DNS server,
// started on free loopback ports for one test and stopped by PID afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "ztm_test/process.h"
#include "ztm_test/test_pki.h"

namespace ztm_test {

struct PebbleOptions {
  // http01_port is where Pebble's VA connects for http-01 (the identifier's A record
  // always resolves to 127.0.0.1 through challtestsrv).
  std::uint16_t http01_port = 0;  // 0: pick a free port
  // nonce_reject_percent sets PEBBLE_WFE_NONCEREJECT; nullopt keeps Pebble's default
  // (5 % of nonces rejected as badNonce).
  std::optional<int> nonce_reject_percent = 0;
  int certificate_validity_seconds = 3600;
};

// Pebble owns the two processes and their temporary directory.
class Pebble {
 public:
  // start launches challtestsrv and pebble and waits (up to 20 s) until the
  // directory answers. Throws std::runtime_error if either does not come up.
  static std::unique_ptr<Pebble> start(const PebbleOptions& options = {});
  ~Pebble();

  std::string directory_url() const;  // https://127.0.0.1:<port>/dir
  std::string ca_bundle() const;      // file: the CA of Pebble's HTTPS listener
  std::uint16_t http01_port() const { return http01_port_; }
  // challtestsrv_url is challtestsrv's management API (http://127.0.0.1:<port>),
  // for hook scripts that POST /set-txt themselves.
  std::string challtestsrv_url() const;
  // set_txt / clear_txt drive challtestsrv's management API (dns-01).
  void set_txt(const std::string& host, const std::string& value) const;
  void clear_txt(const std::string& host) const;
  // root_pem fetches the issuing root (regenerated at every Pebble start).
  std::string root_pem() const;
  std::string intermediate_pem() const;
  const std::filesystem::path& dir() const { return dir_.path(); }
  // logs returns both processes' output, for failure messages.
  std::string logs() const;

 private:
  Pebble() = default;
  TempDir dir_{"ztm-pebble"};
  TestPki pki_;
  std::uint16_t acme_port_ = 0, mgmt_port_ = 0, http01_port_ = 0, dns_port_ = 0,
                chall_mgmt_port_ = 0;
  std::unique_ptr<ChildProcess> challtestsrv_;
  std::unique_ptr<ChildProcess> pebble_;
};

}  // namespace ztm_test
