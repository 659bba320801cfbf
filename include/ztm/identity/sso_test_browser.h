// SsoTestBrowser — TEST AND DEMO ONLY. A minimal user agent that completes an sso-01
// sign-in (docs/identity.md, "The sso-01 challenge") without a person: it opens the
// challenge's sso_url, follows the redirects to the organization's IdP, fills in the
// IdP's login form with a login name and password, submits any further form (the
// consent page), and follows the redirect back to the ACME server's callback.
//
// It exists so that tests and `make demo` can enroll SSO users unattended against a
// development IdP (test_tools/peers/oidc_provider.mjs: oidc-provider's dev
// interactions, which accept any password). It is never what `ztmeet enroll` does by
// default: a real user signs in in a real browser, where the IdP may ask for a second
// factor, show a CAPTCHA, or run JavaScript — none of which this understands.
//
// What it does understand: 3xx redirects with Location, cookies per origin (name and
// value only; paths, expiry and the Secure flag are not modelled), and the first HTML
// <form> of a page with <input> fields (hidden ones kept, password ones filled with
// the password, text/email ones named login, username or email filled with the login
// name).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/http/client.h"
#include "ztm/http/message.h"

namespace ztm::identity {

// HtmlInput is one <input> of a form: its name, type (lowercased; "text" when
// absent) and value, with character references decoded.
struct HtmlInput {
  std::string name;
  std::string type;
  std::string value;
};

// HtmlForm is the first <form> of a page: its action (decoded; "" means the page's
// own URL), its method (lowercased; "get" when absent) and its inputs in order.
struct HtmlForm {
  std::string action;
  std::string method;
  std::vector<HtmlInput> inputs;
};

// kMaxHtmlFormPageBytes and kMaxHtmlFormInputs bound the work on an IdP's page.
inline constexpr std::size_t kMaxHtmlFormPageBytes = 256 * 1024;
inline constexpr std::size_t kMaxHtmlFormInputs = 64;

// parse_html_form finds the first <form ...> of html and the <input ...> tags after
// it up to </form>. It is a tag scanner, not an HTML parser: comments and scripts are
// not skipped. not_found when there is no form; limit_exceeded past the bounds above;
// invalid_encoding for an unterminated tag or attribute.
Result<HtmlForm> parse_html_form(std::string_view html);

// SsoTestLogin is who the browser signs in as at the IdP.
struct SsoTestLogin {
  std::string login;
  SecretBytes password;  // put into password fields only; never logged
};

// SsoTestBrowserOptions bound one sign-in. http carries the trust anchors for every
// https hop (the ACME server and, if it is https, the IdP).
struct SsoTestBrowserOptions {
  http::ClientOptions http;
  int max_redirects = 20;
  int max_forms = 4;
};

// sso_test_sign_in opens sso_url and plays the browser until a page that is not a
// redirect comes back from sso_url's own origin (the ACME server's "Signed in" or
// "Sign-in refused" page), and returns that page whatever its status; the challenge's
// outcome is then read from the ACME authorization. Errors: the transport's
// (io_error, untrusted, timeout), protocol_violation when the IdP's page has no form
// or a redirect has no usable Location, limit_exceeded past max_redirects/max_forms,
// authentication_failed when the IdP answers a form post with a 4xx page (e.g. an
// unknown user).
Result<http::Response> sso_test_sign_in(std::string_view sso_url, const SsoTestLogin& login,
                                        const SsoTestBrowserOptions& options);

}  // namespace ztm::identity
