// MediaRecorder: writes what a receiver decrypted into one file per remote
// participant and kind — "<prefix>leaf<N>-audio.opus" (Ogg Opus) and
// "<prefix>leaf<N>-video.ivf" — so it can be compared with what was sent. Files are
// written incrementally on flush() and finalized (Ogg EOS page, IVF frame count) on
// close(). File I/O only; no sockets, no threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/media/receiver.h"

namespace ztm::media {

class MediaRecorder {
 public:
  // directory must exist; prefix goes in front of every file name.
  MediaRecorder(std::string directory, std::string prefix = "");
  ~MediaRecorder();
  MediaRecorder(MediaRecorder&&) noexcept;
  MediaRecorder& operator=(MediaRecorder&&) noexcept;

  // add stores one decrypted frame in the sender's track, creating the track on its
  // first frame (audio: an OpusHead with the packet's channel count and pre-skip 312;
  // video: an IVF header sized from the first keyframe, 90 kHz timestamps relative to
  // the track's first frame). Video frames before the first keyframe are skipped
  // (counted), since no decoder could start there. invalid_argument for a frame the
  // writer refuses (e.g. not an Opus packet).
  Result<void> add(const ReceivedFrame& frame);
  // flush appends what the writers produced to their files (io_error on failure).
  Result<void> flush();
  // close finishes every track, flushes, and rewrites each IVF header's frame count;
  // add() fails with invalid_state afterwards.
  Result<void> close();

  // paths lists the files written so far.
  std::vector<std::string> paths() const;
  std::uint64_t frames_skipped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::media
