// tree-math.json: the array tree relations of RFC 9420 Appendix C. Each entry is one
// case that checks n_nodes, root and, for every node, left/right/parent/sibling.
#include <nlohmann/json.hpp>
#include <optional>

#include "internal/runners.h"
#include "ztm/mls/tree_math.h"

namespace ztm::vectors {

namespace {

using mls::LeafCount;
using mls::NodeIndex;

Result<void> check_optional(const nlohmann::json& array, std::uint32_t i, std::string_view what,
                            std::optional<NodeIndex> actual) {
  if (!array.is_array() || i >= array.size()) {
    return fail(Errc::invalid_encoding, std::string(what) + " array too short");
  }
  const auto& expected = array[i];
  const bool want = !expected.is_null();
  if (want != actual.has_value() || (want && expected.get<std::uint32_t>() != actual->value)) {
    return fail(Errc::protocol_violation,
                std::string(what) + "[" + std::to_string(i) + "] differs");
  }
  return ok();
}

Result<void> run_case(const nlohmann::json& c) {
  const LeafCount n{c.at("n_leaves").get<std::uint32_t>()};
  const std::uint32_t width = mls::node_width(n);
  if (width != c.at("n_nodes").get<std::uint32_t>()) {
    return fail(Errc::protocol_violation, "n_nodes differs");
  }
  const NodeIndex r = mls::root(n);
  if (r.value != c.at("root").get<std::uint32_t>()) {
    return fail(Errc::protocol_violation, "root differs");
  }
  for (const char* name : {"left", "right", "parent", "sibling"}) {
    if (c.at(name).size() != width) {
      return fail(Errc::invalid_encoding, std::string(name) + " has the wrong length");
    }
  }
  for (std::uint32_t i = 0; i < width; ++i) {
    const NodeIndex x{i};
    const bool leaf = mls::is_leaf(x);
    ZTM_TRY(
        check_optional(c.at("left"), i, "left", leaf ? std::nullopt : std::optional(mls::left(x))));
    ZTM_TRY(check_optional(c.at("right"), i, "right",
                           leaf ? std::nullopt : std::optional(mls::right(x))));
    const bool is_root = x == r;
    ZTM_TRY(check_optional(c.at("parent"), i, "parent",
                           is_root ? std::nullopt : std::optional(mls::parent(x, n))));
    ZTM_TRY(check_optional(c.at("sibling"), i, "sibling",
                           is_root ? std::nullopt : std::optional(mls::sibling(x, n))));
  }
  return ok();
}

Runner mls_tree_math_runner() {
  return {
      "mls/tree-math",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "tree-math.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const std::string name = "case " + std::to_string(index++) + " (n_leaves " +
                                   std::to_string(c.value("n_leaves", 0u)) + ")";
          Result<void> result;
          try {
            result = run_case(c);
          } catch (const nlohmann::json::exception& e) {
            result = fail(Errc::invalid_encoding, std::string("malformed case: ") + e.what());
          }
          report.check(name, result);
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_tree_math_runner);

}  // namespace ztm::vectors
