// AcmeServer: authorizations (§7.5), challenges (§7.5.1), their status transitions
// (§7.1.6) and the JSON views of accounts, orders, authorizations and challenges.
#include <nlohmann/json.hpp>

#include "internal/c_acme_server_impl.h"
#include "internal/c_json.h"

namespace ztm::identity {

using internal::Outcome;
using internal::Problem;
using internal::problem;
using internal::rfc3339;
using json = nlohmann::json;

json AcmeServer::Impl::account_json(const AccountRecord& account) const {
  json contact = json::parse(account.contact_json, nullptr, false);
  return {{"status", account.status},
          {"contact", contact.is_array() ? contact : json::array()},
          {"orders", account_url(account.id) + "/orders"}};
}

Result<json> AcmeServer::Impl::order_json(const OrderRecord& order) {
  json identifiers = json::array();
  for (const auto& id : order.identifiers) {
    identifiers.push_back({{"type", id.type}, {"value", id.value}});
  }
  ZTM_TRY_ASSIGN(auto authzs, store->authorizations_of(order.id));
  json authz_urls = json::array();
  for (const auto& a : authzs) authz_urls.push_back(authz_url(a.id));
  json out = {{"status", order.status},
              {"expires", rfc3339(order.expires_unix)},
              {"identifiers", identifiers},
              {"authorizations", authz_urls},
              {"finalize", order_url(order.id) + "/finalize"}};
  if (order.certificate_id) out["certificate"] = certificate_url(*order.certificate_id);
  if (order.error_json) out["error"] = json::parse(*order.error_json, nullptr, false);
  return out;
}

internal::Outcome<http::Response> AcmeServer::Impl::order_response(int status,
                                                                   const OrderRecord& order,
                                                                   bool with_location) {
  auto body = order_json(order);
  if (!body) return tl::unexpected(internal::internal_problem(body.error()));
  auto r = internal::json_response(status, *body);
  if (with_location) r.headers.set("Location", order_url(order.id));
  return r;
}

json AcmeServer::Impl::challenge_json(const ChallengeRecord& c) const {
  json out = {
      {"type", c.type}, {"url", challenge_url(c.id)}, {"status", c.status}, {"token", c.token}};
  if (c.status == "valid") out["validated"] = rfc3339(c.validated_unix);
  if (c.error_json) out["error"] = json::parse(*c.error_json, nullptr, false);
  // sso-01: the URL on this server that the user agent opens to log in at the IdP
  // (docs/identity.md, "The sso-01 challenge").
  if (c.type == "sso-01") out["sso_url"] = sso_url(c.id);
  return out;
}

Result<json> AcmeServer::Impl::authorization_json(const AuthorizationRecord& authz) {
  ZTM_TRY_ASSIGN(auto challenges, store->challenges_of(authz.id));
  json list = json::array();
  for (const auto& c : challenges) {
    // §7.1.4: a valid authorization lists the challenge that validated it.
    if (authz.status == "valid" && c.status != "valid") continue;
    list.push_back(challenge_json(c));
  }
  return json{{"status", authz.status},
              {"expires", rfc3339(authz.expires_unix)},
              {"identifier", {{"type", authz.identifier.type}, {"value", authz.identifier.value}}},
              {"challenges", list}};
}

Result<AuthorizationRecord> AcmeServer::Impl::refresh_authorization(AuthorizationRecord authz) {
  if ((authz.status == "pending" || authz.status == "valid") && authz.expires_unix < now_unix()) {
    authz.status = "expired";
    ZTM_TRY(store->update_authorization_status(authz.id, authz.status));
  }
  return authz;
}

Result<OrderRecord> AcmeServer::Impl::refresh_order(OrderRecord order) {
  if (order.status != "pending" && order.status != "ready") return order;
  std::string next = order.status;
  if (order.expires_unix < now_unix()) {
    next = "invalid";
  } else {
    ZTM_TRY_ASSIGN(auto authzs, store->authorizations_of(order.id));
    bool all_valid = !authzs.empty();
    for (auto& a : authzs) {
      ZTM_TRY_ASSIGN(a, refresh_authorization(std::move(a)));
      if (a.status != "valid") all_valid = false;
      if (a.status == "invalid" || a.status == "expired" || a.status == "deactivated" ||
          a.status == "revoked") {
        next = "invalid";
      }
    }
    if (next != "invalid" && all_valid) next = "ready";
  }
  if (next != order.status) {
    order.status = next;
    if (next == "invalid" && !order.error_json) {
      order.error_json = Problem{403, "unauthorized", "an authorization of this order is not valid"}
                             .to_json()
                             .dump();
    }
    ZTM_TRY(store->update_order(order));
  }
  return order;
}

Result<void> AcmeServer::Impl::record_validation(const ChallengeRecord& challenge, bool valid,
                                                 const std::optional<Problem>& error) {
  ChallengeRecord updated = challenge;
  updated.status = valid ? "valid" : "invalid";
  updated.validated_unix = valid ? now_unix() : 0;
  if (error) updated.error_json = error->to_json().dump();
  ZTM_TRY(store->update_challenge(updated));
  return store->update_authorization_status(challenge.authz_id, valid ? "valid" : "invalid");
}

Outcome<http::Response> AcmeServer::Impl::authorization(const http::Request& request,
                                                        const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  auto record = store->authorization(id);
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record || (*record)->account_id != auth->account->id) {
    return problem(404, "malformed", "no such authorization");
  }
  auto authz = refresh_authorization(std::move(**record));
  if (!authz) return tl::unexpected(internal::internal_problem(authz.error()));
  if (!auth->post_as_get) {
    // §7.5.2: the client may deactivate its authorization.
    if (internal::json_string_or(auth->payload, "status") != "deactivated") {
      return problem(400, "malformed", "an authorization can only be set to \"deactivated\"");
    }
    if (authz->status == "pending" || authz->status == "valid") {
      authz->status = "deactivated";
      if (auto r = store->update_authorization_status(authz->id, authz->status); !r) {
        return tl::unexpected(internal::internal_problem(r.error()));
      }
    }
  }
  auto body = authorization_json(*authz);
  if (!body) return tl::unexpected(internal::internal_problem(body.error()));
  return internal::json_response(200, *body);
}

Outcome<http::Response> AcmeServer::Impl::challenge(const http::Request& request,
                                                    const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  auto record = store->challenge(id);
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record) return problem(404, "malformed", "no such challenge");
  ChallengeRecord challenge = **record;
  auto authz_record = store->authorization(challenge.authz_id);
  if (!authz_record || !*authz_record || (*authz_record)->account_id != auth->account->id) {
    return problem(404, "malformed", "no such challenge");
  }
  auto authz = refresh_authorization(std::move(**authz_record));
  if (!authz) return tl::unexpected(internal::internal_problem(authz.error()));
  // §7.5.1: a POST with a JSON object says "the response is ready"; POST-as-GET
  // only reads. Either way a challenge that already finished is just returned.
  if (!auth->post_as_get && challenge.status == "pending" && authz->status == "pending") {
    if (challenge.type == "http-01" || challenge.type == "dns-01") {
      challenge.status = "processing";
      if (auto r = store->update_challenge(challenge); !r) {
        return tl::unexpected(internal::internal_problem(r.error()));
      }
      validations->enqueue(challenge.id);
    } else if (challenge.type == "sso-01") {
      // The login at sso_url validates it; until then it waits for the user.
      challenge.status = "processing";
      if (auto r = store->update_challenge(challenge); !r) {
        return tl::unexpected(internal::internal_problem(r.error()));
      }
    } else if (challenge.type == "provider-01") {
      auto checked = check_provider_token(*auth->account, *authz, auth->payload);
      std::optional<Problem> error;
      if (!checked) error = checked.error();
      if (auto r = record_validation(challenge, checked.has_value(), error); !r) {
        return tl::unexpected(internal::internal_problem(r.error()));
      }
      auto reread = store->challenge(challenge.id);
      if (reread && *reread) challenge = **reread;
    }
  }
  auto r = internal::json_response(200, challenge_json(challenge));
  r.headers.add("Link", "<" + authz_url(challenge.authz_id) + ">;rel=\"up\"");
  return r;
}

ValidationQueue::ValidationQueue(AcmeServer::Impl& server)
    : server_(server), worker_([this] { run(); }) {}

ValidationQueue::~ValidationQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void ValidationQueue::enqueue(const std::string& challenge_id) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(challenge_id);
  }
  wake_.notify_one();
}

void ValidationQueue::run() {
  for (;;) {
    std::string id;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
    }
    auto challenge = server_.store->challenge(id);
    if (!challenge || !*challenge || (*challenge)->status != "processing") continue;
    auto authz = server_.store->authorization((*challenge)->authz_id);
    if (!authz || !*authz) continue;
    auto account = server_.store->account((*authz)->account_id);
    if (!account || !*account) continue;
    auto error = server_.validate_challenge(**challenge, **authz, **account);
    (void)server_.record_validation(**challenge, !error.has_value(), error);
  }
}

}  // namespace ztm::identity
