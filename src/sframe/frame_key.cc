#include "internal/frame_key.h"

#include <cstring>

#include "ztm/sframe/context.h"
#include "ztm/sframe/key_derivation.h"

namespace ztm::sframe::internal {

namespace {

void put_u64(std::uint64_t v, std::uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
}

// ctr_hmac_tag is compute_tag of §4.5.1, truncated to Nt bytes in tag_out:
//   auth_data = len(aad) || len(ct) || Nt (8 bytes each) || nonce || aad || ct
// The AAD is header || metadata, fed to HMAC in parts so nothing is copied.
Result<void> ctr_hmac_tag(const crypto::HmacKey& hmac, std::size_t nt, ByteView nonce,
                          ByteView header, ByteView metadata, ByteView ct, std::uint8_t* tag_out) {
  std::array<std::uint8_t, 24> lengths{};
  put_u64(header.size() + metadata.size(), lengths.data());
  put_u64(ct.size(), lengths.data() + 8);
  put_u64(nt, lengths.data() + 16);
  std::array<std::uint8_t, 64> full{};
  ZTM_TRY(hmac.mac({lengths, nonce, header, metadata, ct}, full));
  std::memcpy(tag_out, full.data(), nt);
  secure_zero(full.data(), full.size());
  return ok();
}

// Error construction stays out of line so the per-frame functions stay small.
[[gnu::cold, gnu::noinline]] tl::unexpected<Error> bad_sizes(ByteView header, ByteView metadata) {
  if (header.size() > max_header_size) {
    return fail(Errc::invalid_argument, "sframe.aead: header longer than 17 bytes");
  }
  return fail(Errc::limit_exceeded, "sframe.metadata: " + std::to_string(metadata.size()) +
                                        " bytes, limit is " + std::to_string(max_metadata_size));
}

[[gnu::cold, gnu::noinline]] tl::unexpected<Error> aead_fail(Errc code, const char* what) {
  return fail(code, std::string("sframe.aead: ") + what);
}

}  // namespace

Result<FrameKey> FrameKey::derive(CipherSuite suite, KeyId kid, const SecretBytes& base_key) {
  ZTM_TRY_ASSIGN(const KeyAndSalt ks, derive_key_salt(suite, kid, base_key));
  return from_key_salt(suite, ks.key.expose(), ks.salt.expose());
}

Result<FrameKey> FrameKey::from_key_salt(CipherSuite suite, ByteView sframe_key,
                                         ByteView sframe_salt) {
  FrameKey k;
  ZTM_TRY_ASSIGN(k.info_, suite_info(suite));
  if (sframe_key.size() != k.info_.nk || sframe_salt.size() != k.info_.nn) {
    return fail(Errc::invalid_key, "sframe.key: sframe_key must be " + std::to_string(k.info_.nk) +
                                       " and sframe_salt " + std::to_string(k.info_.nn) + " bytes");
  }
  k.key_ = SecretBytes(sframe_key);
  std::memcpy(k.salt_.data(), sframe_salt.data(), k.salt_.size());
  for (std::size_t i = 4; i < 12; ++i) k.salt_tail_ = (k.salt_tail_ << 8) | k.salt_[i];
  if (k.info_.ctr_hmac) {
    // derive_subkeys (§4.5.1): enc_key = key[..Nka], auth_key = key[Nka..].
    ZTM_TRY_ASSIGN(k.ctr_, crypto::AesCtrKey::create(sframe_key.first(k.info_.nka)));
    ZTM_TRY_ASSIGN(k.hmac_, crypto::HmacKey::create(k.info_.hash, sframe_key.subspan(k.info_.nka)));
  } else {
    const auto aead = k.info_.nk == 16 ? crypto::AeadId::aes128gcm : crypto::AeadId::aes256gcm;
    ZTM_TRY_ASSIGN(k.gcm_, crypto::AeadKey::create(aead, sframe_key));
  }
  return k;
}

tl::unexpected<Error> FrameKey::size_error(ByteView header, ByteView metadata) {
  return bad_sizes(header, metadata);
}

Result<MutableByteView> FrameKey::ctr_hmac_seal(ByteView nonce, ByteView header, ByteView metadata,
                                                ByteView plaintext, MutableByteView out) const {
  const std::size_t total = plaintext.size() + info_.nt;
  if (out.size() < total) [[unlikely]]
    return aead_fail(Errc::buffer_too_small, "output too small");
  // encrypt-then-MAC (§4.5.1): initial_counter = nonce || 0x00000000.
  std::array<std::uint8_t, 16> iv{};
  std::memcpy(iv.data(), nonce.data(), nonce.size());
  ZTM_TRY_ASSIGN(auto ct, ctr_->crypt(iv, plaintext, out.first(plaintext.size())));
  ZTM_TRY(ctr_hmac_tag(*hmac_, info_.nt, nonce, header, metadata, ct, out.data() + ct.size()));
  return out.first(total);
}

Result<MutableByteView> FrameKey::ctr_hmac_open(ByteView nonce, ByteView header, ByteView metadata,
                                                ByteView ciphertext, MutableByteView out) const {
  if (ciphertext.size() < info_.nt) [[unlikely]] {
    return aead_fail(Errc::authentication_failed, "ciphertext shorter than the tag");
  }
  const std::size_t body = ciphertext.size() - info_.nt;
  if (out.size() < body) [[unlikely]]
    return aead_fail(Errc::buffer_too_small, "output too small");
  const ByteView inner = ciphertext.first(body);
  std::array<std::uint8_t, 16> expected{};
  ZTM_TRY(ctr_hmac_tag(*hmac_, info_.nt, nonce, header, metadata, inner, expected.data()));
  if (!constant_time_equal(ByteView(expected.data(), info_.nt), ciphertext.subspan(body))) {
    return aead_fail(Errc::authentication_failed, "tag mismatch");
  }
  std::array<std::uint8_t, 16> iv{};
  std::memcpy(iv.data(), nonce.data(), nonce.size());
  return ctr_->crypt(iv, inner, out.first(body));
}

bool FrameKey::same_key(const FrameKey& other) const {
  return info_.suite == other.info_.suite && key_ == other.key_ &&
         constant_time_equal(salt_, other.salt_);
}

}  // namespace ztm::sframe::internal
