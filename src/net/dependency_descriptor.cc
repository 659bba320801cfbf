#include "ztm/net/dependency_descriptor.h"

#include <algorithm>
#include <bit>

namespace ztm::net::dd {
namespace {

// BitReader reads f(n) and ns(n) of the AV1 specification (§4.10), MSB first.
class BitReader {
 public:
  explicit BitReader(ByteView data) : data_(data) {}
  Result<std::uint32_t> f(unsigned n) {
    if (n > data_.size() * 8 - pos_) return fail(Errc::truncated, "dd: ran out of bits");
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_) {
      v = (v << 1) | ((data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
    }
    return v;
  }
  // ns(n): a value in [0, n) in the non-symmetric unsigned encoding (AV1 §4.10.7).
  Result<std::uint32_t> ns(std::uint32_t n) {
    const unsigned w = static_cast<unsigned>(std::bit_width(n));
    const std::uint32_t m = (1u << w) - n;
    ZTM_TRY_ASSIGN(const std::uint32_t v, f(w - 1));
    if (v < m) return v;
    ZTM_TRY_ASSIGN(const std::uint32_t extra, f(1));
    return (v << 1) - m + extra;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class BitWriter {
 public:
  void f(unsigned n, std::uint32_t v) {
    for (unsigned i = n; i-- > 0;) {
      if (pos_ % 8 == 0) out_.push_back(0);
      if ((v >> i) & 1u) out_.back() |= static_cast<std::uint8_t>(0x80u >> (pos_ % 8));
      ++pos_;
    }
  }
  void ns(std::uint32_t n, std::uint32_t v) {
    const unsigned w = static_cast<unsigned>(std::bit_width(n));
    const std::uint32_t m = (1u << w) - n;
    if (v < m) {
      f(w - 1, v);
    } else {
      f(w - 1, (v + m) >> 1);
      f(1, (v + m) & 1u);
    }
  }
  Bytes take() && { return std::move(out_); }  // trailing bits are zero_padding

 private:
  Bytes out_;
  std::size_t pos_ = 0;
};

Result<TemplateStructure> read_structure(BitReader& r) {
  TemplateStructure s;
  ZTM_TRY_ASSIGN(const std::uint32_t offset, r.f(6));
  ZTM_TRY_ASSIGN(const std::uint32_t dt_minus_one, r.f(5));
  s.template_id_offset = static_cast<std::uint8_t>(offset);
  s.decode_target_count = dt_minus_one + 1;
  // template_layers()
  std::uint8_t spatial = 0, temporal = 0;
  for (;;) {
    if (s.templates.size() == kMaxTemplates) {
      return fail(Errc::limit_exceeded, "dd: more than 64 templates");
    }
    FrameTemplate t;
    t.spatial_id = spatial;
    t.temporal_id = temporal;
    s.templates.push_back(std::move(t));
    ZTM_TRY_ASSIGN(const std::uint32_t next_layer_idc, r.f(2));
    if (next_layer_idc == 3) break;
    if (next_layer_idc == 1) {
      ++temporal;
      if (temporal > 7) return fail(Errc::invalid_encoding, "dd: temporal id beyond 7");
    } else if (next_layer_idc == 2) {
      temporal = 0;
      ++spatial;
      if (spatial >= kMaxSpatialLayers) return fail(Errc::invalid_encoding, "dd: spatial id");
    }
  }
  // template_dtis()
  for (auto& t : s.templates) {
    for (std::size_t dt = 0; dt < s.decode_target_count; ++dt) {
      ZTM_TRY_ASSIGN(const std::uint32_t dti, r.f(2));
      t.dtis.push_back(static_cast<Dti>(dti));
    }
  }
  // template_fdiffs()
  for (auto& t : s.templates) {
    for (;;) {
      ZTM_TRY_ASSIGN(const std::uint32_t follows, r.f(1));
      if (!follows) break;
      if (t.fdiffs.size() == kMaxFdiffsPerTemplate) {
        return fail(Errc::limit_exceeded, "dd: too many fdiffs in a template");
      }
      ZTM_TRY_ASSIGN(const std::uint32_t fdiff_minus_one, r.f(4));
      t.fdiffs.push_back(static_cast<std::uint8_t>(fdiff_minus_one + 1));
    }
  }
  // template_chains()
  ZTM_TRY_ASSIGN(s.chain_count, r.ns(static_cast<std::uint32_t>(s.decode_target_count + 1)));
  if (s.chain_count > 0) {
    for (std::size_t dt = 0; dt < s.decode_target_count; ++dt) {
      ZTM_TRY_ASSIGN(const std::uint32_t chain, r.ns(static_cast<std::uint32_t>(s.chain_count)));
      s.decode_target_protected_by.push_back(static_cast<std::uint8_t>(chain));
    }
    for (auto& t : s.templates) {
      for (std::size_t c = 0; c < s.chain_count; ++c) {
        ZTM_TRY_ASSIGN(const std::uint32_t fdiff, r.f(4));
        t.chain_fdiffs.push_back(static_cast<std::uint8_t>(fdiff));
      }
    }
  }
  // decode_target_layers() reads nothing. resolutions:
  ZTM_TRY_ASSIGN(const std::uint32_t resolutions_present, r.f(1));
  if (resolutions_present) {
    for (std::uint8_t sid = 0; sid <= spatial; ++sid) {
      ZTM_TRY_ASSIGN(const std::uint32_t w, r.f(16));
      ZTM_TRY_ASSIGN(const std::uint32_t h, r.f(16));
      s.resolutions.push_back(
          {static_cast<std::uint16_t>(w + 1), static_cast<std::uint16_t>(h + 1)});
    }
  }
  return s;
}

std::uint8_t max_spatial_id(const TemplateStructure& s) {
  std::uint8_t m = 0;
  for (const auto& t : s.templates) m = std::max(m, t.spatial_id);
  return m;
}

Result<void> validate(const TemplateStructure& s) {
  if (s.template_id_offset > 63 || s.decode_target_count < 1 ||
      s.decode_target_count > kMaxDecodeTargets || s.templates.empty() ||
      s.templates.size() > kMaxTemplates || s.chain_count > s.decode_target_count) {
    return fail(Errc::invalid_argument, "dd: structure counts out of range");
  }
  // Templates must be ordered as template_layers() enumerates them.
  for (std::size_t i = 0; i < s.templates.size(); ++i) {
    const FrameTemplate& t = s.templates[i];
    if (t.dtis.size() != s.decode_target_count || t.fdiffs.size() > kMaxFdiffsPerTemplate ||
        t.chain_fdiffs.size() != s.chain_count) {
      return fail(Errc::invalid_argument, "dd: template field counts");
    }
    if (std::any_of(t.fdiffs.begin(), t.fdiffs.end(), [](auto d) { return d < 1 || d > 16; }) ||
        std::any_of(t.chain_fdiffs.begin(), t.chain_fdiffs.end(), [](auto d) { return d > 15; })) {
      return fail(Errc::invalid_argument, "dd: fdiff out of range");
    }
    if (i == 0) {
      if (t.spatial_id != 0 || t.temporal_id != 0) {
        return fail(Errc::invalid_argument, "dd: the first template must be S0T0");
      }
      continue;
    }
    const FrameTemplate& p = s.templates[i - 1];
    const bool same = t.spatial_id == p.spatial_id && t.temporal_id == p.temporal_id;
    const bool next_temporal = t.spatial_id == p.spatial_id && t.temporal_id == p.temporal_id + 1;
    const bool next_spatial = t.spatial_id == p.spatial_id + 1 && t.temporal_id == 0;
    if (!same && !next_temporal && !next_spatial) {
      return fail(Errc::invalid_argument, "dd: templates out of layer order");
    }
  }
  if (s.chain_count > 0 &&
      (s.decode_target_protected_by.size() != s.decode_target_count ||
       std::any_of(s.decode_target_protected_by.begin(), s.decode_target_protected_by.end(),
                   [&](auto c) { return c >= s.chain_count; }))) {
    return fail(Errc::invalid_argument, "dd: decode_target_protected_by");
  }
  if (!s.resolutions.empty() && s.resolutions.size() != max_spatial_id(s) + 1u) {
    return fail(Errc::invalid_argument, "dd: one resolution per spatial layer");
  }
  for (const auto& res : s.resolutions) {
    if (res.width == 0 || res.height == 0) return fail(Errc::invalid_argument, "dd: resolution");
  }
  return ok();
}

void write_structure(BitWriter& w, const TemplateStructure& s) {
  w.f(6, s.template_id_offset);
  w.f(5, static_cast<std::uint32_t>(s.decode_target_count - 1));
  for (std::size_t i = 0; i < s.templates.size(); ++i) {
    if (i + 1 == s.templates.size()) {
      w.f(2, 3);
      break;
    }
    const FrameTemplate& t = s.templates[i];
    const FrameTemplate& n = s.templates[i + 1];
    w.f(2, n.spatial_id != t.spatial_id ? 2u : n.temporal_id != t.temporal_id ? 1u : 0u);
  }
  for (const auto& t : s.templates) {
    for (Dti d : t.dtis) w.f(2, static_cast<std::uint32_t>(d));
  }
  for (const auto& t : s.templates) {
    for (std::uint8_t d : t.fdiffs) {
      w.f(1, 1);
      w.f(4, d - 1u);
    }
    w.f(1, 0);
  }
  w.ns(static_cast<std::uint32_t>(s.decode_target_count + 1),
       static_cast<std::uint32_t>(s.chain_count));
  if (s.chain_count > 0) {
    for (std::uint8_t c : s.decode_target_protected_by) {
      w.ns(static_cast<std::uint32_t>(s.chain_count), c);
    }
    for (const auto& t : s.templates) {
      for (std::uint8_t d : t.chain_fdiffs) w.f(4, d);
    }
  }
  w.f(1, s.resolutions.empty() ? 0 : 1);
  for (const auto& res : s.resolutions) {
    w.f(16, res.width - 1u);
    w.f(16, res.height - 1u);
  }
}

}  // namespace

Result<DependencyDescriptor> parse(ByteView extension) {
  if (extension.size() < 3) return fail(Errc::truncated, "dd: shorter than 3 bytes");
  BitReader r(extension);
  DependencyDescriptor d;
  d.start_of_frame = *r.f(1) != 0;
  d.end_of_frame = *r.f(1) != 0;
  d.frame_dependency_template_id = static_cast<std::uint8_t>(*r.f(6));
  d.frame_number = static_cast<std::uint16_t>(*r.f(16));
  if (extension.size() == 3) return d;
  ZTM_TRY_ASSIGN(const std::uint32_t flags, r.f(5));
  const bool structure_present = flags & 0x10;
  const bool active_present = flags & 0x08;
  d.custom_dtis = flags & 0x04;
  d.custom_fdiffs = flags & 0x02;
  d.custom_chains = flags & 0x01;
  if (structure_present) {
    ZTM_TRY_ASSIGN(d.structure, read_structure(r));
    // A.4: with a new structure, every decode target is active unless told otherwise.
    d.active_decode_targets_bitmask =
        static_cast<std::uint32_t>((std::uint64_t{1} << d.structure->decode_target_count) - 1);
  }
  if (active_present) {
    if (!d.structure) {
      // DtCnt comes from the stored structure of an earlier keyframe, which a stateless
      // parse does not have: the bitmask is left undecoded.
      d.active_decode_targets_bitmask.reset();
    } else {
      ZTM_TRY_ASSIGN(d.active_decode_targets_bitmask,
                     r.f(static_cast<unsigned>(d.structure->decode_target_count)));
    }
  }
  if (d.structure) {
    const std::size_t index =
        (d.frame_dependency_template_id + 64u - d.structure->template_id_offset) % 64u;
    if (index >= d.structure->templates.size()) {
      return fail(Errc::invalid_encoding, "dd: frame template id outside the structure");
    }
  }
  return d;
}

Result<Bytes> serialize(const DependencyDescriptor& d) {
  if (d.frame_dependency_template_id > 63) {
    return fail(Errc::invalid_argument, "dd: template id beyond 63");
  }
  if (d.custom_dtis || d.custom_fdiffs || d.custom_chains) {
    return fail(Errc::unsupported, "dd: custom per-frame fields are not written");
  }
  BitWriter w;
  w.f(1, d.start_of_frame);
  w.f(1, d.end_of_frame);
  w.f(6, d.frame_dependency_template_id);
  w.f(16, d.frame_number);
  if (!d.structure) {
    if (d.active_decode_targets_bitmask) {
      return fail(Errc::unsupported, "dd: an active mask without a structure is not written");
    }
    return std::move(w).take();
  }
  ZTM_TRY(validate(*d.structure));
  const std::size_t index =
      (d.frame_dependency_template_id + 64u - d.structure->template_id_offset) % 64u;
  if (index >= d.structure->templates.size()) {
    return fail(Errc::invalid_argument, "dd: frame template id outside the structure");
  }
  const std::uint32_t all =
      static_cast<std::uint32_t>((std::uint64_t{1} << d.structure->decode_target_count) - 1);
  const bool write_mask =
      d.active_decode_targets_bitmask && *d.active_decode_targets_bitmask != all;
  w.f(1, 1);
  w.f(1, write_mask ? 1 : 0);
  w.f(3, 0);
  write_structure(w, *d.structure);
  if (write_mask) {
    w.f(static_cast<unsigned>(d.structure->decode_target_count), *d.active_decode_targets_bitmask);
  }
  return std::move(w).take();
}

}  // namespace ztm::net::dd
