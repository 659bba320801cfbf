// Runs fuzz/server_delivery_fuzzer.cc's entry point without libFuzzer: over its seed
// corpus, and over deterministic random scripts built from well-formed frames of one
// meeting (valid MLS envelopes for its group, commits for nearby epochs, adds of
// nearby participant ids) mixed with closes, clock steps and junk. Under ASan/UBSan
// this is the service's hostile-client regression test; crashes the fuzzer finds get
// their input added to the corpus, and so run here.
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "../../../fuzz/server_delivery_fuzzer.cc"
#include "delivery/delivery_test_util.h"
#include "ztm/identity/jws.h"

namespace {

namespace t = ztm::server::testing;

std::string b64(const ztm::Bytes& b) {
  return ztm::identity::base64url_encode(b);
}

std::vector<std::string> frames() {
  const ztm::Bytes g = ztm::to_bytes(std::string_view("g"));
  std::vector<std::string> f = {
      R"({"type":"group_created","group_id":")" + b64(g) + R"(","group_info":")" +
          b64(t::group_info_message(g, 0)) + R"("})",
      R"({"type":"key_package","key_package":")" + b64(t::key_package_message()) + R"("})",
      R"({"type":"ready","epoch":1})",
      R"({"type":"leave"})",
      R"({"type":"report","kind":"fork","detail":"x"})",
      R"({"type":"media_offer","ice_ufrag":"u","ice_pwd":"p","fingerprint":"sha-256 00"})",
      "not json",
      R"({"type":"commit"})",
  };
  for (std::uint64_t e = 0; e < 4; ++e) {
    for (int p = 2; p <= 4; ++p) {
      f.push_back(R"({"type":"commit","epoch":)" + std::to_string(e) + R"(,"commit":")" +
                  b64(t::commit_message(g, e)) + R"(","welcome":")" + b64(t::welcome_message()) +
                  R"(","added":[{"participant":"p)" + std::to_string(p) + R"(","leaf":)" +
                  std::to_string(p - 1) + R"(}],"removed":[]})");
      f.push_back(R"({"type":"commit","epoch":)" + std::to_string(e) + R"(,"commit":")" +
                  b64(t::commit_message(g, e)) + R"(","added":[],"removed":["p)" +
                  std::to_string(p) + R"("]})");
    }
    f.push_back(R"({"type":"mls","kind":"proposal","epoch":)" + std::to_string(e) +
                R"(,"message":")" + b64(t::private_message(g, e, ztm::mls::ContentType::proposal)) +
                R"("})");
    f.push_back(R"({"type":"mls","kind":"application","epoch":)" + std::to_string(e) +
                R"(,"message":")" +
                b64(t::private_message(g, e, ztm::mls::ContentType::application)) + R"("})");
  }
  return f;
}

TEST(DeliveryFuzzReplay, SeedCorpus) {
  const std::filesystem::path dir =
      std::filesystem::path(ZTM_SOURCE_DIR) / "fuzz/corpus/server_delivery";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    ++files;
  }
  EXPECT_GT(files, 0);
}

TEST(DeliveryFuzzReplay, RandomScriptsOfMeetingFrames) {
  const auto templates = frames();
  for (const auto& f : templates) EXPECT_LE(f.size(), 255u) << f;
  std::mt19937 rng(20261126);
  for (int script = 0; script < 3000; ++script) {
    std::string input;
    const int steps = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < steps; ++i) {
      const std::uint8_t slot = rng() % 4;
      switch (rng() % 8) {
        case 0:
        case 1:
          input.push_back(static_cast<char>((3 << 2) | slot));  // hello
          break;
        case 2:
          input.push_back(static_cast<char>((1 << 2) | slot));  // close
          break;
        case 3:
          input.push_back(static_cast<char>((2 << 2) | slot | ((rng() % 16) << 4)));  // time
          break;
        default: {
          std::string frame = templates[rng() % templates.size()];
          if (rng() % 8 == 0 && !frame.empty()) frame[rng() % frame.size()] ^= 1 << (rng() % 7);
          if (frame.size() > 255) frame.resize(255);  // the script's frame length is one byte
          input.push_back(static_cast<char>(slot));
          input.push_back(static_cast<char>(frame.size()));
          input += frame;
        }
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  SUCCEED();
}

}  // namespace
