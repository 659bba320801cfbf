// Fuzzes parse_html_form, the tag scanner the sso-01 test browser runs on an
// identity provider's login page (ztm/identity/sso_test_browser.h).
// Invariants: no crash, no out-of-bounds read; the documented bounds hold on
// success (at most kMaxHtmlFormInputs inputs, lowercased method and types).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ztm/identity/sso_test_browser.h"

namespace {

bool is_lower(std::string_view s) {
  for (char c : s) {
    if (std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm::identity;
  const std::string_view page(reinterpret_cast<const char*>(data), size);
  auto form = parse_html_form(page);
  if (!form) return 0;
  if (form->inputs.size() > kMaxHtmlFormInputs) std::abort();
  if (!is_lower(form->method)) std::abort();
  for (const auto& input : form->inputs) {
    if (!is_lower(input.type)) std::abort();
  }
  return 0;
}
