// HPKE (RFC 9180): setup in the four modes (§5.1), the encryption context with its
// own sequence number (§5.2), the exporter (§5.3) and the single-shot APIs (§6).
#include "ztm/crypto/hpke.h"

#include <algorithm>
#include <limits>

#include "internal/hpke_labeled.h"

namespace ztm::crypto {

using internal::hpke_suite_id;
using internal::labeled_expand;
using internal::labeled_extract;

namespace {

bool kdf_supported(HashId kdf) {
  return kdf == HashId::sha256 || kdf == HashId::sha384 || kdf == HashId::sha512;
}

bool aead_supported(AeadId aead) {
  return aead == AeadId::aes128gcm || aead == AeadId::aes256gcm ||
         aead == AeadId::chacha20poly1305 || aead == AeadId::export_only;
}

bool has_psk(const std::optional<SecretBytes>& psk) {
  return psk.has_value() && !psk->empty();
}

HpkeMode mode_of(bool psk, bool auth) {
  if (auth) return psk ? HpkeMode::auth_psk : HpkeMode::auth;
  return psk ? HpkeMode::psk : HpkeMode::base;
}

}  // namespace

struct HpkeContext::Impl {
  HashId kdf;
  Bytes suite_id;
  AeadId aead_id;
  std::optional<AeadKey> aead;  // empty for export-only
  Bytes base_nonce;
  std::uint64_t seq = 0;
  SecretBytes exporter_secret;
  bool is_sender = false;

  // nonce is ComputeNonce(seq): base_nonce XOR I2OSP(seq, Nn).
  Bytes nonce() const {
    Bytes n = base_nonce;
    for (std::size_t i = 0; i < 8 && i < n.size(); ++i) {
      n[n.size() - 1 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
    }
    return n;
  }

  // check_seq implements IncrementSeq's limit. Nn is 12, so the RFC's limit
  // 2^96 - 1 is beyond a uint64_t: the context stops at 2^64 - 1 instead.
  Result<void> check_seq() const {
    if (seq == std::numeric_limits<std::uint64_t>::max()) {
      return fail(Errc::counter_exhausted, "HPKE: message limit reached");
    }
    return ok();
  }
};

HpkeContext::~HpkeContext() = default;
HpkeContext::HpkeContext(HpkeContext&&) noexcept = default;
HpkeContext& HpkeContext::operator=(HpkeContext&&) noexcept = default;

Result<Bytes> HpkeContext::seal(ByteView aad, ByteView plaintext) {
  if (!impl_) return fail(Errc::invalid_state, "HpkeContext: moved-from");
  if (!impl_->aead) return fail(Errc::unsupported, "HPKE: export-only suite cannot seal");
  if (!impl_->is_sender) return fail(Errc::invalid_state, "HPKE: a receiver context cannot seal");
  ZTM_TRY(impl_->check_seq());
  ZTM_TRY_ASSIGN(Bytes ct, impl_->aead->seal(impl_->nonce(), aad, plaintext));
  ++impl_->seq;
  return ct;
}

Result<Bytes> HpkeContext::open(ByteView aad, ByteView ciphertext) {
  if (!impl_) return fail(Errc::invalid_state, "HpkeContext: moved-from");
  if (!impl_->aead) return fail(Errc::unsupported, "HPKE: export-only suite cannot open");
  if (impl_->is_sender) return fail(Errc::invalid_state, "HPKE: a sender context cannot open");
  ZTM_TRY(impl_->check_seq());
  // The sequence number advances only when the message authenticates (§5.2).
  ZTM_TRY_ASSIGN(Bytes pt, impl_->aead->open(impl_->nonce(), aad, ciphertext));
  ++impl_->seq;
  return pt;
}

Result<SecretBytes> HpkeContext::export_secret(ByteView exporter_context,
                                               std::size_t length) const {
  if (!impl_) return fail(Errc::invalid_state, "HpkeContext: moved-from");
  return labeled_expand(impl_->kdf, impl_->suite_id, impl_->exporter_secret.expose(), "sec",
                        exporter_context, length);
}

Hpke::Hpke(HpkeSuite suite) : suite_(suite) {
  const Bytes id = hpke_suite_id(suite_);
  std::copy(id.begin(), id.end(), suite_id_.begin());
  const SecretBytes hash = labeled_extract(suite_.kdf, suite_id(), {}, "psk_id_hash", {});
  std::copy(hash.expose().begin(), hash.expose().end(), empty_psk_id_hash_.begin());
  empty_psk_id_hash_size_ = static_cast<std::uint8_t>(hash.size());
}

Result<Hpke> Hpke::create(HpkeSuite suite) {
  if (kem_public_key_size(suite.kem) == 0) return fail(Errc::unsupported, "HPKE: unknown KEM");
  if (!kdf_supported(suite.kdf)) return fail(Errc::unsupported, "HPKE: unknown KDF");
  if (!aead_supported(suite.aead)) return fail(Errc::unsupported, "HPKE: unknown AEAD");
  return Hpke(suite);
}

Result<HpkeEncapsulation> Hpke::encap(ByteView recipient_public_key,
                                      const HpkeSenderOptions& options) const {
  if (options.ephemeral != nullptr) {
    return internal::dhkem_encap(suite_.kem, recipient_public_key, *options.ephemeral,
                                 options.sender_key);
  }
  ZTM_TRY_ASSIGN(DhPrivateKey ephemeral, DhPrivateKey::generate(suite_.kem));
  return internal::dhkem_encap(suite_.kem, recipient_public_key, ephemeral, options.sender_key);
}

Result<SecretBytes> Hpke::decap(ByteView enc, const DhPrivateKey& recipient_key,
                                const HpkeReceiverOptions& options) const {
  const Bytes* pkS = options.sender_public_key ? &*options.sender_public_key : nullptr;
  return internal::dhkem_decap(suite_.kem, enc, recipient_key, pkS);
}

Result<HpkeKeySchedule> Hpke::key_schedule(HpkeMode mode, ByteView shared_secret, ByteView info,
                                           ByteView psk, ByteView psk_id) const {
  return key_schedule(mode, shared_secret, info, psk, psk_id, true);
}

Result<HpkeKeySchedule> Hpke::key_schedule(HpkeMode mode, ByteView shared_secret, ByteView info,
                                           ByteView psk, ByteView psk_id,
                                           bool with_exporter) const {
  // VerifyPSKInputs (§5.1).
  const bool got_psk = !psk.empty();
  const bool got_psk_id = !psk_id.empty();
  if (got_psk != got_psk_id) {
    return fail(Errc::invalid_argument,
                "HPKE: inconsistent PSK inputs (psk and psk_id go together)");
  }
  const bool psk_mode = mode == HpkeMode::psk || mode == HpkeMode::auth_psk;
  if (got_psk && !psk_mode)
    return fail(Errc::invalid_argument, "HPKE: PSK input provided when not needed");
  if (!got_psk && psk_mode) return fail(Errc::invalid_argument, "HPKE: missing required PSK input");

  const ByteView suite_id = this->suite_id();
  const HashId kdf = suite_.kdf;
  const SecretBytes info_hash = labeled_extract(kdf, suite_id, {}, "info_hash", info);

  HpkeKeySchedule ks;
  ks.mode = mode;
  // key_schedule_context = mode || psk_id_hash || info_hash (hashes of public inputs).
  ks.key_schedule_context.reserve(1 + 2 * hash_size(kdf));
  ks.key_schedule_context.push_back(static_cast<std::uint8_t>(mode));
  if (psk_id.empty()) {
    append(ks.key_schedule_context, ByteView(empty_psk_id_hash_.data(), empty_psk_id_hash_size_));
  } else {
    append(ks.key_schedule_context,
           labeled_extract(kdf, suite_id, {}, "psk_id_hash", psk_id).expose());
  }
  append(ks.key_schedule_context, info_hash.expose());

  ks.secret = labeled_extract(kdf, suite_id, shared_secret, "secret", psk);
  const ByteView ctx = ks.key_schedule_context;
  ZTM_TRY_ASSIGN(ks.key, labeled_expand(kdf, suite_id, ks.secret.expose(), "key", ctx,
                                        aead_key_size(suite_.aead)));
  ZTM_TRY_ASSIGN(SecretBytes base_nonce,
                 labeled_expand(kdf, suite_id, ks.secret.expose(), "base_nonce", ctx,
                                aead_nonce_size(suite_.aead)));
  ks.base_nonce = to_bytes(base_nonce.expose());
  if (with_exporter) {
    ZTM_TRY_ASSIGN(ks.exporter_secret,
                   labeled_expand(kdf, suite_id, ks.secret.expose(), "exp", ctx, hash_size(kdf)));
  }
  return ks;
}

namespace {

ByteView psk_view(const std::optional<SecretBytes>& psk) {
  return psk ? psk->expose() : ByteView{};
}

}  // namespace

Result<HpkeContext> Hpke::make_context(HpkeKeySchedule&& ks, bool is_sender) const {
  HpkeContext context;
  context.impl_ = std::make_unique<HpkeContext::Impl>();
  auto& impl = *context.impl_;
  impl.kdf = suite_.kdf;
  impl.suite_id = to_bytes(suite_id());
  impl.aead_id = suite_.aead;
  if (suite_.aead != AeadId::export_only) {
    // A context seals or opens, never both (§5.2).
    ZTM_TRY_ASSIGN(impl.aead, AeadKey::create(suite_.aead, ks.key.expose(),
                                              is_sender ? AeadUse::seal_only : AeadUse::open_only));
  }
  impl.base_nonce = std::move(ks.base_nonce);
  impl.exporter_secret = std::move(ks.exporter_secret);
  impl.is_sender = is_sender;
  return context;
}

Result<HpkeSender> Hpke::setup_sender(ByteView recipient_public_key, ByteView info,
                                      const HpkeSenderOptions& options) const {
  return setup_sender(recipient_public_key, info, options, true);
}

Result<HpkeSender> Hpke::setup_sender(ByteView recipient_public_key, ByteView info,
                                      const HpkeSenderOptions& options, bool with_exporter) const {
  const HpkeMode mode = mode_of(has_psk(options.psk), options.sender_key != nullptr);
  ZTM_TRY_ASSIGN(HpkeEncapsulation encapsulation, encap(recipient_public_key, options));
  ZTM_TRY_ASSIGN(HpkeKeySchedule ks,
                 key_schedule(mode, encapsulation.shared_secret.expose(), info,
                              psk_view(options.psk), options.psk_id, with_exporter));
  ZTM_TRY_ASSIGN(HpkeContext context, make_context(std::move(ks), true));
  return HpkeSender{std::move(encapsulation.enc), std::move(context)};
}

Result<HpkeContext> Hpke::setup_receiver(ByteView enc, const DhPrivateKey& recipient_key,
                                         ByteView info, const HpkeReceiverOptions& options) const {
  return setup_receiver(enc, recipient_key, info, options, true);
}

Result<HpkeContext> Hpke::setup_receiver(ByteView enc, const DhPrivateKey& recipient_key,
                                         ByteView info, const HpkeReceiverOptions& options,
                                         bool with_exporter) const {
  const HpkeMode mode = mode_of(has_psk(options.psk), options.sender_public_key.has_value());
  ZTM_TRY_ASSIGN(SecretBytes shared_secret, decap(enc, recipient_key, options));
  ZTM_TRY_ASSIGN(HpkeKeySchedule ks,
                 key_schedule(mode, shared_secret.expose(), info, psk_view(options.psk),
                              options.psk_id, with_exporter));
  return make_context(std::move(ks), false);
}

Result<Hpke::Sealed> Hpke::seal(ByteView recipient_public_key, ByteView info, ByteView aad,
                                ByteView plaintext, const HpkeSenderOptions& options) const {
  ZTM_TRY_ASSIGN(HpkeSender sender, setup_sender(recipient_public_key, info, options, false));
  ZTM_TRY_ASSIGN(Bytes ciphertext, sender.context.seal(aad, plaintext));
  return Sealed{std::move(sender.enc), std::move(ciphertext)};
}

Result<Bytes> Hpke::open(ByteView enc, const DhPrivateKey& recipient_key, ByteView info,
                         ByteView aad, ByteView ciphertext,
                         const HpkeReceiverOptions& options) const {
  ZTM_TRY_ASSIGN(HpkeContext context, setup_receiver(enc, recipient_key, info, options, false));
  return context.open(aad, ciphertext);
}

Result<DhPrivateKey> Hpke::derive_key_pair(ByteView ikm) const {
  return internal::dhkem_derive_key_pair(suite_.kem, ikm);
}

}  // namespace ztm::crypto
