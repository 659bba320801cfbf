// HTTP/1.1 messages as plain values (RFC 9110/9112), shared by the client and the
// server. No Boost here: the Beast machinery stays inside src/http/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ztm::http {

// Headers is an ordered list of header fields. Lookups compare names
// case-insensitively (RFC 9110 §5.1); values are kept as received.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> fields) : fields_(fields) {}

  // get returns the first field's value with this name, if any.
  std::optional<std::string> get(std::string_view name) const;
  // get_all returns every value of this name in order (e.g. several Link fields).
  std::vector<std::string> get_all(std::string_view name) const;
  // set replaces every field of this name with one field.
  void set(std::string_view name, std::string_view value);
  // add appends a field, keeping existing ones of the same name.
  void add(std::string_view name, std::string_view value);

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Request is one HTTP request. On the server side, target is the request-target as
// sent ("/acme/order/1?x=y") and remote_address the peer's IP address.
struct Request {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;
  Headers headers;
  std::string body;
  std::string remote_address;
};

// Response is one HTTP response.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// Url is an absolute http(s) URL split into the parts a client connects with.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // a DNS name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};

}  // namespace ztm::http
