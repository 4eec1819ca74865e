#pragma once
// The embedded log's file names: segments, indexes, temporary files, and which topic and
// group names are safe as path components. The file I/O itself is base/fs.h.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"
#include "base/status.h"

namespace covidflow::log::file {

// The hidden temporary name beside `path` that ReplaceFileAtomically writes first:
// "<dir>/.tmp-<pid>-<n>-<file name>" (docs/formats/log.md), unique within the process.
std::string TempPathFor(const std::string& path);

// "00000000000000001234.log" and ".index" for a segment whose first offset is 1234.
std::string SegmentFileName(int64_t base_offset);
std::string IndexFileName(int64_t base_offset);
// Base offsets of the segments in a partition directory, ascending.
Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir);

// A name safe as one path component: [A-Za-z0-9._-], 1..249 bytes, not "." or "..", not
// starting with '.' (reserved for temporary files).
bool IsValidName(std::string_view name);

}  // namespace covidflow::log::file
