#include "ztm/mls/key_schedule.h"

#include <string>

#include "ztm/mls/exporter.h"

namespace ztm::mls {

namespace {

constexpr std::string_view kExternalInitLabel = "MLS 1.0 external init secret";

// or_zero maps an empty input to the all-zero Nh-byte "0" of §8 and checks the
// size of anything else.
Result<ByteView> or_zero(const CipherSuite& suite, ByteView value, const Bytes& zero,
                         std::string_view name) {
  if (value.empty()) return ByteView(zero);
  if (value.size() != suite.hash_size()) {
    return fail(Errc::invalid_argument,
                "key_schedule." + std::string(name) + "_size: must be Nh bytes");
  }
  return value;
}

}  // namespace

Result<SecretBytes> EpochSecrets::exporter(std::string_view label, ByteView context,
                                           std::size_t length) const {
  return mls_exporter(suite, exporter_secret, label, context, length);
}

Result<crypto::DhPrivateKey> EpochSecrets::external_key_pair() const {
  return suite.derive_key_pair(external_secret);
}

Result<EpochSecrets> derive_epoch_secrets(const CipherSuite& suite, ByteView init_secret,
                                          ByteView commit_secret, ByteView psk_secret,
                                          ByteView group_context) {
  if (init_secret.size() != suite.hash_size()) {
    return fail(Errc::invalid_argument, "key_schedule.init_secret_size: must be Nh bytes");
  }
  const Bytes zero(suite.hash_size(), 0);
  ZTM_TRY_ASSIGN(const ByteView commit, or_zero(suite, commit_secret, zero, "commit_secret"));
  const SecretBytes extracted = suite.extract(init_secret, commit);
  ZTM_TRY_ASSIGN(const SecretBytes joiner_secret,
                 suite.expand_with_label(extracted, "joiner", group_context, suite.hash_size()));
  return derive_epoch_secrets_from_joiner(suite, joiner_secret, psk_secret, group_context);
}

Result<EpochSecrets> derive_epoch_secrets_from_joiner(const CipherSuite& suite,
                                                      const SecretBytes& joiner_secret,
                                                      ByteView psk_secret, ByteView group_context) {
  if (joiner_secret.size() != suite.hash_size()) {
    return fail(Errc::invalid_argument, "key_schedule.joiner_secret_size: must be Nh bytes");
  }
  const Bytes zero(suite.hash_size(), 0);
  ZTM_TRY_ASSIGN(const ByteView psk, or_zero(suite, psk_secret, zero, "psk_secret"));
  const SecretBytes member_secret = suite.extract(joiner_secret.expose(), psk);
  ZTM_TRY_ASSIGN(const SecretBytes epoch_secret,
                 suite.expand_with_label(member_secret, "epoch", group_context, suite.hash_size()));

  EpochSecrets s{suite, joiner_secret, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  ZTM_TRY_ASSIGN(s.welcome_secret, suite.derive_secret(member_secret, "welcome"));
  ZTM_TRY_ASSIGN(s.sender_data_secret, suite.derive_secret(epoch_secret, "sender data"));
  ZTM_TRY_ASSIGN(s.encryption_secret, suite.derive_secret(epoch_secret, "encryption"));
  ZTM_TRY_ASSIGN(s.exporter_secret, suite.derive_secret(epoch_secret, "exporter"));
  ZTM_TRY_ASSIGN(s.external_secret, suite.derive_secret(epoch_secret, "external"));
  ZTM_TRY_ASSIGN(s.confirmation_key, suite.derive_secret(epoch_secret, "confirm"));
  ZTM_TRY_ASSIGN(s.membership_key, suite.derive_secret(epoch_secret, "membership"));
  ZTM_TRY_ASSIGN(s.resumption_psk, suite.derive_secret(epoch_secret, "resumption"));
  ZTM_TRY_ASSIGN(s.epoch_authenticator, suite.derive_secret(epoch_secret, "authentication"));
  ZTM_TRY_ASSIGN(s.init_secret, suite.derive_secret(epoch_secret, "init"));
  return s;
}

Result<SecretBytes> derive_welcome_secret(const CipherSuite& suite,
                                          const SecretBytes& joiner_secret, ByteView psk_secret) {
  const Bytes zero(suite.hash_size(), 0);
  ZTM_TRY_ASSIGN(const ByteView psk, or_zero(suite, psk_secret, zero, "psk_secret"));
  const SecretBytes member_secret = suite.extract(joiner_secret.expose(), psk);
  return suite.derive_secret(member_secret, "welcome");
}

Result<WelcomeKey> derive_welcome_key(const CipherSuite& suite, const SecretBytes& welcome_secret) {
  WelcomeKey out;
  ZTM_TRY_ASSIGN(out.key, suite.expand_with_label(welcome_secret, "key", {}, suite.key_size()));
  ZTM_TRY_ASSIGN(out.nonce,
                 suite.expand_with_label(welcome_secret, "nonce", {}, suite.nonce_size()));
  return out;
}

Result<ExternalInitSecret> make_external_init(const CipherSuite& suite, ByteView external_pub) {
  ZTM_TRY_ASSIGN(auto sender, suite.hpke().setup_sender(external_pub, {}));
  ZTM_TRY_ASSIGN(auto init_secret,
                 sender.context.export_secret(as_bytes(kExternalInitLabel), suite.hash_size()));
  return ExternalInitSecret{std::move(sender.enc), std::move(init_secret)};
}

Result<SecretBytes> receive_external_init(const CipherSuite& suite,
                                          const crypto::DhPrivateKey& external_priv,
                                          ByteView kem_output) {
  ZTM_TRY_ASSIGN(auto context, suite.hpke().setup_receiver(kem_output, external_priv, {}));
  return context.export_secret(as_bytes(kExternalInitLabel), suite.hash_size());
}

}  // namespace ztm::mls
