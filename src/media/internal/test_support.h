// Helpers shared by the media tests (header-only; not part of the library).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "ztm/base/secret.h"
#include "ztm/sframe/mls_context.h"

namespace ztm::media::test {

using Clock = std::chrono::steady_clock;

// MemberKeys: two members of one MLS epoch (leaves 0 and 1 of a two-leaf tree) that
// share the epoch's SFrame base key, as MLS-Exporter would give them.
struct MemberKeys {
  sframe::MlsContext alice;
  sframe::MlsContext bob;
};

inline MemberKeys make_member_keys(Clock::time_point now, std::uint64_t epoch = 1,
                                   std::uint8_t fill = 0x5a) {
  const auto suite = sframe::CipherSuite::aes_128_gcm_sha256_128;
  const SecretBytes secret(Bytes(16, fill));
  auto alice = sframe::MlsContext::create(suite).value();
  auto bob = sframe::MlsContext::create(suite).value();
  EXPECT_TRUE(alice.add_epoch(epoch, secret, 2, 0, now));
  EXPECT_TRUE(bob.add_epoch(epoch, secret, 2, 1, now));
  return {std::move(alice), std::move(bob)};
}

// TempDir is a fresh directory removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ztm-media-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ztm::media::test
