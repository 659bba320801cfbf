#include "ztm/net/dependency_descriptor.h"

#include <gtest/gtest.h>

namespace ztm::net::dd {
namespace {

// Sent by Chrome 118 for VP8 L1T1 at 640x480 (recorded in baresip/re test/dd.c):
// keyframe, frame 1, two templates, one decode target, no chains.
const char* kChromeKeyframe = "80000180003a40813f80ef80";
// An L1T3 structure (libwebrtc's ScalabilityStructureL1T3, as recorded in the same
// file): five templates, three decode targets, one chain.
const char* kL1T3Keyframe = "80012f800214eaa860414d1410208426";

TEST(DependencyDescriptor, ParsesChromeKeyframe) {
  auto d = parse(from_hex(kChromeKeyframe).value());
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_TRUE(d->start_of_frame);
  EXPECT_FALSE(d->end_of_frame);
  EXPECT_EQ(d->frame_dependency_template_id, 0);
  EXPECT_EQ(d->frame_number, 1);
  ASSERT_TRUE(d->is_keyframe());
  const TemplateStructure& s = *d->structure;
  EXPECT_EQ(s.template_id_offset, 0);
  EXPECT_EQ(s.decode_target_count, 1u);
  ASSERT_EQ(s.templates.size(), 2u);
  EXPECT_EQ(s.templates[0].dtis[0], Dti::switch_);
  EXPECT_TRUE(s.templates[0].fdiffs.empty());
  ASSERT_EQ(s.templates[1].fdiffs.size(), 1u);
  EXPECT_EQ(s.templates[1].fdiffs[0], 1);
  EXPECT_EQ(s.chain_count, 0u);
  ASSERT_EQ(s.resolutions.size(), 1u);
  EXPECT_EQ(s.resolutions[0], (RenderResolution{640, 480}));
  EXPECT_EQ(d->active_decode_targets_bitmask, 1u);
}

TEST(DependencyDescriptor, ParsesL1T3Structure) {
  auto d = parse(from_hex(kL1T3Keyframe).value());
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(d->frame_number, 303);
  ASSERT_TRUE(d->structure);
  const TemplateStructure& s = *d->structure;
  EXPECT_EQ(s.decode_target_count, 3u);
  ASSERT_EQ(s.templates.size(), 5u);
  const int temporal[] = {0, 0, 1, 2, 2};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.templates[i].temporal_id, temporal[i]);
  EXPECT_EQ(s.templates[2].dtis[0], Dti::not_present);
  EXPECT_EQ(s.templates[2].dtis[1], Dti::discardable);
  EXPECT_EQ(s.templates[2].dtis[2], Dti::switch_);
  EXPECT_EQ(s.templates[1].fdiffs, (std::vector<std::uint8_t>{4}));
  EXPECT_EQ(s.chain_count, 1u);
  EXPECT_EQ(s.decode_target_protected_by, (std::vector<std::uint8_t>{0, 0, 0}));
  EXPECT_EQ(s.templates[4].chain_fdiffs, (std::vector<std::uint8_t>{3}));
  EXPECT_TRUE(s.resolutions.empty());
  EXPECT_EQ(d->active_decode_targets_bitmask, 7u);
}

TEST(DependencyDescriptor, SerializeReproducesRecordedBytes) {
  for (const char* hex : {kChromeKeyframe, kL1T3Keyframe}) {
    const Bytes bytes = from_hex(hex).value();
    auto d = parse(bytes);
    ASSERT_TRUE(d);
    auto again = serialize(*d);
    ASSERT_TRUE(again) << again.error().what();
    // The recorded extensions may end in zero padding bytes beyond our minimum.
    ASSERT_LE(again->size(), bytes.size());
    EXPECT_TRUE(equal(*again, ByteView(bytes).first(again->size()))) << hex;
    for (std::size_t i = again->size(); i < bytes.size(); ++i) EXPECT_EQ(bytes[i], 0);
  }
}

TEST(DependencyDescriptor, DeltaFrameIsThreeBytes) {
  DependencyDescriptor d;
  d.start_of_frame = false;
  d.end_of_frame = true;
  d.frame_dependency_template_id = 1;
  d.frame_number = 0xBEEF;
  const Bytes b = serialize(d).value();
  EXPECT_EQ(to_hex(b), "41beef");
  auto back = parse(b).value();
  EXPECT_FALSE(back.is_keyframe());
  EXPECT_TRUE(back.end_of_frame);
  EXPECT_EQ(back.frame_number, 0xBEEF);
}

TEST(DependencyDescriptor, WritesAndReadsAnActiveMaskAndChains) {
  TemplateStructure s;
  s.template_id_offset = 60;
  s.decode_target_count = 2;
  FrameTemplate t0{0, 0, {Dti::switch_, Dti::switch_}, {}, {0}};
  FrameTemplate t1{0, 1, {Dti::not_present, Dti::discardable}, {1, 2}, {1}};
  s.templates = {t0, t1};
  s.chain_count = 1;
  s.decode_target_protected_by = {0, 0};
  s.resolutions = {{1280, 720}};
  DependencyDescriptor d;
  d.start_of_frame = true;
  d.frame_dependency_template_id = 61;  // template 1 with offset 60
  d.frame_number = 7;
  d.structure = s;
  d.active_decode_targets_bitmask = 1;
  const Bytes b = serialize(d).value();
  auto back = parse(b);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->active_decode_targets_bitmask, 1u);
  EXPECT_EQ(back->structure->templates[1].fdiffs, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(back->structure->resolutions[0], (RenderResolution{1280, 720}));
  EXPECT_EQ(back->structure->template_id_offset, 60);
}

TEST(DependencyDescriptor, RejectsMalformed) {
  EXPECT_EQ(parse(from_hex("8000").value()).error().code, Errc::truncated);
  // Structure flag set but the structure runs out of bits.
  EXPECT_EQ(parse(from_hex("80000180").value()).error().code, Errc::truncated);
  // Template id 5 while the Chrome structure has 2 templates.
  Bytes b = from_hex(kChromeKeyframe).value();
  b[0] = 0x85;
  EXPECT_EQ(parse(b).error().code, Errc::invalid_encoding);
  // A structure with 65 templates: next_layer_idc = 0 forever.
  Bytes many = from_hex("8000018000").value();
  many.resize(64, 0);
  EXPECT_EQ(parse(many).error().code, Errc::limit_exceeded);
}

TEST(DependencyDescriptor, SerializeValidates) {
  DependencyDescriptor d;
  d.custom_dtis = true;
  EXPECT_EQ(serialize(d).error().code, Errc::unsupported);
  d.custom_dtis = false;
  d.structure = TemplateStructure{};  // no templates
  EXPECT_EQ(serialize(d).error().code, Errc::invalid_argument);
  d.structure->templates = {FrameTemplate{0, 2, {Dti::switch_}, {}, {}}};
  EXPECT_EQ(serialize(d).error().code, Errc::invalid_argument);  // first must be S0T0
}

}  // namespace
}  // namespace ztm::net::dd
