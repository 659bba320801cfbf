// messages.json: every MLS wire structure decodes and re-encodes byte-identically
// (RFC 9420 §5–§12; format in the MLS test-vectors document, "Messages").
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/messages/messages.h"

namespace ztm::vectors {

namespace {

using mls::WireFormat;

// round_trip decodes field `name` of c as T, re-encodes it and compares.
template <class T>
Result<T> round_trip(const nlohmann::json& c, const char* name) {
  ZTM_TRY_ASSIGN(auto bytes, hex_field(c, name));
  auto value = tls::decode<T>(bytes);
  if (!value) return fail(value.error().code, std::string(name) + ": " + value.error().message);
  if (tls::size_of(*value) != bytes.size()) {
    return fail(Errc::invalid_encoding, std::string(name) + ": size_of differs from input");
  }
  if (tls::encode(*value) != bytes) {
    return fail(Errc::invalid_encoding, std::string(name) + ": re-encoding differs");
  }
  return value;
}

Result<void> expect_format(const mls::MLSMessage& m, WireFormat format, const char* name) {
  if (m.wire_format() != format) {
    return fail(Errc::invalid_encoding, std::string(name) + ": unexpected wire format");
  }
  return ok();
}

Result<void> expect_content_type(const mls::MLSMessage& m, mls::ContentType type,
                                 const char* name) {
  ZTM_TRY(expect_format(m, WireFormat::mls_public_message, name));
  if (std::get<mls::PublicMessage>(m.value).content.content_type() != type) {
    return fail(Errc::invalid_encoding, std::string(name) + ": unexpected content type");
  }
  return ok();
}

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto welcome, round_trip<mls::MLSMessage>(c, "mls_welcome"));
  ZTM_TRY(expect_format(welcome, WireFormat::mls_welcome, "mls_welcome"));
  ZTM_TRY_ASSIGN(auto group_info, round_trip<mls::MLSMessage>(c, "mls_group_info"));
  ZTM_TRY(expect_format(group_info, WireFormat::mls_group_info, "mls_group_info"));
  ZTM_TRY_ASSIGN(auto key_package, round_trip<mls::MLSMessage>(c, "mls_key_package"));
  ZTM_TRY(expect_format(key_package, WireFormat::mls_key_package, "mls_key_package"));

  ZTM_TRY(round_trip<std::vector<std::optional<mls::Node>>>(c, "ratchet_tree"));
  ZTM_TRY(round_trip<mls::GroupSecrets>(c, "group_secrets"));

  ZTM_TRY(round_trip<mls::Add>(c, "add_proposal"));
  ZTM_TRY(round_trip<mls::Update>(c, "update_proposal"));
  ZTM_TRY(round_trip<mls::Remove>(c, "remove_proposal"));
  ZTM_TRY(round_trip<mls::PreSharedKey>(c, "pre_shared_key_proposal"));
  ZTM_TRY(round_trip<mls::ReInit>(c, "re_init_proposal"));
  ZTM_TRY(round_trip<mls::ExternalInit>(c, "external_init_proposal"));
  ZTM_TRY(round_trip<mls::GroupContextExtensions>(c, "group_context_extensions_proposal"));
  ZTM_TRY(round_trip<mls::Commit>(c, "commit"));

  ZTM_TRY_ASSIGN(auto app, round_trip<mls::MLSMessage>(c, "public_message_application"));
  ZTM_TRY(expect_content_type(app, mls::ContentType::application, "public_message_application"));
  ZTM_TRY_ASSIGN(auto prop, round_trip<mls::MLSMessage>(c, "public_message_proposal"));
  ZTM_TRY(expect_content_type(prop, mls::ContentType::proposal, "public_message_proposal"));
  ZTM_TRY_ASSIGN(auto commit, round_trip<mls::MLSMessage>(c, "public_message_commit"));
  ZTM_TRY(expect_content_type(commit, mls::ContentType::commit, "public_message_commit"));
  ZTM_TRY_ASSIGN(auto priv, round_trip<mls::MLSMessage>(c, "private_message"));
  ZTM_TRY(expect_format(priv, WireFormat::mls_private_message, "private_message"));
  return ok();
}

Runner mls_messages_runner() {
  return {
      "mls/messages",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "messages.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          report.check("case " + std::to_string(index++), run_case(c));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_messages_runner);

}  // namespace ztm::vectors
