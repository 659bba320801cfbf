// Tree math known answers (RFC 9420 Appendix C; the 8-leaf tree drawn there).
#include "ztm/mls/tree_math.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

TEST(TreeMath, Log2AndLevel) {
  EXPECT_EQ(log2(0), 0u);
  EXPECT_EQ(log2(1), 0u);
  EXPECT_EQ(log2(2), 1u);
  EXPECT_EQ(log2(3), 1u);
  EXPECT_EQ(log2(15), 3u);
  EXPECT_EQ(log2(16), 4u);
  EXPECT_EQ(log2(0xffffffffu), 31u);
  EXPECT_EQ(level(NodeIndex{0}), 0u);
  EXPECT_EQ(level(NodeIndex{1}), 1u);
  EXPECT_EQ(level(NodeIndex{3}), 2u);
  EXPECT_EQ(level(NodeIndex{7}), 3u);
  EXPECT_EQ(level(NodeIndex{11}), 2u);
  EXPECT_EQ(level(NodeIndex{0xffffffffu}), 32u);
}

TEST(TreeMath, EightLeafTree) {
  const LeafCount n{8};
  EXPECT_EQ(node_width(n), 15u);
  EXPECT_EQ(root(n), NodeIndex{7});
  EXPECT_EQ(left(NodeIndex{7}), NodeIndex{3});
  EXPECT_EQ(right(NodeIndex{7}), NodeIndex{11});
  EXPECT_EQ(left(NodeIndex{5}), NodeIndex{4});
  EXPECT_EQ(right(NodeIndex{5}), NodeIndex{6});
  EXPECT_EQ(parent(NodeIndex{4}, n), NodeIndex{5});
  EXPECT_EQ(parent(NodeIndex{5}, n), NodeIndex{3});
  EXPECT_EQ(parent(NodeIndex{11}, n), NodeIndex{7});
  EXPECT_EQ(sibling(NodeIndex{4}, n), NodeIndex{6});
  EXPECT_EQ(sibling(NodeIndex{3}, n), NodeIndex{11});

  const auto dp = direct_path(LeafIndex{2}.node(), n);
  EXPECT_EQ(dp.to_vector(), (std::vector<NodeIndex>{NodeIndex{5}, NodeIndex{3}, NodeIndex{7}}));
  const auto cp = copath(LeafIndex{2}.node(), n);
  EXPECT_EQ(cp.to_vector(), (std::vector<NodeIndex>{NodeIndex{6}, NodeIndex{1}, NodeIndex{11}}));
  EXPECT_TRUE(direct_path(root(n), n).empty());
  EXPECT_TRUE(copath(root(n), n).empty());
}

TEST(TreeMath, CommonAncestorMatchesSemanticDefinition) {
  // common_ancestor against the Appendix C "semantic" definition: the lowest node
  // on both (extended) direct paths.
  const LeafCount n{32};
  for (std::uint32_t x = 0; x < node_width(n); ++x) {
    for (std::uint32_t y = 0; y < node_width(n); ++y) {
      NodeIndex best = root(n);
      auto px = direct_path(NodeIndex{x}, n);
      auto py = direct_path(NodeIndex{y}, n);
      std::vector<NodeIndex> ax{NodeIndex{x}}, ay{NodeIndex{y}};
      ax.insert(ax.end(), px.begin(), px.end());
      ay.insert(ay.end(), py.begin(), py.end());
      for (auto a : ax) {
        for (auto b : ay) {
          if (a == b && level(a) < level(best)) best = a;
        }
      }
      ASSERT_EQ(common_ancestor(NodeIndex{x}, NodeIndex{y}), best) << x << " " << y;
      EXPECT_TRUE(is_in_subtree(NodeIndex{x}, best));
      EXPECT_TRUE(is_in_subtree(NodeIndex{y}, best));
    }
  }
}

TEST(TreeMath, SubtreeMembership) {
  EXPECT_TRUE(is_in_subtree(NodeIndex{4}, NodeIndex{3}));
  EXPECT_TRUE(is_in_subtree(NodeIndex{0}, NodeIndex{3}));
  EXPECT_TRUE(is_in_subtree(NodeIndex{6}, NodeIndex{3}));
  EXPECT_FALSE(is_in_subtree(NodeIndex{8}, NodeIndex{3}));
  EXPECT_TRUE(is_in_subtree(NodeIndex{3}, NodeIndex{3}));
  EXPECT_FALSE(is_in_subtree(NodeIndex{1}, NodeIndex{5}));
}

TEST(TreeMath, LeafCountsAndIndices) {
  EXPECT_EQ(LeafCount::full(1), LeafCount{1});
  EXPECT_EQ(LeafCount::full(3), LeafCount{4});
  EXPECT_EQ(LeafCount::full(1000), LeafCount{1024});
  EXPECT_EQ(LeafCount::from_node_width(15), LeafCount{8});
  EXPECT_EQ(NodeIndex{LeafIndex{5}}, NodeIndex{10});
  EXPECT_EQ(NodeIndex{10}.leaf(), LeafIndex{5});
  EXPECT_TRUE(is_leaf(NodeIndex{10}));
  EXPECT_FALSE(is_leaf(NodeIndex{9}));
  // Strong types encode as uint32 on the wire.
  EXPECT_EQ(tls::encode(LeafIndex{0x01020304}), (Bytes{1, 2, 3, 4}));
  auto decoded = tls::decode<LeafIndex>(Bytes{0, 0, 0, 9});
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, LeafIndex{9});
}

TEST(TreeMath, LargeTreePathsAreLogarithmic) {
  const LeafCount n{1u << 14};  // a 10 000-member meeting rounds up to 16 384 leaves
  const auto dp = direct_path(LeafIndex{9999}.node(), n);
  EXPECT_EQ(dp.size(), 14u);
  EXPECT_EQ(dp.back(), root(n));
  const auto cp = copath(LeafIndex{9999}.node(), n);
  ASSERT_EQ(cp.size(), 14u);
  for (std::size_t i = 0; i < cp.size(); ++i) {
    EXPECT_EQ(parent(cp[i], n), dp[i]);
  }
}

}  // namespace
}  // namespace ztm::mls
