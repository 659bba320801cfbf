// Errors: every fallible ztmeet call returns Result<T>, a tl::expected carrying either
// the value or an Error (a typed code plus a human-readable message). No exceptions
// cross a public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ztm {

// Errc is the category of a failure. Callers branch on it; the message says which
// rule or field failed (MLS rules read like "proposal_list.duplicate_add: ...").
enum class Errc : std::uint16_t {
  // Decoding of untrusted bytes.
  truncated = 1,       // input ended inside a value
  trailing_data,       // bytes left after a complete value
  non_minimal_varint,  // RFC 9420 §2.1.2 length not in its shortest form
  length_too_large,    // a length beyond 2^30 or a configured limit
  invalid_encoding,    // a value that no valid encoder produces (bad enum, bad optional flag)
  // Use of an API.
  invalid_argument = 100,  // a caller passed something the call cannot accept
  buffer_too_small,        // the caller's output span cannot hold the result
  unsupported,             // an algorithm, suite or feature ztmeet does not offer
  limit_exceeded,          // a documented bound on work or size was reached
  invalid_state,           // the object is not in a state where the call is allowed
  // Cryptography.
  crypto_failure = 200,   // the crypto library failed (out of memory, internal error)
  authentication_failed,  // an AEAD tag, MAC or signature did not verify
  invalid_key,            // a key is malformed or of the wrong type or size
  // Protocols.
  protocol_violation = 300,  // a message breaks a rule of the protocol (rule in message)
  replay,                    // a message or frame was seen before
  unknown_key,               // no key for this KID, epoch or sender
  counter_exhausted,         // a counter or generation cannot advance further
  wrong_epoch,               // a message for an epoch other than the one expected
  // Identity.
  untrusted = 400,  // no path to a trusted anchor, or outside the anchor's scope
  expired,          // a certificate or KeyPackage is outside its validity period
  revoked,          // a certificate is on its issuer's CRL
  // The outside world.
  io_error = 500,  // a file, socket or process failed
  not_found,       // a named thing does not exist
  timeout,         // a peer did not answer in time
};

// errc_name returns the enumerator's name ("truncated"), for logs and messages.
std::string_view errc_name(Errc code);

// Error is a failure: its category and a message for people. Messages never contain
// secret material.
struct Error {
  Errc code;
  std::string message;

  // what() renders "code: message" for logs and command-line output.
  std::string what() const;
};

template <class T>
using Result = tl::expected<T, Error>;

// fail(code, message) makes the unexpected value to return from a Result function.
inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// ok() is the success value of a Result<void>.
inline Result<void> ok() {
  return {};
}

}  // namespace ztm

#define ZTM_CONCAT_INNER(a, b) a##b
#define ZTM_CONCAT(a, b) ZTM_CONCAT_INNER(a, b)

// ZTM_TRY(expr): evaluate a Result-returning expression; on failure, return its
// error from the enclosing function.
#define ZTM_TRY(expr)                                                                  \
  do {                                                                                 \
    auto&& ztm_try_result_ = (expr);                                                   \
    if (!ztm_try_result_) return ::tl::unexpected(std::move(ztm_try_result_).error()); \
  } while (0)

// ZTM_TRY_ASSIGN(decl, expr): as ZTM_TRY, and on success move the value into decl,
// e.g. ZTM_TRY_ASSIGN(auto key, derive_key(secret));
#define ZTM_TRY_ASSIGN(decl, expr) ZTM_TRY_ASSIGN_IMPL(ZTM_CONCAT(ztm_try_, __LINE__), decl, expr)
#define ZTM_TRY_ASSIGN_IMPL(tmp, decl, expr)                 \
  auto tmp = (expr);                                         \
  if (!tmp) return ::tl::unexpected(std::move(tmp).error()); \
  decl = std::move(*tmp)
