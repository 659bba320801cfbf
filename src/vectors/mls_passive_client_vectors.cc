// passive-client-welcome.json and passive-client-handling-commit.json: a client
// joins from a Welcome and follows the group through its Commits, checking the
// epoch_authenticator after the join and after every epoch.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/group.h"

namespace ztm::vectors {
namespace {

using namespace ztm::mls;

Result<MLSMessage> message_field(const nlohmann::json& obj, std::string_view name) {
  ZTM_TRY_ASSIGN(Bytes bytes, hex_field(obj, name));
  return MLSMessage::decode(bytes);
}

Result<void> expect_authenticator(const Group& group, const nlohmann::json& obj,
                                  std::string_view field, const std::string& when) {
  ZTM_TRY_ASSIGN(Bytes expected, hex_field(obj, field));
  if (!equal(group.epoch_authenticator(), expected)) {
    return fail(Errc::authentication_failed, "epoch_authenticator differs " + when);
  }
  return ok();
}

// left_pad restores the fixed width of a NIST-curve scalar that a generator wrote
// as a minimal big-endian integer (some P-521 keys in these files are 65 bytes).
Bytes left_pad(Bytes scalar, std::size_t width) {
  if (scalar.size() < width) scalar.insert(scalar.begin(), width - scalar.size(), 0);
  return scalar;
}

Result<void> run_passive_client(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(MLSMessage kp_message, message_field(c, "key_package"));
  const auto* key_package = std::get_if<KeyPackage>(&kp_message.value);
  if (key_package == nullptr)
    return fail(Errc::invalid_encoding, "key_package is not a KeyPackage");

  ZTM_TRY_ASSIGN(Bytes signature_priv, hex_field(c, "signature_priv"));
  ZTM_TRY_ASSIGN(Bytes encryption_priv, hex_field(c, "encryption_priv"));
  ZTM_TRY_ASSIGN(Bytes init_priv, hex_field(c, "init_priv"));
  if (suite.kem_id() == crypto::KemId::dhkem_p521_sha512) {
    signature_priv = left_pad(std::move(signature_priv), 66);
    encryption_priv = left_pad(std::move(encryption_priv), 66);
    init_priv = left_pad(std::move(init_priv), 66);
  }
  ZTM_TRY_ASSIGN(auto signature_key,
                 crypto::SignaturePrivateKey::from_raw(suite.signature_scheme(), signature_priv));
  ZTM_TRY_ASSIGN(auto encryption_key,
                 crypto::DhPrivateKey::from_raw(suite.kem_id(), encryption_priv));
  ZTM_TRY_ASSIGN(auto init_key, crypto::DhPrivateKey::from_raw(suite.kem_id(), init_priv));
  // The private keys must be the KeyPackage's.
  if (signature_key.public_key() != key_package->leaf_node.signature_key ||
      encryption_key.public_key() != key_package->leaf_node.encryption_key ||
      init_key.public_key() != key_package->init_key) {
    return fail(Errc::invalid_key, "the private keys do not match the KeyPackage");
  }
  KeyPackageBundle bundle{
      *key_package, suite.make_key_package_ref(tls::encode(*key_package)), std::move(init_key),
      std::move(encryption_key),
      MemberSigner{std::move(signature_key), key_package->leaf_node.credential}};

  PskStore psks;
  for (const auto& entry : c.at("external_psks")) {
    ZTM_TRY_ASSIGN(Bytes id, hex_field(entry, "psk_id"));
    ZTM_TRY_ASSIGN(Bytes psk, hex_field(entry, "psk"));
    psks.add_external(id, SecretBytes::from_bytes(std::move(psk)));
  }
  static const BasicCredentialValidator validator;
  GroupConfig config;
  config.validator = &validator;
  config.psks = &psks;

  JoinOptions options;
  options.psks = &psks;
  if (!c.at("ratchet_tree").is_null()) {
    ZTM_TRY_ASSIGN(Bytes tree_bytes, hex_field(c, "ratchet_tree"));
    ZTM_TRY_ASSIGN(RatchetTree tree, RatchetTree::decode(suite, tree_bytes));
    options.tree = std::move(tree);
  }
  ZTM_TRY_ASSIGN(MLSMessage welcome_message, message_field(c, "welcome"));
  const auto* welcome = std::get_if<Welcome>(&welcome_message.value);
  if (welcome == nullptr) return fail(Errc::invalid_encoding, "welcome is not a Welcome");
  ZTM_TRY_ASSIGN(Group group, Group::join(*welcome, bundle, config, options));
  ZTM_TRY(expect_authenticator(group, c, "initial_epoch_authenticator", "after the join"));

  std::size_t epoch_index = 0;
  for (const auto& epoch : c.at("epochs")) {
    const std::string when = "in epoch entry " + std::to_string(epoch_index++);
    for (const auto& proposal_hex : epoch.at("proposals")) {
      ZTM_TRY_ASSIGN(Bytes bytes, from_hex(proposal_hex.get<std::string>()));
      ZTM_TRY_ASSIGN(MLSMessage proposal, MLSMessage::decode(bytes));
      auto processed = group.process(proposal);
      if (!processed) {
        return fail(processed.error().code, "proposal " + when + ": " + processed.error().message);
      }
    }
    ZTM_TRY_ASSIGN(MLSMessage commit, message_field(epoch, "commit"));
    auto processed = group.process(commit);
    if (!processed) {
      return fail(processed.error().code, "commit " + when + ": " + processed.error().message);
    }
    if (processed->next == nullptr) return fail(Errc::invalid_state, "commit removed us " + when);
    group = *processed->next;
    ZTM_TRY(expect_authenticator(group, epoch, "epoch_authenticator", when));
  }
  return ok();
}

Runner passive_client_runner() {
  return {
      "mls/passive-client",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        const auto name = path.filename().string();
        return name.rfind("passive-client-", 0) == 0 && path.extension() == ".json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const std::string name = "case " + std::to_string(index++) + " (suite " +
                                   std::to_string(c.at("cipher_suite").get<int>()) + ")";
          report.check(name, run_passive_client(c));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(passive_client_runner);

}  // namespace ztm::vectors
