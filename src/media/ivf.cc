// IVF files: header, writer, strict reader, file source.
#include "ztm/media/ivf.h"

#include <cstring>

#include "internal/le.h"
#include "ztm/media/vp8.h"

namespace ztm::media {

using internal::get_le;
using internal::put_le;
using internal::Reader;

std::array<std::uint8_t, kIvfFileHeaderSize> IvfHeader::serialize() const {
  Bytes b;
  append(b, as_bytes("DKIF"));
  put_le(b, 0, 2);                   // version
  put_le(b, kIvfFileHeaderSize, 2);  // header size
  append(b, ByteView(reinterpret_cast<const std::uint8_t*>(fourcc.data()), 4));
  put_le(b, width, 2);
  put_le(b, height, 2);
  put_le(b, timebase_den, 4);
  put_le(b, timebase_num, 4);
  put_le(b, frame_count, 4);
  put_le(b, 0, 4);  // unused
  std::array<std::uint8_t, kIvfFileHeaderSize> out{};
  std::memcpy(out.data(), b.data(), out.size());
  return out;
}

Result<IvfHeader> IvfHeader::parse(ByteView data) {
  if (data.size() < kIvfFileHeaderSize) return fail(Errc::truncated, "ivf.header: truncated");
  if (!equal(data.first(4), as_bytes("DKIF")))
    return fail(Errc::invalid_encoding, "ivf.header: no DKIF signature");
  if (get_le(data.subspan(4), 2) != 0)
    return fail(Errc::unsupported, "ivf.header: version is not 0");
  if (get_le(data.subspan(6), 2) != kIvfFileHeaderSize) {
    return fail(Errc::invalid_encoding, "ivf.header: header size is not 32");
  }
  IvfHeader h;
  std::memcpy(h.fourcc.data(), data.data() + 8, 4);
  if (!equal(data.subspan(8, 4), as_bytes("VP80")))
    return fail(Errc::unsupported, "ivf.header: fourcc is not VP80");
  h.width = static_cast<std::uint16_t>(get_le(data.subspan(12), 2));
  h.height = static_cast<std::uint16_t>(get_le(data.subspan(14), 2));
  h.timebase_den = static_cast<std::uint32_t>(get_le(data.subspan(16), 4));
  h.timebase_num = static_cast<std::uint32_t>(get_le(data.subspan(20), 4));
  h.frame_count = static_cast<std::uint32_t>(get_le(data.subspan(24), 4));
  if (h.width == 0 || h.height == 0)
    return fail(Errc::invalid_encoding, "ivf.header: zero width or height");
  if (h.timebase_den == 0 || h.timebase_num == 0)
    return fail(Errc::invalid_encoding, "ivf.header: zero timebase");
  return h;
}

IvfWriter::IvfWriter(const IvfHeader& header) : header_(header) {
  header_.frame_count = 0;
  const auto bytes = header_.serialize();
  output_.assign(bytes.begin(), bytes.end());
}

Result<void> IvfWriter::write_frame(ByteView frame, std::uint64_t pts) {
  if (frame.empty() || frame.size() > kMaxFrameSize) {
    return fail(Errc::invalid_argument, "ivf.writer: frame empty or over kMaxFrameSize");
  }
  put_le(output_, frame.size(), 4);
  put_le(output_, pts, 8);
  append(output_, frame);
  ++header_.frame_count;
  return ok();
}

Bytes IvfWriter::take_output() {
  Bytes out;
  out.swap(output_);
  return out;
}

Result<IvfReader> IvfReader::open(ByteView file) {
  IvfReader r;
  ZTM_TRY_ASSIGN(r.header_, IvfHeader::parse(file));
  r.file_ = file;
  r.offset_ = kIvfFileHeaderSize;
  return r;
}

Result<std::optional<IvfFrame>> IvfReader::next_frame() {
  if (offset_ == file_.size()) return std::optional<IvfFrame>();
  Reader r(file_.subspan(offset_));
  ZTM_TRY_ASSIGN(const auto size, r.le(4, "ivf.frame.size"));
  ZTM_TRY_ASSIGN(const auto pts, r.le(8, "ivf.frame.pts"));
  if (size == 0) return fail(Errc::invalid_encoding, "ivf.frame: empty frame");
  if (size > kMaxFrameSize) return fail(Errc::limit_exceeded, "ivf.frame: over kMaxFrameSize");
  ZTM_TRY_ASSIGN(const auto data, r.bytes(size, "ivf.frame.data"));
  offset_ += r.position();
  return std::optional<IvfFrame>(IvfFrame{data, pts});
}

Result<std::unique_ptr<IvfFileSource>> IvfFileSource::create(Bytes file,
                                                             std::uint32_t first_rtp_timestamp) {
  std::unique_ptr<IvfFileSource> s(new IvfFileSource());
  s->file_ = std::move(file);
  ZTM_TRY_ASSIGN(auto reader, IvfReader::open(s->file_));
  s->reader_.emplace(reader);
  s->first_rtp_timestamp_ = first_rtp_timestamp;
  return s;
}

Result<bool> IvfFileSource::next(EncodedFrame& frame) {
  ZTM_TRY_ASSIGN(auto f, reader_->next_frame());
  if (!f) return false;
  const IvfHeader& h = reader_->header();
  // pts × num / den seconds, in 90 kHz ticks; 128-bit intermediate so no overflow.
  __extension__ using U128 = unsigned __int128;
  const auto ticks = static_cast<U128>(f->pts) * h.timebase_num * kVideoClockRate / h.timebase_den;
  frame.kind = MediaKind::video;
  frame.data.assign(f->data.begin(), f->data.end());
  frame.rtp_timestamp = first_rtp_timestamp_ + static_cast<std::uint32_t>(ticks);
  frame.keyframe = vp8_is_keyframe(f->data);
  return true;
}

}  // namespace ztm::media
