#include "ztm/net/ice.h"

namespace ztm::net::ice {

using stun::AttributeType;
using stun::MessageBuilder;
using stun::MessageClass;

namespace {

Result<Bytes> error_response(const stun::Message& request, std::uint16_t code,
                             std::string_view reason, ByteView integrity_key) {
  MessageBuilder b(MessageClass::error_response, stun::kBindingMethod, request.transaction_id());
  b.add_error_code(code, reason);
  if (code == 420) b.add_unknown_attributes(request.unknown_comprehension_required());
  return std::move(b).finish(integrity_key, true);
}

}  // namespace

Result<BindingAnswer> answer_binding_request(ByteView datagram, const TransportAddress& source,
                                             const IceCredentials& local) {
  ZTM_TRY_ASSIGN(const stun::Message request, stun::Message::parse(datagram));
  if (request.message_class() != MessageClass::request ||
      request.method() != stun::kBindingMethod) {
    return fail(Errc::protocol_violation, "ice: not a Binding request");
  }
  // RFC 8445 §7.2.2: checks carry FINGERPRINT; it tells STUN from media on one port.
  ZTM_TRY(request.verify_fingerprint());

  BindingAnswer answer;
  auto username = request.username();
  if (!username || !request.has(AttributeType::message_integrity)) {
    ZTM_TRY_ASSIGN(answer.response, error_response(request, 400, "Bad Request", {}));
    return answer;
  }
  // USERNAME is "<ufrag of the receiver>:<ufrag of the sender>".
  const std::string_view name = *username;
  const std::size_t colon = name.find(':');
  const bool name_ok = colon != std::string_view::npos && name.substr(0, colon) == local.ufrag &&
                       colon + 1 < name.size();
  if (!name_ok || !request.verify_message_integrity(as_bytes(local.pwd))) {
    ZTM_TRY_ASSIGN(answer.response, error_response(request, 401, "Unauthorized", {}));
    return answer;
  }
  const ByteView key = as_bytes(local.pwd);
  if (!request.unknown_comprehension_required().empty()) {
    ZTM_TRY_ASSIGN(answer.response, error_response(request, 420, "Unknown Attribute", key));
    return answer;
  }
  if (request.has(AttributeType::ice_controlled) || !request.has(AttributeType::ice_controlling)) {
    ZTM_TRY_ASSIGN(answer.response, error_response(request, 487, "Role Conflict", key));
    return answer;
  }
  auto priority = request.priority();
  if (!priority) {
    ZTM_TRY_ASSIGN(answer.response, error_response(request, 400, "Bad Request", key));
    return answer;
  }

  BindingRequest accepted;
  accepted.transaction_id = request.transaction_id();
  accepted.remote_ufrag = std::string(name.substr(colon + 1));
  accepted.priority = *priority;
  accepted.use_candidate = request.has(AttributeType::use_candidate);
  ZTM_TRY_ASSIGN(accepted.ice_controlling, request.ice_controlling());

  MessageBuilder b(MessageClass::success_response, stun::kBindingMethod, request.transaction_id());
  b.add_xor_mapped_address(source);
  ZTM_TRY_ASSIGN(answer.response, std::move(b).finish(key, true));
  answer.accepted = std::move(accepted);
  return answer;
}

Result<Bytes> make_binding_request(const BindingRequestParams& params,
                                   const stun::TransactionId& transaction_id) {
  if (params.remote.ufrag.empty() || params.local_ufrag.empty() || params.remote.pwd.empty()) {
    return fail(Errc::invalid_argument, "ice: ufrag and pwd must not be empty");
  }
  MessageBuilder b(MessageClass::request, stun::kBindingMethod, transaction_id);
  b.add_username(params.remote.ufrag + ":" + params.local_ufrag);
  b.add_priority(params.priority);
  b.add_ice_controlling(params.tiebreaker);
  if (params.use_candidate) b.add_use_candidate();
  return std::move(b).finish(as_bytes(params.remote.pwd), true);
}

Result<TransportAddress> check_binding_response(ByteView datagram,
                                                const stun::TransactionId& transaction_id,
                                                std::string_view remote_pwd) {
  ZTM_TRY_ASSIGN(const stun::Message response, stun::Message::parse(datagram));
  if (response.method() != stun::kBindingMethod ||
      (response.message_class() != MessageClass::success_response &&
       response.message_class() != MessageClass::error_response)) {
    return fail(Errc::protocol_violation, "ice: not a Binding response");
  }
  if (response.transaction_id() != transaction_id) {
    return fail(Errc::protocol_violation, "ice: response to another transaction");
  }
  ZTM_TRY(response.verify_fingerprint());
  if (response.message_class() == MessageClass::error_response) {
    // 400 and 401 answers carry no integrity; the code is reported either way, and
    // the caller treats any error as a failed check.
    ZTM_TRY_ASSIGN(const auto code, response.error_code());
    return fail(Errc::protocol_violation,
                "ice: Binding error " + std::to_string(code.code) + " " + code.reason);
  }
  ZTM_TRY(response.verify_message_integrity(as_bytes(remote_pwd)));
  return response.xor_mapped_address();
}

}  // namespace ztm::net::ice
