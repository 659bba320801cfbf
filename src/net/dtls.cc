#include "ztm/net/dtls.h"

#include <deque>
#include <mutex>

#include "internal/dtls_impl.h"
#include "internal/openssl_util.h"

namespace ztm::net {

using internal::openssl_errors;
using internal::OsslPtr;

namespace {

constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2
// ECDHE with ECDSA and an AEAD: what browsers offer with their ECDSA certificates.
constexpr char kCiphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384";
constexpr unsigned kMaxRetransmitTimeoutUs = 60'000'000;  // RFC 6347 §4.2.4.1: at least 60 s

}  // namespace

struct DtlsEndpoint::Impl {
  DtlsConfig config;
  DtlsCertificate certificate;
  OsslPtr<SSL_CTX> ctx;
  OsslPtr<SSL> ssl;  // owns the BIO
  DtlsState state = DtlsState::handshaking;
  std::string failure;
  bool peer_verified = false;
  std::deque<Bytes> outgoing;
  ByteView incoming;  // the datagram being processed, consumed by one BIO read
  bool has_incoming = false;
  std::optional<Clock::time_point> deadline;

  Result<void> fail_with(Errc code, std::string why) {
    state = DtlsState::failed;
    if (failure.empty()) failure = std::move(why);
    return ztm::fail(code, "dtls: " + failure);
  }
  void update_deadline(Clock::time_point now) {
    timeval tv{};
    if (state == DtlsState::handshaking && DTLSv1_get_timeout(ssl.get(), &tv) == 1) {
      deadline = now + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
    } else {
      deadline.reset();
    }
  }
  Result<void> drive_handshake(Clock::time_point now);
  Result<void> read_records();
};

namespace {

// The datagram BIO: every BIO_write from OpenSSL is one datagram to send, every
// BIO_read returns the one datagram being processed. A memory BIO would merge
// datagrams into a byte stream, and DTLS needs the boundaries.
int bio_write(BIO* bio, const char* data, int size) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(BIO_get_data(bio));
  if (size <= 0) return 0;
  if (impl->outgoing.size() == DtlsEndpoint::kMaxQueuedDatagrams) impl->outgoing.pop_front();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  impl->outgoing.emplace_back(bytes, bytes + size);
  return size;
}

int bio_read(BIO* bio, char* data, int size) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!impl->has_incoming) {
    BIO_set_retry_read(bio);
    return -1;
  }
  impl->has_incoming = false;
  // A datagram larger than the read buffer is truncated, as a UDP socket would.
  const std::size_t n = std::min(impl->incoming.size(), static_cast<std::size_t>(size));
  std::copy_n(impl->incoming.begin(), n, reinterpret_cast<std::uint8_t*>(data));
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
      return 0;  // SSL_set_mtu gives the size instead
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* datagram_bio_method() {
  static const OsslPtr<BIO_METHOD> method = [] {
    OsslPtr<BIO_METHOD> m(BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ztm-dgram"));
    if (m) {
      BIO_meth_set_write(m.get(), bio_write);
      BIO_meth_set_read(m.get(), bio_read);
      BIO_meth_set_ctrl(m.get(), bio_ctrl);
      BIO_meth_set_create(m.get(), bio_create);
    }
    return m;
  }();
  return method.get();
}

// The peer's certificate is self-signed and trusted only through the fingerprint
// that signaling carried (RFC 8122 §5), so this replaces chain verification.
int verify_fingerprint(X509_STORE_CTX* store, void*) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* impl = static_cast<DtlsEndpoint::Impl*>(SSL_get_app_data(ssl));
  X509* cert = X509_STORE_CTX_get0_cert(store);
  if (impl == nullptr || cert == nullptr) return 0;
  auto fp = fingerprint_of(cert);
  if (!fp || !constant_time_equal(fp->sha256, impl->config.remote_fingerprint.sha256)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    impl->failure = "peer certificate does not match the signaled fingerprint";
    return 0;
  }
  impl->peer_verified = true;
  return 1;
}

unsigned int retransmit_timer(SSL* ssl, unsigned int previous_us) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(SSL_get_app_data(ssl));
  if (previous_us == 0) {
    return static_cast<unsigned>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     impl->config.initial_retransmit_timeout)
                                     .count());
  }
  return std::min(previous_us * 2, kMaxRetransmitTimeoutUs);
}

}  // namespace

Result<DtlsEndpoint> DtlsEndpoint::create(const DtlsCertificate& local, const DtlsConfig& config) {
  if (config.max_datagram_size < 256 || config.max_datagram_size > 65507 ||
      config.initial_retransmit_timeout.count() <= 0 ||
      config.initial_retransmit_timeout > std::chrono::seconds(60)) {
    return fail(Errc::invalid_argument, "dtls: datagram size or retransmit timeout");
  }
  std::string profiles;
  for (SrtpProfile p : config.srtp_profiles) {
    if (!profiles.empty()) profiles += ':';
    switch (p) {
      case SrtpProfile::aead_aes_128_gcm:
        profiles += "SRTP_AEAD_AES_128_GCM";
        break;
      case SrtpProfile::aes128_cm_sha1_80:
        profiles += "SRTP_AES128_CM_SHA1_80";
        break;
      default:
        return fail(Errc::unsupported, "dtls: SRTP protection profile");
    }
  }
  if (profiles.empty()) return fail(Errc::invalid_argument, "dtls: no SRTP profile");
  ERR_clear_error();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->certificate = local;
  const bool client = config.role == SrtpRole::client;
  impl->ctx.reset(SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method()));
  SSL_CTX* ctx = impl->ctx.get();
  if (ctx == nullptr) return fail(Errc::crypto_failure, "dtls: SSL_CTX_new: " + openssl_errors());
  const bool configured = SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
                          SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
                          SSL_CTX_set_cipher_list(ctx, kCiphers) == 1 &&
                          SSL_CTX_set1_groups_list(ctx, "X25519:P-256") == 1 &&
                          SSL_CTX_use_certificate(ctx, local.impl().cert.get()) == 1 &&
                          SSL_CTX_use_PrivateKey(ctx, local.impl().key.get()) == 1 &&
                          SSL_CTX_check_private_key(ctx) == 1 &&
                          // Note the inverted convention: this returns 0 on success.
                          SSL_CTX_set_tlsext_use_srtp(ctx, profiles.c_str()) == 0;
  if (!configured) return fail(Errc::crypto_failure, "dtls: context: " + openssl_errors());
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verify_fingerprint, nullptr);
  // The session cache would let a resumed handshake skip the certificate check.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

  impl->ssl.reset(SSL_new(ctx));
  SSL* ssl = impl->ssl.get();
  BIO* bio = BIO_new(datagram_bio_method());
  if (ssl == nullptr || bio == nullptr) {
    BIO_free(bio);
    return fail(Errc::crypto_failure, "dtls: SSL_new: " + openssl_errors());
  }
  BIO_set_data(bio, impl.get());
  SSL_set_bio(ssl, bio, bio);  // one reference, owned by ssl for both directions
  SSL_set_app_data(ssl, impl.get());
  SSL_set_mtu(ssl, static_cast<long>(config.max_datagram_size));
  DTLS_set_timer_cb(ssl, retransmit_timer);
  if (client) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }
  DtlsEndpoint endpoint;
  endpoint.impl_ = std::move(impl);
  return endpoint;
}

DtlsEndpoint::~DtlsEndpoint() = default;
DtlsEndpoint::DtlsEndpoint(DtlsEndpoint&&) noexcept = default;
DtlsEndpoint& DtlsEndpoint::operator=(DtlsEndpoint&&) noexcept = default;

Result<void> DtlsEndpoint::Impl::drive_handshake(Clock::time_point now) {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl.get());
  if (r == 1) {
    if (!peer_verified) return fail_with(Errc::untrusted, "peer sent no certificate");
    if (SSL_get_selected_srtp_profile(ssl.get()) == nullptr) {
      return fail_with(Errc::protocol_violation, "no SRTP protection profile was agreed");
    }
    state = DtlsState::connected;
    update_deadline(now);
    return ok();
  }
  const int err = SSL_get_error(ssl.get(), r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    update_deadline(now);
    return ok();
  }
  const Errc code = failure.empty() ? Errc::protocol_violation : Errc::untrusted;
  return fail_with(code, "handshake failed: " + openssl_errors());
}

Result<void> DtlsEndpoint::Impl::read_records() {
  ERR_clear_error();
  std::uint8_t sink[2048];
  for (;;) {
    const int r = SSL_read(ssl.get(), sink, sizeof sink);
    if (r > 0) continue;  // application data: no data channels in ztmeet yet
    const int err = SSL_get_error(ssl.get(), r);
    if (err == SSL_ERROR_WANT_READ) return ok();
    if (err == SSL_ERROR_ZERO_RETURN) {
      state = DtlsState::closed;
      return ok();
    }
    return fail_with(Errc::protocol_violation, "record layer: " + openssl_errors());
  }
}

Result<void> DtlsEndpoint::start(Clock::time_point now) {
  if (impl_->state != DtlsState::handshaking) {
    return fail(Errc::invalid_state, "dtls: start after the handshake");
  }
  if (impl_->config.role == SrtpRole::server) return ok();
  return impl_->drive_handshake(now);
}

Result<void> DtlsEndpoint::handle_datagram(ByteView datagram, Clock::time_point now) {
  Impl& s = *impl_;
  if (s.state == DtlsState::failed || s.state == DtlsState::closed) {
    return fail(
        Errc::invalid_state,
        "dtls: endpoint is " + std::string(s.state == DtlsState::failed ? "failed" : "closed"));
  }
  s.incoming = datagram;
  s.has_incoming = true;
  Result<void> r = s.state == DtlsState::handshaking ? s.drive_handshake(now) : s.read_records();
  // A connected endpoint may still see the peer's retransmitted final flight, or
  // a close_notify right after the handshake record: read what is left.
  if (r && s.has_incoming && s.state == DtlsState::connected) r = s.read_records();
  s.has_incoming = false;
  return r;
}

Result<void> DtlsEndpoint::handle_timeout(Clock::time_point now) {
  Impl& s = *impl_;
  if (s.state != DtlsState::handshaking || !s.deadline || now < *s.deadline) return ok();
  ERR_clear_error();
  // OpenSSL 3.0 keeps the retransmission timer on its own clock: it resends only if
  // that timer has expired too (see docs/decisions/0023).
  if (DTLSv1_handle_timeout(s.ssl.get()) < 0) {
    return s.fail_with(Errc::timeout, "handshake timed out: " + openssl_errors());
  }
  s.update_deadline(now);
  return ok();
}

std::optional<DtlsEndpoint::Clock::time_point> DtlsEndpoint::next_timeout() const {
  return impl_->deadline;
}

std::optional<Bytes> DtlsEndpoint::pop_datagram() {
  if (impl_->outgoing.empty()) return std::nullopt;
  Bytes d = std::move(impl_->outgoing.front());
  impl_->outgoing.pop_front();
  return d;
}

void DtlsEndpoint::close() {
  Impl& s = *impl_;
  if (s.state == DtlsState::connected) {
    ERR_clear_error();
    SSL_shutdown(s.ssl.get());
  }
  if (s.state != DtlsState::failed) s.state = DtlsState::closed;
  s.deadline.reset();
}

DtlsState DtlsEndpoint::state() const {
  return impl_->state;
}

const std::string& DtlsEndpoint::failure() const {
  return impl_->failure;
}

const CertificateFingerprint& DtlsEndpoint::remote_fingerprint() const {
  return impl_->config.remote_fingerprint;
}

Result<DtlsSrtpKeys> DtlsEndpoint::srtp_keys() const {
  const Impl& s = *impl_;
  if (s.state != DtlsState::connected) return fail(Errc::invalid_state, "dtls: not connected");
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(s.ssl.get());
  if (selected == nullptr) return fail(Errc::invalid_state, "dtls: no SRTP profile");
  DtlsSrtpKeys keys;
  switch (selected->id) {
    case SRTP_AEAD_AES_128_GCM:
      keys.profile = SrtpProfile::aead_aes_128_gcm;
      break;
    case SRTP_AES128_CM_SHA1_80:
      keys.profile = SrtpProfile::aes128_cm_sha1_80;
      break;
    default:
      return fail(Errc::unsupported, "dtls: unexpected SRTP profile");
  }
  keys.role = s.config.role;
  keys.keying_material = SecretBytes(srtp_keying_material_size(keys.profile));
  ERR_clear_error();
  if (SSL_export_keying_material(s.ssl.get(), keys.keying_material.mutable_data().data(),
                                 keys.keying_material.size(), kExporterLabel,
                                 sizeof kExporterLabel - 1, nullptr, 0, 0) != 1) {
    return fail(Errc::crypto_failure, "dtls: keying material export: " + openssl_errors());
  }
  return keys;
}

}  // namespace ztm::net
