// Pebble and pebble-challtestsrv on free loopback ports (see /work/shared/PEERS.md).
#include "ztm_test/pebble.h"

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "ztm/http/client.h"

namespace ztm_test {
namespace {

ztm::http::ClientOptions client_options(const std::string& ca_bundle) {
  ztm::http::ClientOptions o;
  o.ca_bundle_file = ca_bundle;
  o.timeout = std::chrono::seconds(10);
  return o;
}

}  // namespace

std::unique_ptr<Pebble> Pebble::start(const PebbleOptions& options) {
  std::unique_ptr<Pebble> p(new Pebble());
  p->pki_ = make_test_pki(p->dir());
  p->acme_port_ = free_port();
  p->mgmt_port_ = free_port();
  p->http01_port_ = options.http01_port != 0 ? options.http01_port : free_port();
  p->dns_port_ = free_port();
  p->chall_mgmt_port_ = free_port();

  nlohmann::json config = {
      {"pebble",
       {{"listenAddress", "127.0.0.1:" + std::to_string(p->acme_port_)},
        {"managementListenAddress", "127.0.0.1:" + std::to_string(p->mgmt_port_)},
        {"certificate", p->pki_.leaf_cert.string()},
        {"privateKey", p->pki_.leaf_key.string()},
        {"httpPort", p->http01_port_},
        {"tlsPort", free_port()},
        {"ocspResponderURL", ""},
        {"externalAccountBindingRequired", false},
        {"certificateValidityPeriod", options.certificate_validity_seconds}}}};
  const auto config_file = p->dir() / "pebble-config.json";
  std::ofstream(config_file) << config.dump(2);

  const std::string dns = "127.0.0.1:" + std::to_string(p->dns_port_);
  p->challtestsrv_ = std::make_unique<ChildProcess>(
      "pebble-challtestsrv",
      std::vector<std::string>{"-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", dns,
                               "-http01", "", "-https01", "", "-tlsalpn01", "", "-management",
                               "127.0.0.1:" + std::to_string(p->chall_mgmt_port_)},
      std::map<std::string, std::string>{}, p->dir() / "challtestsrv.log");
  std::map<std::string, std::string> env{{"PEBBLE_VA_NOSLEEP", "1"}};
  if (options.nonce_reject_percent) {
    env["PEBBLE_WFE_NONCEREJECT"] = std::to_string(*options.nonce_reject_percent);
  }
  p->pebble_ = std::make_unique<ChildProcess>(
      "pebble",
      std::vector<std::string>{"-config", config_file.string(), "-dnsserver", dns, "-strict=false"},
      env, p->dir() / "pebble.log");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool pebble_up = false, chall_up = false;
  while (std::chrono::steady_clock::now() < deadline && !(pebble_up && chall_up)) {
    if (!p->pebble_->running() || !p->challtestsrv_->running()) break;
    if (!pebble_up) {
      auto r =
          ztm::http::request("GET", p->directory_url(), {}, "", client_options(p->ca_bundle()));
      pebble_up = r && r->status == 200;
    }
    if (!chall_up) {
      // Any HTTP answer means the management API listens (GET on a POST route is 405/404).
      auto r =
          ztm::http::request("GET", "http://127.0.0.1:" + std::to_string(p->chall_mgmt_port_) + "/",
                             {}, "", client_options(""));
      chall_up = r.has_value();
    }
    if (!(pebble_up && chall_up)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!(pebble_up && chall_up)) {
    throw std::runtime_error("Pebble did not start:\n" + p->logs());
  }
  return p;
}

Pebble::~Pebble() {
  if (pebble_) pebble_->stop();
  if (challtestsrv_) challtestsrv_->stop();
}

std::string Pebble::directory_url() const {
  return "https://127.0.0.1:" + std::to_string(acme_port_) + "/dir";
}

std::string Pebble::challtestsrv_url() const {
  return "http://127.0.0.1:" + std::to_string(chall_mgmt_port_);
}

std::string Pebble::ca_bundle() const {
  return pki_.ca_cert.string();
}

void Pebble::set_txt(const std::string& host, const std::string& value) const {
  const nlohmann::json body = {{"host", host}, {"value", value}};
  auto r = ztm::http::request(
      "POST", "http://127.0.0.1:" + std::to_string(chall_mgmt_port_) + "/set-txt",
      {{"Content-Type", "application/json"}}, body.dump(), client_options(""));
  if (!r || r->status != 200) throw std::runtime_error("challtestsrv set-txt failed");
}

void Pebble::clear_txt(const std::string& host) const {
  const nlohmann::json body = {{"host", host}};
  auto r = ztm::http::request(
      "POST", "http://127.0.0.1:" + std::to_string(chall_mgmt_port_) + "/clear-txt",
      {{"Content-Type", "application/json"}}, body.dump(), client_options(""));
  if (!r || r->status != 200) throw std::runtime_error("challtestsrv clear-txt failed");
}

std::string Pebble::root_pem() const {
  auto r = ztm::http::request("GET", "https://127.0.0.1:" + std::to_string(mgmt_port_) + "/roots/0",
                              {}, "", client_options(ca_bundle()));
  if (!r || r->status != 200) throw std::runtime_error("cannot fetch Pebble root");
  return r->body;
}

std::string Pebble::intermediate_pem() const {
  auto r = ztm::http::request(
      "GET", "https://127.0.0.1:" + std::to_string(mgmt_port_) + "/intermediates/0", {}, "",
      client_options(ca_bundle()));
  if (!r || r->status != 200) throw std::runtime_error("cannot fetch Pebble intermediate");
  return r->body;
}

std::string Pebble::logs() const {
  return "--- pebble ---\n" + read_text(dir_.path() / "pebble.log") + "--- challtestsrv ---\n" +
         read_text(dir_.path() / "challtestsrv.log");
}

}  // namespace ztm_test
