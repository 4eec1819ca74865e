#pragma once
// The one place registry names are checked, by both backends and the CLI, before anything is
// stored or sent: names become directories of the embedded artifact store and parts of MLflow
// URLs, so what is refused here can never traverse out of the store.
#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "registry/registry.h"

namespace covidflow::registry {

inline constexpr size_t kMaxNameBytes = 256;
// MLflow's limits on values, kept on both backends so a registry can move between them.
inline constexpr size_t kMaxParamValueBytes = 6000;
inline constexpr size_t kMaxTagValueBytes = 8000;

// Experiment, model, tag, param, metric and lineage names. Refused (kInvalidArgument naming
// `field` and the reason): empty, over kMaxNameBytes bytes, containing '/' or '\\', "..",
// a control character (below 0x20 or 0x7f), or invalid UTF-8; "." alone.
Status ValidateName(std::string_view field, std::string_view name);
// An alias: a name as above that MLflow would also accept: not "latest" and not a version
// reference ("v3", "V12"), which would be ambiguous with a version number.
Status ValidateAlias(std::string_view alias);
// Every key of `data` (params, metric keys, tags, lineage) as a name, and values within the
// limits above; kInvalidArgument naming the first offender.
Status ValidateRunData(const RunData& data);
// Tag keys as names, values within kMaxTagValueBytes.
Status ValidateTags(std::string_view field, const StringMap& tags);
// An actor and a reason of a change: a non-empty actor without control characters, both within
// kMaxNameBytes / kMaxTagValueBytes.
Status ValidateChange(const Change& change);
// A version number given on a command line or in a URL: a positive decimal integer.
Result<int64_t> ParseVersion(std::string_view text);

}  // namespace covidflow::registry
