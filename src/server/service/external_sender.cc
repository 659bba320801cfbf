// MlsExternalSender: per-suite ExternalSigner keys kept in Storage.
#include "ztm/server/external_sender.h"

#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/mls_message.h"

namespace ztm::server {

MlsExternalSender::MlsExternalSender(Storage& storage, std::string name)
    : storage_(storage), name_(std::move(name)) {}

Result<const mls::ExternalSigner*> MlsExternalSender::signer(std::uint16_t cipher_suite) {
  auto it = signers_.find(cipher_suite);
  if (it != signers_.end()) return &it->second;
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(cipher_suite));
  const std::string key_name = "external_sender/" + std::to_string(cipher_suite);
  ZTM_TRY_ASSIGN(auto stored, storage_.service_key(key_name));
  std::optional<crypto::SignaturePrivateKey> key;
  if (stored) {
    ZTM_TRY_ASSIGN(
        key, crypto::SignaturePrivateKey::from_raw(suite.signature_scheme(), stored->expose()));
  } else {
    ZTM_TRY_ASSIGN(key, crypto::SignaturePrivateKey::generate(suite.signature_scheme()));
    ZTM_TRY_ASSIGN(auto raw, key->export_raw());
    ZTM_TRY(storage_.put_service_key(key_name, raw));
  }
  ZTM_TRY_ASSIGN(
      auto created,
      mls::ExternalSigner::create(suite, std::move(*key), mls::Credential::basic(to_bytes(name_))));
  return &signers_.emplace(cipher_suite, std::move(created)).first->second;
}

std::optional<protocol::ExternalSender> MlsExternalSender::identity(std::uint16_t cipher_suite) {
  auto s = signer(cipher_suite);
  if (!s) return std::nullopt;
  const mls::ExternalSender entry = (*s)->external_sender();
  return protocol::ExternalSender{entry.signature_key, tls::encode(entry.credential)};
}

Result<Bytes> MlsExternalSender::remove_proposal(ByteView group_info, std::uint32_t leaf) {
  ZTM_TRY_ASSIGN(auto message, mls::MLSMessage::decode(group_info));
  const auto* info = std::get_if<mls::GroupInfo>(&message.value);
  if (!info) return fail(Errc::invalid_argument, "external_sender: not a GroupInfo");
  ZTM_TRY_ASSIGN(const mls::ExternalSigner* s, signer(info->group_context.cipher_suite));
  ZTM_TRY_ASSIGN(auto proposal, s->propose_remove(info->group_context, mls::LeafIndex{leaf}));
  return proposal.encode();
}

}  // namespace ztm::server
