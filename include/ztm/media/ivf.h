// IVF files: the simple container libvpx's tools use for VP8 (a 32-byte file header,
// then a 12-byte header before each frame; all integers little-endian). There is no
// RFC; the layout is libvpx's ivfenc/ivfdec and the WebM project's description:
//
//   file header: "DKIF" | version u16 = 0 | header size u16 = 32 | fourcc "VP80" |
//                width u16 | height u16 | timebase denominator u32 |
//                timebase numerator u32 | frame count u32 | unused u32
//   frame:       frame size u32 | presentation timestamp u64 | frame bytes
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"

namespace ztm::media {

inline constexpr std::size_t kIvfFileHeaderSize = 32;
inline constexpr std::size_t kIvfFrameHeaderSize = 12;

// IvfHeader is the file header. The timestamps of frames count 1/timebase_den
// seconds times timebase_num (ztmeet writes the 90 kHz RTP clock: 90000/1).
struct IvfHeader {
  std::array<char, 4> fourcc{'V', 'P', '8', '0'};
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  std::uint32_t timebase_den = kVideoClockRate;
  std::uint32_t timebase_num = 1;
  std::uint32_t frame_count = 0;

  std::array<std::uint8_t, kIvfFileHeaderSize> serialize() const;
  // parse is strict: signature, version 0, header size 32, fourcc VP80 (any other is
  // unsupported), non-zero size and timebase. frame_count is reported, not enforced:
  // a writer that stopped early leaves it stale (the reader counts what is there).
  static Result<IvfHeader> parse(ByteView data);
};

// IvfWriter produces an IVF file incrementally: the header first, then frames; the
// bytes accumulate until take_output(). Because the frame count sits in the header, a
// writer that streams to a file rewrites the first 32 bytes with header() at the end.
class IvfWriter {
 public:
  explicit IvfWriter(const IvfHeader& header);
  // write_frame appends one frame; invalid_argument for an empty frame or one over
  // kMaxFrameSize.
  Result<void> write_frame(ByteView frame, std::uint64_t pts);
  Bytes take_output();
  // header is the file header with the current frame count.
  std::array<std::uint8_t, kIvfFileHeaderSize> header() const { return header_.serialize(); }
  std::uint32_t frame_count() const { return header_.frame_count; }

 private:
  IvfHeader header_;
  Bytes output_;
};

// IvfFrame is one frame read back, borrowing the file.
struct IvfFrame {
  ByteView data;
  std::uint64_t pts = 0;
};

// IvfReader walks an IVF file held in memory (borrowed). Frames larger than
// kMaxFrameSize, empty frames and a file ending inside a frame are errors.
class IvfReader {
 public:
  static Result<IvfReader> open(ByteView file);
  const IvfHeader& header() const { return header_; }
  // next_frame returns the next frame, nullopt at the end of the file.
  Result<std::optional<IvfFrame>> next_frame();

 private:
  IvfReader() = default;
  ByteView file_;
  std::size_t offset_ = 0;
  IvfHeader header_;
};

// IvfFileSource plays the frames of an IVF file, converting timestamps to the 90 kHz
// RTP clock. It holds a copy of the file.
class IvfFileSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<IvfFileSource>> create(Bytes file,
                                                       std::uint32_t first_rtp_timestamp = 0);
  MediaKind kind() const override { return MediaKind::video; }
  Result<bool> next(EncodedFrame& frame) override;
  std::uint32_t frame_duration_ticks() const override { return kVideoClockRate / 30; }
  const IvfHeader& header() const { return reader_->header(); }

 private:
  IvfFileSource() = default;
  Bytes file_;
  std::optional<IvfReader> reader_;
  std::uint32_t first_rtp_timestamp_ = 0;
};

}  // namespace ztm::media
