// ICE connectivity checks over STUN Binding (RFC 8445 §7): the server side of an
// ICE-lite agent (§2.5: the meeting service answers checks and never sends its own)
// and the client side that a full agent uses to check the service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/address.h"
#include "ztm/net/stun.h"

namespace ztm::net::ice {

// IceCredentials is one side's ice-ufrag and ice-pwd from signaling (RFC 8839 §5.4).
struct IceCredentials {
  std::string ufrag;
  std::string pwd;
};

// BindingRequest is what an authenticated connectivity check told the lite agent.
struct BindingRequest {
  stun::TransactionId transaction_id{};
  std::string remote_ufrag;  // the part of USERNAME after the colon (RFC 8445 §7.2.2)
  std::uint32_t priority = 0;
  bool use_candidate = false;  // the controlling agent nominated this pair (§8.1.1)
  std::uint64_t ice_controlling = 0;
};

// BindingAnswer is the outcome of one received check: the datagram to send back to
// the source, and the check's contents when it was authentic and accepted.
struct BindingAnswer {
  Bytes response;
  std::optional<BindingRequest> accepted;
};

// answer_binding_request handles a datagram received from `source` on the lite
// agent's port, which signaling gave credentials `local`.
// - Not a well-formed STUN Binding request with a valid FINGERPRINT: an error, and
//   nothing is sent (RFC 8489 §6.3: such datagrams are silently discarded).
// - No USERNAME or MESSAGE-INTEGRITY: a 400 response (RFC 8489 §9.1.3).
// - USERNAME not "<local ufrag>:<remote ufrag>" or integrity wrong with local.pwd:
//   a 401 response without integrity.
// - Unknown comprehension-required attributes: a 420 with UNKNOWN-ATTRIBUTES.
// - ICE-CONTROLLED, or no ICE-CONTROLLING: a 487 Role Conflict, since a lite agent
//   is always controlled (RFC 8445 §6.1.1) and its peer must be controlling.
// - No PRIORITY: a 400 (RFC 8445 §7.1.1 makes it mandatory in checks).
// - Otherwise a success response with XOR-MAPPED-ADDRESS = source, integrity keyed
//   with local.pwd and FINGERPRINT, and `accepted` filled in.
Result<BindingAnswer> answer_binding_request(ByteView datagram, const TransportAddress& source,
                                             const IceCredentials& local);

// BindingRequestParams is what a full (controlling) agent puts in a check.
struct BindingRequestParams {
  std::string local_ufrag;
  IceCredentials remote;  // the lite agent's ufrag and pwd from signaling
  std::uint32_t priority = 0;
  bool use_candidate = false;
  std::uint64_t tiebreaker = 0;
};

// make_binding_request builds a check: USERNAME "remote:local", PRIORITY,
// ICE-CONTROLLING, optionally USE-CANDIDATE, integrity keyed with remote.pwd,
// FINGERPRINT (RFC 8445 §7.2.2, §7.2.5.1).
Result<Bytes> make_binding_request(const BindingRequestParams& params,
                                   const stun::TransactionId& transaction_id);

// check_binding_response verifies the answer to a check sent with transaction_id:
// FINGERPRINT, integrity keyed with remote_pwd, class; returns the reflexive address.
// An error response becomes protocol_violation with its code in the message.
Result<TransportAddress> check_binding_response(ByteView datagram,
                                                const stun::TransactionId& transaction_id,
                                                std::string_view remote_pwd);

}  // namespace ztm::net::ice
