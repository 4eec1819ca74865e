#pragma once
// Shared printing of stage results (process, demo).
#include <nlohmann/json.hpp>
#include <string>

#include "process/processor.h"

namespace covidflow::cli {

nlohmann::json ProcessorCountsJson(const process::ProcessorCounts& c);
std::string ProcessorCountsText(const process::ProcessorCounts& c);

}  // namespace covidflow::cli
