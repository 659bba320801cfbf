// AcmeService: AcmeServer on two listeners — the ACME API over TLS and the CRL over
// plain HTTP (RFC 5280 §4.2.1.13; the CRL is signed, so it needs no TLS).
#include <atomic>

#include "ztm/identity/acme_server.h"

namespace ztm::identity {

// Forward lets the listeners start (and pick their ports) before the server, whose
// URLs depend on those ports, exists. Until then they answer 503.
struct AcmeService::Forward {
  std::atomic<AcmeServer*> server{nullptr};

  http::Response unavailable() const {
    http::Response r;
    r.status = 503;
    return r;
  }
};

Result<std::unique_ptr<AcmeService>> AcmeService::start(const AcmeServiceOptions& options,
                                                        CertificateAuthority ca,
                                                        std::unique_ptr<AcmeStore> store,
                                                        AcmeServerOptions server_options) {
  if (options.acme.tls_cert_chain_file.empty() && options.acme.tls_cert_chain_pem.empty()) {
    return fail(Errc::invalid_argument, "the ACME server needs a TLS certificate (RFC 8555 §6.1)");
  }
  std::unique_ptr<AcmeService> service(new AcmeService());
  service->forward_ = std::make_shared<Forward>();
  std::shared_ptr<Forward> forward = service->forward_;
  ZTM_TRY_ASSIGN(service->acme_listener_,
                 http::HttpServer::start(options.acme, [forward](const http::Request& r) {
                   AcmeServer* s = forward->server.load();
                   return s != nullptr ? s->handle(r) : forward->unavailable();
                 }));
  http::ServerOptions crl_options;
  crl_options.address = options.crl_address;
  crl_options.port = options.crl_port;
  ZTM_TRY_ASSIGN(service->crl_listener_,
                 http::HttpServer::start(crl_options, [forward](const http::Request& r) {
                   AcmeServer* s = forward->server.load();
                   return s != nullptr ? s->handle_crl(r) : forward->unavailable();
                 }));
  auto with_host = [&](const std::string& scheme, std::uint16_t port, const std::string& address) {
    std::string host = options.public_host.empty() ? address : options.public_host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return scheme + "://" + host + ":" + std::to_string(port);
  };
  if (server_options.base_url.empty()) {
    server_options.base_url =
        with_host("https", service->acme_listener_->port(), options.acme.address);
  }
  if (server_options.crl_url.empty()) {
    server_options.crl_url =
        with_host("http", service->crl_listener_->port(), options.crl_address) + "/crl";
  }
  ZTM_TRY_ASSIGN(service->server_,
                 AcmeServer::create(std::move(ca), std::move(store), std::move(server_options)));
  forward->server.store(service->server_.get());
  return service;
}

AcmeService::~AcmeService() {
  stop();
}

void AcmeService::stop() {
  if (forward_) forward_->server.store(nullptr);
  if (acme_listener_) acme_listener_->stop();
  if (crl_listener_) crl_listener_->stop();
}

std::string AcmeService::directory_url() const {
  return server_->directory_url();
}

std::string AcmeService::crl_url() const {
  return server_->crl_url();
}

}  // namespace ztm::identity
