// parse_html_form on the pages a development IdP serves and on hostile ones.
// (The browser as a whole runs against the real oidc-provider in
// enroll_cli_interop_test.cc and acme_server_oidc_interop_test.cc.)
#include "ztm/identity/sso_test_browser.h"

#include <gtest/gtest.h>

namespace ztm::identity {
namespace {

// What oidc-provider 9's development login page holds (lib/views/login.js).
constexpr char kLoginPage[] = R"html(<!DOCTYPE html><html><body>
<div class="container"><h1>Sign-in</h1>
<form autocomplete="off" action="/interaction/Xy_1/login" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login"  value="alice@example.test" >
  <input required type="password" name="password" placeholder="and password" autofocus="on">
  <button type="submit" class="login login-submit">Sign-in</button>
</form></div></body></html>)html";

TEST(HtmlForm, ReadsTheDevelopmentLoginPage) {
  auto form = parse_html_form(kLoginPage);
  ASSERT_TRUE(form.has_value()) << form.error().what();
  EXPECT_EQ(form->action, "/interaction/Xy_1/login");
  EXPECT_EQ(form->method, "post");
  ASSERT_EQ(form->inputs.size(), 3u);
  EXPECT_EQ(form->inputs[0].name, "prompt");
  EXPECT_EQ(form->inputs[0].type, "hidden");
  EXPECT_EQ(form->inputs[0].value, "login");
  EXPECT_EQ(form->inputs[1].name, "login");
  EXPECT_EQ(form->inputs[1].type, "text");
  EXPECT_EQ(form->inputs[1].value, "alice@example.test");
  EXPECT_EQ(form->inputs[2].type, "password");
}

TEST(HtmlForm, DecodesReferencesCaseAndUnquotedValues) {
  auto form = parse_html_form(
      "<p>x</p><FORM ACTION='&#x2F;a&#47;b?x=1&amp;y=&quot;2&quot;'>"
      "<INPUT NAME=prompt TYPE=HIDDEN VALUE=consent><input name=q value=\"&bogus; &#xZZ;\">"
      "<input name=\"first\" name=\"second\"></form><input name=after>");
  ASSERT_TRUE(form.has_value()) << form.error().what();
  EXPECT_EQ(form->action, "/a/b?x=1&y=\"2\"");
  EXPECT_EQ(form->method, "get");      // absent
  ASSERT_EQ(form->inputs.size(), 3u);  // the input after </form> is not the form's
  EXPECT_EQ(form->inputs[0].type, "hidden");
  EXPECT_EQ(form->inputs[0].value, "consent");
  EXPECT_EQ(form->inputs[1].value, "&bogus; &#xZZ;");  // unknown references kept
  EXPECT_EQ(form->inputs[2].name, "first");            // the first attribute wins
  EXPECT_EQ(form->inputs[2].type, "text");
}

TEST(HtmlForm, HostilePagesGetTypedErrors) {
  EXPECT_EQ(parse_html_form("<html><formula>no</formula></html>").error().code, Errc::not_found);
  EXPECT_EQ(parse_html_form("").error().code, Errc::not_found);
  EXPECT_EQ(parse_html_form("<form action=\"/x").error().code, Errc::invalid_encoding);
  EXPECT_EQ(parse_html_form("<form action=/x><input name='a").error().code, Errc::invalid_encoding);
  EXPECT_EQ(parse_html_form("<form").error().code, Errc::not_found);
  EXPECT_EQ(parse_html_form("<form ").error().code, Errc::invalid_encoding);

  std::string many = "<form>";
  for (std::size_t i = 0; i <= kMaxHtmlFormInputs; ++i) many += "<input name=a>";
  EXPECT_EQ(parse_html_form(many).error().code, Errc::limit_exceeded);

  std::string huge(kMaxHtmlFormPageBytes + 1, ' ');
  EXPECT_EQ(parse_html_form(huge).error().code, Errc::limit_exceeded);

  // A code point reference beyond Unicode becomes U+FFFD rather than garbage.
  auto form = parse_html_form("<form><input value='&#1114112;&#0;'></form>");
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->inputs[0].value, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(SsoTestBrowser, UnreachableOrMalformedUrlsAreErrors) {
  SsoTestBrowserOptions options;
  options.http.timeout = std::chrono::seconds(5);
  SsoTestLogin login{"alice@example.test", SecretBytes(as_bytes("x"))};
  EXPECT_EQ(sso_test_sign_in("not a url", login, options).error().code, Errc::invalid_argument);
  EXPECT_EQ(sso_test_sign_in("http://127.0.0.1:1/sso/x", login, options).error().code,
            Errc::io_error);
}

}  // namespace
}  // namespace ztm::identity
