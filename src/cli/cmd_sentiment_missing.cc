// Built when this build has no sentiment enricher library (src/enrich).
#include "cli/commands.h"

namespace covidflow::cli {

int RunSentiment(const config::Config&) {
  return Fail("sentiment", Status::FailedPrecondition("this build has no sentiment enricher"));
}

}  // namespace covidflow::cli
