// The Dependency Descriptor RTP header extension (AV1 RTP payload specification,
// Appendix A; negotiated as
// "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
// and used by browsers for VP8, VP9 and AV1 alike). It travels in clear beside the
// SFrame ciphertext, so an SFU learns frame boundaries, frame numbers and keyframes
// (a frame that carries the template dependency structure) without the plaintext.
//
// A.2 syntax, the part decoded here:
//   dependency_descriptor(sz) {
//     mandatory_descriptor_fields()       start_of_frame f(1), end_of_frame f(1),
//                                          frame_dependency_template_id f(6),
//                                          frame_number f(16)
//     if (sz > 3) extended_descriptor_fields()
//     frame_dependency_definition()       (not decoded: needs the stored structure)
//   }
//   extended_descriptor_fields() {
//     template_dependency_structure_present_flag f(1)
//     active_decode_targets_present_flag f(1)
//     custom_dtis_flag f(1), custom_fdiffs_flag f(1), custom_chains_flag f(1)
//     if (template_dependency_structure_present_flag) template_dependency_structure()
//     if (active_decode_targets_present_flag) active_decode_targets_bitmask f(DtCnt)
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::net::dd {

// Limits of the syntax itself: 6-bit template ids, 5-bit decode-target count.
inline constexpr std::size_t kMaxTemplates = 64;
inline constexpr std::size_t kMaxDecodeTargets = 32;
inline constexpr std::size_t kMaxFdiffsPerTemplate = 16;
inline constexpr std::size_t kMaxSpatialLayers = 4;

// DecodeTargetIndication, Table A.1.
enum class Dti : std::uint8_t { not_present = 0, discardable = 1, switch_ = 2, required = 3 };

struct FrameTemplate {
  std::uint8_t spatial_id = 0;
  std::uint8_t temporal_id = 0;
  std::vector<Dti> dtis;                   // one per decode target
  std::vector<std::uint8_t> fdiffs;        // 1..16 each
  std::vector<std::uint8_t> chain_fdiffs;  // one per chain, 0..15
};

struct RenderResolution {
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  friend bool operator==(const RenderResolution&, const RenderResolution&) = default;
};

// TemplateStructure is template_dependency_structure() (A.2).
struct TemplateStructure {
  std::uint8_t template_id_offset = 0;  // 0..63
  std::size_t decode_target_count = 1;  // 1..32
  std::vector<FrameTemplate> templates;
  std::size_t chain_count = 0;                           // 0..decode_target_count
  std::vector<std::uint8_t> decode_target_protected_by;  // per decode target, if chains
  std::vector<RenderResolution> resolutions;             // one per spatial layer, or none
};

// DependencyDescriptor is the decoded extension.
struct DependencyDescriptor {
  bool start_of_frame = false;
  bool end_of_frame = false;
  std::uint8_t frame_dependency_template_id = 0;
  std::uint16_t frame_number = 0;
  std::optional<TemplateStructure> structure;
  std::optional<std::uint32_t> active_decode_targets_bitmask;
  bool custom_dtis = false;
  bool custom_fdiffs = false;
  bool custom_chains = false;

  // is_keyframe: the frame carries the dependency structure, which a sender attaches
  // to keyframes (decoding can start there). ztmeet's forwarding relies on that.
  bool is_keyframe() const { return structure.has_value(); }
};

// parse decodes the mandatory fields and the extended fields with the structure.
// Fields of frame_dependency_definition() (custom DTIs, fdiffs, chains) are left
// undecoded. Fails with truncated or invalid_encoding on malformed input; every
// count is bounded by the syntax limits above.
Result<DependencyDescriptor> parse(ByteView extension);

// serialize writes the extension. Custom per-frame fields are not written
// (unsupported if asked for); the structure is validated first.
Result<Bytes> serialize(const DependencyDescriptor& descriptor);

}  // namespace ztm::net::dd
