// sentiment [FILE]: scores text lines or a CSV column as JSONL (enrich/sentiment_command.h).
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "enrich/enrichers.h"
#include "enrich/sentiment_command.h"

namespace covidflow::cli {

int RunSentiment(const config::Config& c, const app::Settings& s) {
  const enrich::SentimentCommandOptions& o = s.sentiment;
  const auto& pos = c.positional();
  if (pos.size() > 1) return Usage("sentiment", "at most one input file");
  std::ios::sync_with_stdio(false);
  if (pos.empty() || pos[0] == "-")
    return enrich::RunSentimentCommand(o, std::cin, std::cout, std::cerr);
  std::ifstream in(pos[0], std::ios::binary);
  if (!in) return Fail("sentiment", Status::FromErrno(errno, "cannot read " + pos[0]));
  return enrich::RunSentimentCommand(o, in, std::cout, std::cerr);
}

}  // namespace covidflow::cli
