// welcome.json: decrypt a Welcome with a KeyPackage's init key, verify the
// GroupInfo's signature with the signer's key and its confirmation tag (RFC 9420
// §12.4.3.1). No ratchet tree is given, so this runs the steps below Group::join.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/crypto/aead.h"
#include "ztm/mls/group.h"
#include "ztm/mls/transcript_hash.h"

namespace ztm::vectors {
namespace {

using namespace ztm::mls;

Result<void> run_welcome(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(Bytes init_priv, hex_field(c, "init_priv"));
  ZTM_TRY_ASSIGN(Bytes signer_pub, hex_field(c, "signer_pub"));
  ZTM_TRY_ASSIGN(Bytes kp_bytes, hex_field(c, "key_package"));
  ZTM_TRY_ASSIGN(Bytes welcome_bytes, hex_field(c, "welcome"));
  ZTM_TRY_ASSIGN(MLSMessage kp_message, MLSMessage::decode(kp_bytes));
  ZTM_TRY_ASSIGN(MLSMessage welcome_message, MLSMessage::decode(welcome_bytes));
  const auto* key_package = std::get_if<KeyPackage>(&kp_message.value);
  const auto* welcome = std::get_if<Welcome>(&welcome_message.value);
  if (key_package == nullptr || welcome == nullptr) {
    return fail(Errc::invalid_encoding, "key_package/welcome of the wrong wire format");
  }
  ZTM_TRY_ASSIGN(auto init_key, crypto::DhPrivateKey::from_raw(suite.kem_id(), init_priv));
  const Bytes ref = suite.make_key_package_ref(tls::encode(*key_package));
  const EncryptedGroupSecrets* mine = welcome->find(ref);
  if (mine == nullptr) return fail(Errc::not_found, "no entry for the KeyPackage");
  ZTM_TRY_ASSIGN(Bytes secrets_bytes,
                 suite.decrypt_with_label(init_key, "Welcome", welcome->encrypted_group_info,
                                          mine->encrypted_group_secrets));
  ZTM_TRY_ASSIGN(GroupSecrets secrets, tls::decode<GroupSecrets>(secrets_bytes));
  ZTM_TRY_ASSIGN(SecretBytes psk_secret, compute_psk_secret(suite, {}));
  ZTM_TRY_ASSIGN(SecretBytes welcome_secret,
                 derive_welcome_secret(suite, secrets.joiner_secret, psk_secret.expose()));
  ZTM_TRY_ASSIGN(WelcomeKey wk, derive_welcome_key(suite, welcome_secret));
  ZTM_TRY_ASSIGN(auto aead, crypto::AeadKey::create(suite.aead_id(), wk.key.expose()));
  ZTM_TRY_ASSIGN(Bytes info_bytes, aead.open(wk.nonce.expose(), {}, welcome->encrypted_group_info));
  ZTM_TRY_ASSIGN(GroupInfo info, tls::decode<GroupInfo>(info_bytes));
  ZTM_TRY(suite.verify_with_label(signer_pub, "GroupInfoTBS", info.to_be_signed(), info.signature));
  ZTM_TRY_ASSIGN(EpochSecrets epoch,
                 derive_epoch_secrets_from_joiner(suite, secrets.joiner_secret, psk_secret.expose(),
                                                  tls::encode(info.group_context)));
  return verify_confirmation_tag(suite, epoch.confirmation_key,
                                 info.group_context.confirmed_transcript_hash,
                                 info.confirmation_tag);
}

Runner welcome_runner() {
  return {
      "mls/welcome",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "welcome.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          report.check("case " + std::to_string(index++) + " (suite " +
                           std::to_string(c.at("cipher_suite").get<int>()) + ")",
                       run_welcome(c));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(welcome_runner);

}  // namespace ztm::vectors
