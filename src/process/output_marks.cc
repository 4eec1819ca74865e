#include "process/output_marks.h"

#include <cstdint>

#include "base/numbers.h"

namespace covidflow::process {
namespace {

constexpr std::string_view kPrefix = "v1 enriched=";
constexpr std::string_view kDlq = " dlq=";

}  // namespace

std::string FormatMarks(const OutputMarks& marks) {
  return std::string(kPrefix) + std::to_string(marks.enriched.value()) + std::string(kDlq) +
         std::to_string(marks.dlq.value());
}

std::optional<OutputMarks> ParseMarks(std::string_view metadata) {
  if (!metadata.starts_with(kPrefix)) return std::nullopt;
  metadata.remove_prefix(kPrefix.size());
  const size_t sp = metadata.find(kDlq);
  if (sp == std::string_view::npos) return std::nullopt;
  auto e = ParseInt(metadata.substr(0, sp));
  auto d = ParseInt(metadata.substr(sp + kDlq.size()));
  if (!e || !d) return std::nullopt;
  return OutputMarks{Offset(*e), Offset(*d)};
}

}  // namespace covidflow::process
