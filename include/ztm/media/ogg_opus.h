// Ogg Opus files (RFC 7845 on the Ogg container of RFC 3533): a writer on libogg and
// a strict reader of our own (no libogg on the parsing side, so every byte of a
// hostile file goes through one bounded, typed-error parser).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"
#include "ztm/media/opus.h"

namespace ztm::media {

// Limits of the reader (STYLE rule 10).
inline constexpr std::size_t kOggMaxPageSize = 27 + 255 + std::size_t{255} * 255;  // RFC 3533 §6
inline constexpr std::size_t kOpusTagsMaxSize = std::size_t{64} * 1024;
inline constexpr std::size_t kOpusTagsMaxComments = 256;

// OpusHead is the identification header, RFC 7845 §5.1:
//
//   "OpusHead" | version u8 | channel count u8 | pre-skip u16le |
//   input sample rate u32le | output gain s16le | mapping family u8 |
//   [ stream count u8 | coupled count u8 | channel mapping u8 * channel count ]
struct OpusHead {
  std::uint8_t version = 1;
  std::uint8_t channel_count = 1;
  std::uint16_t pre_skip = 312;
  std::uint32_t input_sample_rate = 48000;
  std::int16_t output_gain = 0;  // Q7.8 dB
  std::uint8_t mapping_family = 0;
  // For mapping families other than 0 only:
  std::uint8_t stream_count = 1;
  std::uint8_t coupled_count = 0;
  std::vector<std::uint8_t> channel_mapping;

  Bytes serialize() const;
  // parse is strict: major version 0 (version 0..15, §5.1 "version"), channel count
  // ≥ 1, family 0 with 1 or 2 channels and no table, families 1 and 255 with a
  // consistent table (other families unsupported). RFC 7845 tells readers to ignore
  // bytes after the header for minor versions above 0; for version 1 they are
  // rejected with trailing_data.
  static Result<OpusHead> parse(ByteView packet);
  friend bool operator==(const OpusHead&, const OpusHead&) = default;
};

// OpusTags is the comment header, RFC 7845 §5.2 (Vorbis comment layout):
//   "OpusTags" | vendor length u32le | vendor | comment count u32le |
//   (length u32le | "KEY=value") * count | [padding or binary data]
struct OpusTags {
  std::string vendor = "ztmeet";
  std::vector<std::string> comments;

  Bytes serialize() const;
  // parse bounds the header by kOpusTagsMaxSize and kOpusTagsMaxComments; data after
  // the comments is allowed (RFC 7845 §5.2 lets it hold padding or binary data).
  static Result<OpusTags> parse(ByteView packet);
};

// OggPage is one page borrowed from the input, RFC 3533 §6:
//   "OggS" | version u8 = 0 | header_type u8 | granule_position u64le |
//   bitstream_serial_number u32le | page_sequence_number u32le | CRC_checksum u32le |
//   number_page_segments u8 | segment_table u8 * n | body
struct OggPage {
  std::uint8_t header_type = 0;
  std::uint64_t granule_position = 0;  // all ones: no packet ends on this page
  std::uint32_t serial = 0;
  std::uint32_t sequence = 0;
  std::span<const std::uint8_t> segment_table;
  ByteView body;
  std::size_t size = 0;  // bytes of the page in the input

  bool continued() const { return (header_type & 0x01) != 0; }
  bool first_page() const { return (header_type & 0x02) != 0; }  // BOS
  bool last_page() const { return (header_type & 0x04) != 0; }   // EOS
};

// parse_ogg_page reads the page at the start of data, checking capture pattern,
// version, flags (no unknown bits), segment table, body length and the CRC (RFC 3533
// §6: polynomial 0x04c11db7, computed with the CRC field zeroed). Errors: truncated
// when data ends inside the page, invalid_encoding otherwise (a CRC mismatch is
// invalid_encoding with a message starting "ogg.crc"; the CRC detects damage, it
// authenticates nothing).
Result<OggPage> parse_ogg_page(ByteView data);

// OggOpusWriter writes one Opus logical stream with libogg: the OpusHead page (BOS),
// the OpusTags page(s), then audio pages whose granule positions count 48 kHz samples
// including pre-skip (RFC 7845 §4), a page at least every second of audio, and an EOS
// page at finish(). Output accumulates until take_output(), so the caller chooses
// when and where to write it. Owns its libogg state.
class OggOpusWriter {
 public:
  static Result<OggOpusWriter> create(const OpusHead& head, const OpusTags& tags,
                                      std::uint32_t serial);
  ~OggOpusWriter();
  OggOpusWriter(OggOpusWriter&&) noexcept;
  OggOpusWriter& operator=(OggOpusWriter&&) noexcept;

  // write_packet adds one Opus packet; its duration comes from its TOC.
  // invalid_argument for a malformed packet, invalid_state after finish().
  Result<void> write_packet(ByteView packet);
  // finish marks the last packet end-of-stream and flushes every page.
  Result<void> finish();
  // take_output returns the bytes produced since the last call.
  Bytes take_output();

  std::uint64_t packet_count() const { return packets_; }
  std::uint64_t granule_position() const { return granule_; }

 private:
  OggOpusWriter() = default;
  struct State;
  Result<void> submit(ByteView packet, bool end_of_stream);
  void drain_pages(bool flush);
  std::unique_ptr<State> state_;
  Bytes output_;
  std::optional<Bytes> pending_;  // held back so the last packet can carry EOS
  std::uint64_t packets_ = 0;
  std::uint64_t granule_ = 0;
  std::uint64_t packets_since_page_ = 0;
  bool finished_ = false;
};

// OggOpusPacket is one audio packet read back, borrowing the reader's storage until
// the next call.
struct OggOpusPacket {
  ByteView data;
  // granule_position of the page on which this packet ends, when it is the last packet
  // to end there; nullopt otherwise.
  std::optional<std::uint64_t> page_granule_position;
};

// OggOpusReader parses a whole Ogg Opus file held in memory (borrowed: the input must
// outlive the reader). open() reads and checks the two header packets; next_packet()
// returns audio packets in order. Strict: one logical stream only (a second serial is
// unsupported), contiguous page sequence numbers, header pages with granule 0, the
// OpusHead alone on the BOS page, audio packets at most kOpusMaxPacketSize, nothing
// after the EOS page.
class OggOpusReader {
 public:
  static Result<OggOpusReader> open(ByteView file);

  const OpusHead& head() const { return head_; }
  const OpusTags& tags() const { return tags_; }
  // next_packet returns the next audio packet, nullopt at a clean end of stream.
  // A file that ends without an EOS page fails with truncated.
  Result<std::optional<OggOpusPacket>> next_packet();

 private:
  OggOpusReader() = default;
  // next_raw assembles the next packet from lacing values across pages.
  Result<std::optional<OggOpusPacket>> next_raw();
  Result<void> load_page();

  ByteView file_;
  std::size_t offset_ = 0;
  std::optional<OggPage> page_;
  std::size_t segment_ = 0;      // next lacing value of page_
  std::size_t body_offset_ = 0;  // next byte of page_->body
  bool have_serial_ = false;
  std::uint32_t serial_ = 0;
  std::uint32_t next_sequence_ = 0;
  bool eos_seen_ = false;
  std::size_t packets_read_ = 0;
  std::uint64_t last_granule_ = 0;
  Bytes packet_;
  OpusHead head_;
  OpusTags tags_;
};

// OggOpusFileSource plays the audio packets of an Ogg Opus file as frames, with RTP
// timestamps advancing by each packet's duration. It holds a copy of the file.
class OggOpusFileSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<OggOpusFileSource>> create(Bytes file,
                                                           std::uint32_t first_rtp_timestamp = 0);
  MediaKind kind() const override { return MediaKind::audio; }
  Result<bool> next(EncodedFrame& frame) override;
  std::uint32_t frame_duration_ticks() const override { return kOpusFrameSamples; }
  const OpusHead& head() const { return reader_->head(); }

 private:
  OggOpusFileSource() = default;
  Bytes file_;
  std::optional<OggOpusReader> reader_;
  std::uint32_t next_timestamp_ = 0;
};

}  // namespace ztm::media
