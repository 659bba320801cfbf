// deserialization.json: decoding the <V> length header of RFC 9420 §2.1.2.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/base/tls_codec.h"

namespace ztm::vectors {

namespace {
Runner mls_deserialization_runner() {
  return {
      "mls/deserialization",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "deserialization.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const std::string name = "case " + std::to_string(index++);
          report.check(name, [&]() -> Result<void> {
            ZTM_TRY_ASSIGN(auto header, hex_field(c, "vlbytes_header"));
            const auto expected = c.at("length").get<std::uint64_t>();
            ZTM_TRY_ASSIGN(auto length, tls::decode_varint(header));
            if (length != expected) {
              return fail(Errc::invalid_encoding, "decoded " + std::to_string(length));
            }
            // Re-encoding must give the same (minimal) header.
            Bytes again;
            tls::Writer(again).varint(length);
            if (again != header) return fail(Errc::invalid_encoding, "re-encoding differs");
            return ok();
          }());
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_deserialization_runner);

}  // namespace ztm::vectors
