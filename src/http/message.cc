// Headers and URL parsing: the Boost-free half of the HTTP layer.
#include "ztm/http/message.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "ztm/http/client.h"

namespace ztm::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

void Headers::set(std::string_view name, std::string_view value) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string(name), std::string(value));
}

Result<Url> parse_url(std::string_view url) {
  Url out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return fail(Errc::invalid_argument, "url: no scheme");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "http")) {
    out.scheme = "http";
    out.port = 80;
  } else if (iequals(scheme, "https")) {
    out.scheme = "https";
    out.port = 443;
  } else {
    return fail(Errc::invalid_argument, "url: scheme must be http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) {
    return fail(Errc::invalid_argument, "url: fragments are not allowed");
  }
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return fail(Errc::invalid_argument, "url: userinfo is not allowed");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "url: bad IPv6");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(Errc::invalid_argument, "url: bad authority");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return fail(Errc::invalid_argument, "url: empty host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return fail(Errc::invalid_argument, "url: bad port");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

}  // namespace ztm::http
