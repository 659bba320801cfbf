// psk_secret.json: the PSK chain of RFC 9420 §8.4 (external PSKs, 0..n per case).
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/psk.h"

namespace ztm::vectors {

namespace {

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto cs, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  std::vector<mls::PskInput> psks;
  for (const auto& p : c.at("psks")) {
    ZTM_TRY_ASSIGN(auto psk_id, hex_field(p, "psk_id"));
    ZTM_TRY_ASSIGN(auto psk, hex_field(p, "psk"));
    ZTM_TRY_ASSIGN(auto nonce, hex_field(p, "psk_nonce"));
    mls::PreSharedKeyID id;
    id.psktype = mls::PSKType::external;
    id.psk_id = std::move(psk_id);
    id.psk_nonce = std::move(nonce);
    psks.push_back({std::move(id), SecretBytes::from_bytes(std::move(psk))});
  }
  ZTM_TRY_ASSIGN(auto expected, hex_field(c, "psk_secret"));
  ZTM_TRY_ASSIGN(auto actual, mls::compute_psk_secret(cs, psks));
  if (!equal(actual.expose(), expected)) {
    return fail(Errc::protocol_violation,
                "psk_secret differs (" + std::to_string(psks.size()) + " PSKs)");
  }
  return ok();
}

Runner mls_psk_secret_runner() {
  return {
      "mls/psk_secret",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "psk_secret.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const std::string name = "case " + std::to_string(index++) + " (cipher_suite " +
                                   std::to_string(c.value("cipher_suite", 0)) + ")";
          Result<void> result;
          try {
            result = run_case(c);
          } catch (const nlohmann::json::exception& e) {
            result = fail(Errc::invalid_encoding, std::string("malformed case: ") + e.what());
          }
          report.check(name, result);
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_psk_secret_runner);

}  // namespace ztm::vectors
