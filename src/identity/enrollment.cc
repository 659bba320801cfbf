// The enrollment flow: account, order, challenges, finalize, download (RFC 8555 §7).
#include "ztm/identity/enrollment.h"

#include <map>
#include <mutex>

#include "internal/b_run_command.h"
#include "ztm/http/server.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/jws.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;

constexpr std::chrono::seconds kHookTimeout{60};
constexpr std::string_view kHttp01Prefix = "/.well-known/acme-challenge/";
constexpr std::size_t kMaxProviderTokenBytes = 16 * 1024;

// Http01Responder serves key authorizations at /.well-known/acme-challenge/<token>
// (RFC 8555 §8.3) for as long as it lives.
class Http01Responder {
 public:
  static Result<std::unique_ptr<Http01Responder>> start(const Http01Options& options) {
    auto responder = std::make_unique<Http01Responder>();
    http::ServerOptions so;
    so.address = options.address;
    so.port = options.port;
    so.max_request_body_bytes = 0;
    ZTM_TRY_ASSIGN(responder->server_,
                   http::HttpServer::start(so, [r = responder.get()](const http::Request& req) {
                     return r->answer(req);
                   }));
    return responder;
  }
  void add(const std::string& token, const std::string& key_authorization) {
    std::lock_guard lock(mutex_);
    tokens_[token] = key_authorization;
  }
  void remove(const std::string& token) {
    std::lock_guard lock(mutex_);
    tokens_.erase(token);
  }

 private:
  http::Response answer(const http::Request& req) {
    const std::string_view target(req.target);
    if ((req.method == "GET" || req.method == "HEAD") && target.rfind(kHttp01Prefix, 0) == 0) {
      std::lock_guard lock(mutex_);
      auto it = tokens_.find(std::string(target.substr(kHttp01Prefix.size())));
      if (it != tokens_.end()) {
        return http::Response{200, {{"Content-Type", "application/octet-stream"}}, it->second};
      }
    }
    return http::Response{404, {{"Content-Type", "text/plain"}}, "not found\n"};
  }

  std::mutex mutex_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<http::HttpServer> server_;
};

// dns01_record_name is "_acme-challenge.<name>." (a wildcard's "*." dropped, §8.4).
std::string dns01_record_name(const AcmeIdentifier& identifier) {
  std::string name = identifier.value;
  if (name.rfind("*.", 0) == 0) name = name.substr(2);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return "_acme-challenge." + name + ".";
}

Result<Identity> csr_identity(const AcmeIdentifier& identifier) {
  if (identifier.type == "dns") return Identity::device(identifier.value);
  if (identifier.type == "email") return Identity::user(identifier.value);
  return fail(Errc::unsupported,
              "enroll: ztmeet credentials name a dns or email identity, not " + identifier.type);
}

// respond_and_wait tells the server to validate and waits for the authorization's
// verdict.
Result<void> respond_and_wait(AcmeClient& client, const AcmeChallenge& challenge,
                              const json& payload, const std::string& authorization_url) {
  ZTM_TRY(client.respond_to_challenge(challenge, payload));
  ZTM_TRY(client.wait_for_authorization(authorization_url));
  return ok();
}

// solve_sso runs sso-01: tell the CA the challenge is ready, have the browser sign
// in, and wait (for sso_timeout, a person may be typing) for the verdict.
Result<void> solve_sso(AcmeClient& client, const EnrollmentOptions& options,
                       const AcmeAuthorization& authz, const AcmeChallenge& challenge) {
  ZTM_TRY_ASSIGN(SsoChallengeObject sso, parse_sso_challenge(challenge.raw));
  ZTM_TRY(client.respond_to_challenge(challenge, json::object()));
  const auto progress = options.acme.progress;
  if (auto signed_in = options.sso_sign_in(sso, authz.identifier); !signed_in) {
    // A refused sign-in usually left a verdict with a problem document: report that.
    ZTM_TRY_ASSIGN(AcmeAuthorization now, client.get_authorization(authz.url));
    if (now.status == "pending") return tl::unexpected(signed_in.error());
    ZTM_TRY(client.wait_for_authorization(authz.url));
    return ok();
  }
  auto last_report = std::chrono::steady_clock::now();
  auto verdict = client.wait_for_authorization(
      authz.url, options.sso_timeout, [&](std::chrono::milliseconds left) {
        const auto now = std::chrono::steady_clock::now();
        if (!progress || now - last_report < std::chrono::seconds(15)) return;
        last_report = now;
        progress("still waiting for the sign-in of " + authz.identifier.value + " (" +
                 std::to_string(left.count() / 1000) + " s left)");
      });
  if (!verdict && verdict.error().code == Errc::timeout) {
    return fail(Errc::timeout, "sso-01: nobody signed in as " + authz.identifier.value +
                                   " within " + std::to_string(options.sso_timeout.count() / 1000) +
                                   " s");
  }
  ZTM_TRY(verdict);
  return ok();
}

// solve proves control of one authorization's identifier with the configured
// challenge type.
Result<void> solve(AcmeClient& client, const EnrollmentOptions& options,
                   const AcmeAuthorization& authz, Http01Responder* responder) {
  const AcmeChallenge* challenge = nullptr;
  std::string offered;
  for (const auto& c : authz.challenges) {
    offered += (offered.empty() ? "" : ", ") + c.type;
    if (c.type == options.challenge_type) challenge = &c;
  }
  if (challenge == nullptr) {
    return fail(Errc::unsupported, "enroll: the server offers " + offered + " for " +
                                       authz.identifier.value + ", not " + options.challenge_type);
  }
  const std::string key_authorization = client.key_authorization(challenge->token);
  if (options.challenge_type == "http-01") {
    responder->add(challenge->token, key_authorization);
    Result<void> outcome = respond_and_wait(client, *challenge, json::object(), authz.url);
    responder->remove(challenge->token);
    return outcome;
  }
  if (options.challenge_type == "dns-01") {
    if (!options.dns01.present) return fail(Errc::invalid_argument, "enroll: dns-01 needs a hook");
    const std::string record = dns01_record_name(authz.identifier);
    const std::string value = client.dns01_txt_value(challenge->token);
    if (options.acme.progress) options.acme.progress("publishing TXT record " + record);
    ZTM_TRY(options.dns01.present(record, value));
    Result<void> outcome = respond_and_wait(client, *challenge, json::object(), authz.url);
    if (options.dns01.cleanup) options.dns01.cleanup(record, value);
    return outcome;
  }
  // sso-01 and provider-01 have their own solvers; without one configured, an
  // extension callback may still answer them.
  if (options.challenge_type == kSso01 && options.sso_sign_in) {
    return solve_sso(client, options, authz, *challenge);
  }
  if (options.challenge_type == kProvider01 && options.provider_token) {
    const std::string thumbprint =
        jwk_thumbprint(PublicJwk{client.account_key().scheme(), client.account_key().public_key()});
    if (options.acme.progress) {
      options.acme.progress("asking the meeting service for a provider token for " +
                            authz.identifier.value);
    }
    ZTM_TRY_ASSIGN(std::string token, options.provider_token(authz.identifier, thumbprint));
    return respond_and_wait(client, *challenge, json{{"token", token}}, authz.url);
  }
  if (!options.extension) {
    return fail(Errc::unsupported,
                "enroll: no solver for challenge type " + options.challenge_type);
  }
  ZTM_TRY_ASSIGN(json payload, options.extension(*challenge, authz.identifier, key_authorization));
  return respond_and_wait(client, *challenge, payload, authz.url);
}

// page_text is the first paragraph of the CA's small HTML answer, for a message.
std::string page_text(const std::string& body) {
  const auto start = body.find("<p>");
  const auto end = body.find("</p>", start == std::string::npos ? 0 : start);
  if (start == std::string::npos || end == std::string::npos) return body.substr(0, 200);
  return body.substr(start + 3, std::min<std::size_t>(end - start - 3, 400));
}

}  // namespace

SsoSignIn sso_test_browser(SsoTestLogin login, SsoTestBrowserOptions options) {
  return [login = std::move(login), options = std::move(options)](
             const SsoChallengeObject& challenge, const AcmeIdentifier&) -> Result<void> {
    ZTM_TRY_ASSIGN(http::Response page, sso_test_sign_in(challenge.sso_url, login, options));
    if (page.status != 200) {
      return fail(Errc::untrusted, "sso-01: the CA answered the sign-in with " +
                                       std::to_string(page.status) + ": " + page_text(page.body));
    }
    return ok();
  };
}

ProviderTokenSource provider_token_command(std::string command) {
  return [command = std::move(command)](const AcmeIdentifier& identifier,
                                        const std::string& thumbprint) -> Result<std::string> {
    ZTM_TRY_ASSIGN(std::string out,
                   internal::run_command_capture(command, {identifier.value, thumbprint},
                                                 kHookTimeout, kMaxProviderTokenBytes));
    const auto first = out.find_first_not_of(" \t\r\n");
    const auto last = out.find_last_not_of(" \t\r\n");
    if (first == std::string::npos) {
      return fail(Errc::io_error, "provider token: '" + command + "' printed nothing");
    }
    return out.substr(first, last - first + 1);
  };
}

Dns01Hook dns01_command_hook(std::string command) {
  Dns01Hook hook;
  hook.present = [command](const std::string& record, const std::string& value) {
    return internal::run_command_with_args(command, {"present", record, value}, kHookTimeout);
  };
  hook.cleanup = [command](const std::string& record, const std::string& value) {
    // A failed cleanup leaves a stale TXT record behind, which harms nothing: the
    // next validation publishes its own value.
    (void)internal::run_command_with_args(command, {"cleanup", record, value}, kHookTimeout);
  };
  return hook;
}

Result<Enrollment> enroll(const EnrollmentOptions& options) {
  if (options.identifiers.empty()) return fail(Errc::invalid_argument, "enroll: no identifier");
  ZTM_TRY_ASSIGN(Identity identity, csr_identity(options.identifiers.front()));
  ZTM_TRY(identity_domain(identity));
  const auto progress = [&](std::string_view line) {
    if (options.acme.progress) options.acme.progress(line);
  };

  std::optional<crypto::SignaturePrivateKey> account_key = options.account_key;
  if (!account_key) {
    progress("generating an ACME account key (P-256)");
    ZTM_TRY_ASSIGN(account_key, crypto::SignaturePrivateKey::generate(
                                    crypto::SignatureScheme::ecdsa_secp256r1_sha256));
  }
  ZTM_TRY_ASSIGN(AcmeClient client, AcmeClient::connect(options.acme, *account_key));
  ZTM_TRY(client.new_account(options.contact));
  ZTM_TRY_ASSIGN(AcmeOrder order, client.new_order(options.identifiers));

  std::unique_ptr<Http01Responder> responder;
  if (options.challenge_type == "http-01") {
    progress("serving http-01 responses on " + options.http01.address + ":" +
             std::to_string(options.http01.port));
    ZTM_TRY_ASSIGN(responder, Http01Responder::start(options.http01));
  }
  for (const auto& url : order.authorizations) {
    ZTM_TRY_ASSIGN(AcmeAuthorization authz, client.get_authorization(url));
    if (authz.status == "valid") {
      progress("authorization for " + authz.identifier.value + " already valid");
      continue;
    }
    progress("proving control of " + authz.identifier.value + " with " + options.challenge_type);
    ZTM_TRY(solve(client, options, authz, responder.get()));
  }
  responder.reset();

  std::optional<crypto::SignaturePrivateKey> signature_key = options.signature_key;
  if (!signature_key) {
    progress("generating the MLS signature key (" +
             std::string(crypto::signature_scheme_name(options.signature_scheme)) + ")");
    ZTM_TRY_ASSIGN(signature_key, crypto::SignaturePrivateKey::generate(options.signature_scheme));
  }
  ZTM_TRY_ASSIGN(Bytes csr, make_csr(*signature_key, identity));
  ZTM_TRY_ASSIGN(order, client.finalize(order, csr));
  ZTM_TRY_ASSIGN(std::string chain_pem, client.download_certificate(*order.certificate));

  // The CA must have certified our key, not some other one.
  ZTM_TRY_ASSIGN(auto chain, parse_pem_certificates(chain_pem));
  ZTM_TRY_ASSIGN(auto leaf_key, leaf_public_key(chain.front()));
  if (leaf_key.scheme != signature_key->scheme() ||
      !equal(leaf_key.public_key, signature_key->public_key())) {
    return fail(Errc::protocol_violation, "enroll: the issued certificate is for another key");
  }
  progress("issued: " + chain.front().subject() + ", valid until " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                              chain.front().not_after().time_since_epoch())
                              .count()) +
           " (Unix time)");
  return Enrollment{std::move(*signature_key),
                    std::move(*account_key),
                    std::move(chain_pem),
                    client.account_url(),
                    order.url,
                    client.retried_bad_nonces()};
}

}  // namespace ztm::identity
