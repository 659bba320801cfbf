// The test/demo user agent for sso-01 (ztm/identity/sso_test_browser.h): a tag
// scanner for the IdP's login form, a per-origin cookie jar and a redirect loop.
#include "ztm/identity/sso_test_browser.h"

#include <cctype>
#include <map>
#include <optional>

#include "internal/c_form.h"

namespace ztm::identity {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// find_ci finds needle (lowercase) in haystack ignoring ASCII case, from pos.
std::size_t find_ci(std::string_view haystack, std::string_view needle, std::size_t pos) {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  for (std::size_t i = pos; i + needle.size() <= haystack.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) {
      match = std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j];
    }
    if (match) return i;
  }
  return std::string_view::npos;
}

// append_utf8 encodes a code point (invalid ones become U+FFFD).
void append_utf8(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// decode_references decodes the character references an attribute value may hold
// (HTML §13.5): numeric ones and the five that template engines emit. Anything else
// stays as written.
std::string decode_references(std::string_view s) {
  static const std::pair<std::string_view, char> kNamed[] = {
      {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    std::string_view rest = s.substr(i + 1);
    bool done = false;
    for (const auto& [name, c] : kNamed) {
      if (rest.substr(0, name.size()) == name) {
        out += c;
        i += name.size();
        done = true;
        break;
      }
    }
    if (done) continue;
    if (!rest.empty() && rest[0] == '#') {
      const bool hex = rest.size() > 1 && (rest[1] == 'x' || rest[1] == 'X');
      std::size_t j = hex ? 2 : 1;
      unsigned long cp = 0;
      std::size_t digits = 0;
      while (j < rest.size() && digits < 8 &&
             (hex ? std::isxdigit(static_cast<unsigned char>(rest[j]))
                  : std::isdigit(static_cast<unsigned char>(rest[j])))) {
        const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(rest[j])));
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d <= '9' ? d - '0' : d - 'a' + 10);
        ++j;
        ++digits;
      }
      if (digits > 0 && j < rest.size() && rest[j] == ';') {
        append_utf8(out, cp);
        i += j + 1;
        continue;
      }
    }
    out += '&';
  }
  return out;
}

// Tag is one start tag's attributes (names lowercased, values decoded).
using Tag = std::map<std::string, std::string>;

// parse_tag reads the attributes of the tag starting at html[pos] == '<' and
// returns them with the position after its '>'.
Result<std::pair<Tag, std::size_t>> parse_tag(std::string_view html, std::size_t pos) {
  std::size_t i = pos + 1;
  while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') ++i;
  Tag tag;
  for (;;) {
    while (i < html.size() && (is_space(html[i]) || html[i] == '/')) ++i;
    if (i >= html.size()) return fail(Errc::invalid_encoding, "html: unterminated tag");
    if (html[i] == '>') return std::pair{std::move(tag), i + 1};
    const std::size_t name_start = i;
    while (i < html.size() && !is_space(html[i]) && html[i] != '=' && html[i] != '>' &&
           html[i] != '/') {
      ++i;
    }
    std::string name = lower(html.substr(name_start, i - name_start));
    while (i < html.size() && is_space(html[i])) ++i;
    std::string value;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && is_space(html[i])) ++i;
      if (i >= html.size()) return fail(Errc::invalid_encoding, "html: unterminated attribute");
      if (html[i] == '"' || html[i] == '\'') {
        const char quote = html[i];
        const std::size_t end = html.find(quote, i + 1);
        if (end == std::string_view::npos) {
          return fail(Errc::invalid_encoding, "html: unterminated attribute value");
        }
        value = decode_references(html.substr(i + 1, end - i - 1));
        i = end + 1;
      } else {
        const std::size_t start = i;
        while (i < html.size() && !is_space(html[i]) && html[i] != '>') ++i;
        value = decode_references(html.substr(start, i - start));
      }
    }
    // The first occurrence of an attribute wins (HTML §13.2.5.33).
    if (!name.empty()) tag.emplace(std::move(name), std::move(value));
  }
}

// is_tag says whether html[pos..] starts the tag <name followed by a delimiter.
bool is_tag(std::string_view html, std::size_t pos, std::string_view name) {
  const std::size_t after = pos + 1 + name.size();
  return after < html.size() && (is_space(html[after]) || html[after] == '>' || html[after] == '/');
}

std::string attribute(const Tag& tag, const std::string& name, std::string fallback = "") {
  auto it = tag.find(name);
  return it == tag.end() ? fallback : it->second;
}

// CookieJar keeps name=value per origin ("https://host:port").
class CookieJar {
 public:
  std::string header_for(const std::string& origin) const {
    std::string out;
    auto it = jar_.find(origin);
    if (it == jar_.end()) return out;
    for (const auto& [name, value] : it->second) {
      out += (out.empty() ? "" : "; ") + name + "=" + value;
    }
    return out;
  }
  void take(const std::string& origin, const http::Headers& headers) {
    for (const auto& set : headers.get_all("Set-Cookie")) {
      const std::string pair = set.substr(0, set.find(';'));
      const auto eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) continue;
      std::string name = pair.substr(0, eq);
      std::string value = pair.substr(eq + 1);
      const std::string attrs = lower(set);
      const bool removed = value.empty() || attrs.find("max-age=0") != std::string::npos ||
                           attrs.find("expires=thu, 01 jan 1970") != std::string::npos;
      auto& cookies = jar_[origin];
      if (removed) {
        cookies.erase(name);
      } else if (cookies.size() < kMaxCookiesPerOrigin || cookies.count(name) != 0) {
        cookies[name] = value;
      }
    }
  }

 private:
  static constexpr std::size_t kMaxCookiesPerOrigin = 50;
  std::map<std::string, std::map<std::string, std::string>> jar_;
};

std::string origin_of(const http::Url& u) {
  return u.scheme + "://" + u.host + ":" + std::to_string(u.port);
}

// resolve_reference resolves a Location or form action against the URL it came
// from: absolute http(s) URLs, absolute paths, queries and relative paths.
Result<std::string> resolve_reference(const std::string& base, const std::string& ref) {
  ZTM_TRY_ASSIGN(http::Url b, http::parse_url(base));
  if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0) {
    ZTM_TRY(http::parse_url(ref));
    return ref;
  }
  if (ref.rfind("//", 0) == 0) return fail(Errc::protocol_violation, "scheme-relative URL");
  const std::string host = b.host.find(':') != std::string::npos ? "[" + b.host + "]" : b.host;
  const std::string prefix = b.scheme + "://" + host + ":" + std::to_string(b.port);
  if (ref.empty()) return prefix + b.target;
  if (ref[0] == '/') return prefix + ref;
  const std::string path = b.target.substr(0, b.target.find('?'));
  if (ref[0] == '?') return prefix + path + ref;
  return prefix + path.substr(0, path.rfind('/') + 1) + ref;
}

// fill_form builds the form's body: hidden fields as they are, the password into
// password fields, the login name into the login/username/email text field.
std::string fill_form(const HtmlForm& form, const SsoTestLogin& login) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& input : form.inputs) {
    if (input.name.empty()) continue;
    const std::string name = lower(input.name);
    if (input.type == "password") {
      const ByteView password = login.password.expose();
      fields.emplace_back(input.name, std::string(password.begin(), password.end()));
    } else if ((input.type == "text" || input.type == "email") &&
               (name == "login" || name == "username" || name == "email")) {
      fields.emplace_back(input.name, login.login);
    } else if (input.type == "hidden" || input.type == "text" || input.type == "email") {
      fields.emplace_back(input.name, input.value);
    }
    // Checkboxes, radio buttons and the rest stay unticked and are not submitted.
  }
  std::string body = internal::form_encode(fields);
  for (auto& [name, value] : fields) secure_zero(value.data(), value.size());
  return body;
}

}  // namespace

Result<HtmlForm> parse_html_form(std::string_view html) {
  if (html.size() > kMaxHtmlFormPageBytes) {
    return fail(Errc::limit_exceeded,
                "html: page larger than " + std::to_string(kMaxHtmlFormPageBytes) + " bytes");
  }
  std::size_t pos = 0;
  for (;;) {
    pos = find_ci(html, "<form", pos);
    if (pos == std::string_view::npos) return fail(Errc::not_found, "html: no form on the page");
    if (is_tag(html, pos, "form")) break;
    pos += 5;
  }
  ZTM_TRY_ASSIGN(auto form_tag, parse_tag(html, pos));
  HtmlForm form;
  form.action = attribute(form_tag.first, "action");
  form.method = lower(attribute(form_tag.first, "method", "get"));
  std::size_t end = find_ci(html, "</form", form_tag.second);
  if (end == std::string_view::npos) end = html.size();
  pos = form_tag.second;
  for (;;) {
    pos = find_ci(html.substr(0, end), "<input", pos);
    if (pos == std::string_view::npos) break;
    if (!is_tag(html, pos, "input")) {
      pos += 6;
      continue;
    }
    ZTM_TRY_ASSIGN(auto input_tag, parse_tag(html, pos));
    if (form.inputs.size() == kMaxHtmlFormInputs) {
      return fail(Errc::limit_exceeded,
                  "html: more than " + std::to_string(kMaxHtmlFormInputs) + " form inputs");
    }
    form.inputs.push_back(HtmlInput{attribute(input_tag.first, "name"),
                                    lower(attribute(input_tag.first, "type", "text")),
                                    attribute(input_tag.first, "value")});
    pos = input_tag.second;
  }
  return form;
}

Result<http::Response> sso_test_sign_in(std::string_view sso_url, const SsoTestLogin& login,
                                        const SsoTestBrowserOptions& options) {
  ZTM_TRY_ASSIGN(http::Url start, http::parse_url(sso_url));
  const std::string home = origin_of(start);
  CookieJar jar;
  std::string url(sso_url);
  std::string method = "GET";
  std::string body;
  int redirects = 0;
  int forms = 0;
  for (;;) {
    ZTM_TRY_ASSIGN(http::Url target, http::parse_url(url));
    const std::string origin = origin_of(target);
    http::Headers headers;
    if (auto cookies = jar.header_for(origin); !cookies.empty()) headers.set("Cookie", cookies);
    if (method == "POST") headers.set("Content-Type", "application/x-www-form-urlencoded");
    auto response = http::request(method, url, headers, body, options.http);
    const bool was_form_post = method == "POST";
    secure_zero(body.data(), body.size());
    body.clear();
    if (!response) return tl::unexpected(response.error());
    jar.take(origin, response->headers);

    if (response->status / 100 == 3) {
      auto location = response->headers.get("Location");
      if (!location) return fail(Errc::protocol_violation, "sso: redirect without Location");
      if (++redirects > options.max_redirects) {
        return fail(Errc::limit_exceeded,
                    "sso: more than " + std::to_string(options.max_redirects) + " redirects");
      }
      ZTM_TRY_ASSIGN(url, resolve_reference(url, *location));
      method = "GET";
      continue;
    }
    // A final page from the ACME server ends the sign-in, whatever it says.
    if (origin == home) return std::move(*response);
    if (response->status / 100 != 2) {
      return fail(was_form_post && response->status / 100 == 4 ? Errc::authentication_failed
                                                               : Errc::protocol_violation,
                  "sso: the identity provider answered " + std::to_string(response->status) +
                      " at " + url + ": " + response->body.substr(0, 200));
    }
    auto form = parse_html_form(response->body);
    if (!form) {
      return fail(Errc::protocol_violation, "sso: the identity provider's page at " + url +
                                                " has no usable form (" + form.error().message +
                                                ")");
    }
    if (++forms > options.max_forms) {
      return fail(Errc::limit_exceeded,
                  "sso: more than " + std::to_string(options.max_forms) + " forms to fill in");
    }
    ZTM_TRY_ASSIGN(std::string action, resolve_reference(url, form->action));
    body = fill_form(*form, login);
    if (form->method == "post") {
      method = "POST";
      url = std::move(action);
    } else {
      method = "GET";
      url = action.substr(0, action.find('?')) + "?" + body;
      secure_zero(body.data(), body.size());
      body.clear();
    }
  }
}

}  // namespace ztm::identity
