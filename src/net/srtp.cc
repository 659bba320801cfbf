#include "ztm/net/srtp.h"

#include <srtp2/srtp.h>

#include <climits>
#include <mutex>
#include <string>

namespace ztm::net {
namespace {

// libsrtp's global init registers its crypto kernel once per process; it is never
// shut down because other sessions may live until exit.
Result<void> init_libsrtp() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  if (status != srtp_err_status_ok) {
    return fail(Errc::crypto_failure, "srtp: srtp_init failed with " + std::to_string(status));
  }
  return ok();
}

Error to_error(srtp_err_status_t status, const char* what) {
  const std::string message = std::string("srtp: ") + what + " failed with status " +
                              std::to_string(static_cast<int>(status));
  switch (status) {
    case srtp_err_status_auth_fail:
      return {Errc::authentication_failed, message};
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return {Errc::replay, message};
    case srtp_err_status_bad_param:
      return {Errc::invalid_encoding, message};
    default:
      return {Errc::crypto_failure, message};
  }
}

struct SrtpDeleter {
  void operator()(srtp_ctx_t* s) const {
    if (s != nullptr) srtp_dealloc(s);
  }
};
using SrtpPtr = std::unique_ptr<srtp_ctx_t, SrtpDeleter>;

Result<SrtpPtr> make_context(SrtpProfile profile, srtp_ssrc_type_t direction, ByteView key,
                             ByteView salt) {
  srtp_policy_t policy{};
  if (profile == SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  // libsrtp wants the master key and salt as one string, key first.
  SecretBytes master(key.size() + salt.size());
  std::copy(key.begin(), key.end(), master.mutable_data().begin());
  std::copy(salt.begin(), salt.end(), master.mutable_data().begin() + key.size());
  policy.ssrc.type = direction;
  policy.key = master.mutable_data().data();
  policy.window_size = kSrtpReplayWindow;
  policy.allow_repeat_tx = 0;
  policy.next = nullptr;
  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  if (status != srtp_err_status_ok) return tl::unexpected(to_error(status, "srtp_create"));
  return SrtpPtr(session);  // libsrtp expanded the key; `master` is wiped on return
}

Result<int> checked_length(MutableByteView buffer, std::size_t packet_size, std::size_t room) {
  if (packet_size > buffer.size() || buffer.size() - packet_size < room) {
    return fail(Errc::buffer_too_small, "srtp: no room for the authentication tag");
  }
  if (packet_size > static_cast<std::size_t>(INT_MAX) - room) {
    return fail(Errc::invalid_argument, "srtp: packet too large");
  }
  return static_cast<int>(packet_size);
}

}  // namespace

struct SrtpSession::Impl {
  SrtpProfile profile;
  SrtpPtr send;
  SrtpPtr receive;
};

std::size_t srtp_master_key_size(SrtpProfile) {
  return 16;
}

std::size_t srtp_master_salt_size(SrtpProfile profile) {
  return profile == SrtpProfile::aead_aes_128_gcm ? SRTP_AEAD_SALT_LEN : SRTP_SALT_LEN;
}

std::size_t srtp_keying_material_size(SrtpProfile profile) {
  return 2 * (srtp_master_key_size(profile) + srtp_master_salt_size(profile));
}

Result<SrtpSession> SrtpSession::create(SrtpProfile profile, SrtpRole role,
                                        const SecretBytes& keying_material) {
  if (profile != SrtpProfile::aead_aes_128_gcm && profile != SrtpProfile::aes128_cm_sha1_80) {
    return fail(Errc::unsupported, "srtp: protection profile");
  }
  if (keying_material.size() != srtp_keying_material_size(profile)) {
    return fail(Errc::invalid_key, "srtp: keying material of the wrong size");
  }
  ZTM_TRY(init_libsrtp());
  const std::size_t k = srtp_master_key_size(profile);
  const std::size_t s = srtp_master_salt_size(profile);
  const ByteView km = keying_material.expose();
  const ByteView client_key = km.subspan(0, k);
  const ByteView server_key = km.subspan(k, k);
  const ByteView client_salt = km.subspan(2 * k, s);
  const ByteView server_salt = km.subspan(2 * k + s, s);
  const bool client = role == SrtpRole::client;
  auto impl = std::make_unique<Impl>();
  impl->profile = profile;
  ZTM_TRY_ASSIGN(impl->send,
                 make_context(profile, ssrc_any_outbound, client ? client_key : server_key,
                              client ? client_salt : server_salt));
  ZTM_TRY_ASSIGN(impl->receive,
                 make_context(profile, ssrc_any_inbound, client ? server_key : client_key,
                              client ? server_salt : client_salt));
  SrtpSession session;
  session.impl_ = std::move(impl);
  return session;
}

SrtpSession::~SrtpSession() = default;
SrtpSession::SrtpSession(SrtpSession&&) noexcept = default;
SrtpSession& SrtpSession::operator=(SrtpSession&&) noexcept = default;

SrtpProfile SrtpSession::profile() const {
  return impl_->profile;
}

Result<MutableByteView> SrtpSession::protect_rtp(MutableByteView buffer, std::size_t packet_size) {
  ZTM_TRY_ASSIGN(int len, checked_length(buffer, packet_size, kSrtpMaxOverhead));
  const srtp_err_status_t status = srtp_protect(impl_->send.get(), buffer.data(), &len);
  if (status != srtp_err_status_ok) return tl::unexpected(to_error(status, "srtp_protect"));
  return buffer.first(static_cast<std::size_t>(len));
}

Result<MutableByteView> SrtpSession::unprotect_rtp(MutableByteView packet) {
  ZTM_TRY_ASSIGN(int len, checked_length(packet, packet.size(), 0));
  const srtp_err_status_t status = srtp_unprotect(impl_->receive.get(), packet.data(), &len);
  if (status != srtp_err_status_ok) return tl::unexpected(to_error(status, "srtp_unprotect"));
  return packet.first(static_cast<std::size_t>(len));
}

Result<MutableByteView> SrtpSession::protect_rtcp(MutableByteView buffer, std::size_t packet_size) {
  ZTM_TRY_ASSIGN(int len, checked_length(buffer, packet_size, kSrtcpMaxOverhead));
  const srtp_err_status_t status = srtp_protect_rtcp(impl_->send.get(), buffer.data(), &len);
  if (status != srtp_err_status_ok) return tl::unexpected(to_error(status, "srtp_protect_rtcp"));
  return buffer.first(static_cast<std::size_t>(len));
}

Result<MutableByteView> SrtpSession::unprotect_rtcp(MutableByteView packet) {
  ZTM_TRY_ASSIGN(int len, checked_length(packet, packet.size(), 0));
  const srtp_err_status_t status = srtp_unprotect_rtcp(impl_->receive.get(), packet.data(), &len);
  if (status != srtp_err_status_ok) {
    return tl::unexpected(to_error(status, "srtp_unprotect_rtcp"));
  }
  return packet.first(static_cast<std::size_t>(len));
}

}  // namespace ztm::net
