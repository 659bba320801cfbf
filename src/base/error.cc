#include "ztm/base/error.h"

namespace ztm {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::truncated:
      return "truncated";
    case Errc::trailing_data:
      return "trailing_data";
    case Errc::non_minimal_varint:
      return "non_minimal_varint";
    case Errc::length_too_large:
      return "length_too_large";
    case Errc::invalid_encoding:
      return "invalid_encoding";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::buffer_too_small:
      return "buffer_too_small";
    case Errc::unsupported:
      return "unsupported";
    case Errc::limit_exceeded:
      return "limit_exceeded";
    case Errc::invalid_state:
      return "invalid_state";
    case Errc::crypto_failure:
      return "crypto_failure";
    case Errc::authentication_failed:
      return "authentication_failed";
    case Errc::invalid_key:
      return "invalid_key";
    case Errc::protocol_violation:
      return "protocol_violation";
    case Errc::replay:
      return "replay";
    case Errc::unknown_key:
      return "unknown_key";
    case Errc::counter_exhausted:
      return "counter_exhausted";
    case Errc::wrong_epoch:
      return "wrong_epoch";
    case Errc::untrusted:
      return "untrusted";
    case Errc::expired:
      return "expired";
    case Errc::revoked:
      return "revoked";
    case Errc::io_error:
      return "io_error";
    case Errc::not_found:
      return "not_found";
    case Errc::timeout:
      return "timeout";
  }
  return "unknown_error";
}

std::string Error::what() const {
  std::string out(errc_name(code));
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace ztm
