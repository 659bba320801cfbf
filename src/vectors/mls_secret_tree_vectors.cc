// secret-tree.json: the secret tree and sender ratchets of RFC 9420 §9 and the
// sender-data key of §6.3.2. One case per entry: the sender-data key and nonce, and
// every listed generation of every leaf's handshake and application ratchets.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/secret_tree.h"

namespace ztm::vectors {

namespace {

Result<void> expect_secret(const nlohmann::json& obj, std::string_view field,
                           const SecretBytes& actual, const std::string& where) {
  ZTM_TRY_ASSIGN(auto expected, hex_field(obj, field));
  if (!equal(actual.expose(), expected)) {
    return fail(Errc::protocol_violation, where + std::string(field) + " differs");
  }
  return ok();
}

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto cs, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));

  const auto& sd = c.at("sender_data");
  ZTM_TRY_ASSIGN(auto sender_data_secret, hex_field(sd, "sender_data_secret"));
  ZTM_TRY_ASSIGN(auto ciphertext, hex_field(sd, "ciphertext"));
  ZTM_TRY_ASSIGN(auto sdk,
                 mls::derive_sender_data_key(
                     cs, SecretBytes::from_bytes(std::move(sender_data_secret)), ciphertext));
  ZTM_TRY(expect_secret(sd, "key", sdk.key, "sender_data "));
  ZTM_TRY(expect_secret(sd, "nonce", sdk.nonce, "sender_data "));

  ZTM_TRY_ASSIGN(auto encryption_secret, hex_field(c, "encryption_secret"));
  const auto& leaves = c.at("leaves");
  ZTM_TRY_ASSIGN(auto tree, mls::SecretTree::create(
                                cs, SecretBytes::from_bytes(std::move(encryption_secret)),
                                mls::LeafCount{static_cast<std::uint32_t>(leaves.size())}));
  for (std::uint32_t i = 0; i < leaves.size(); ++i) {
    for (const auto& g : leaves[i]) {
      const auto generation = g.at("generation").get<std::uint32_t>();
      const std::string where =
          "leaf " + std::to_string(i) + " generation " + std::to_string(generation) + ": ";
      for (const auto type : {mls::RatchetType::handshake, mls::RatchetType::application}) {
        const std::string prefix =
            type == mls::RatchetType::handshake ? "handshake_" : "application_";
        ZTM_TRY_ASSIGN(auto key, tree.key_for(mls::LeafIndex{i}, type, generation));
        ZTM_TRY(expect_secret(g, prefix + "key", key.key, where));
        ZTM_TRY(expect_secret(g, prefix + "nonce", key.nonce, where));
        tree.consume(mls::LeafIndex{i}, type, generation);
      }
    }
  }
  return ok();
}

Runner mls_secret_tree_runner() {
  return {
      "mls/secret-tree",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "secret-tree.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const std::string name = "case " + std::to_string(index++) + " (cipher_suite " +
                                   std::to_string(c.value("cipher_suite", 0)) + ", " +
                                   std::to_string(c.contains("leaves") ? c["leaves"].size() : 0) +
                                   " leaves)";
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

ZTM_REGISTER_VECTOR_RUNNER(mls_secret_tree_runner);

}  // namespace ztm::vectors
