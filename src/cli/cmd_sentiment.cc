// sentiment [FILE]: scores text lines or a CSV column as JSONL (enrich/sentiment_command.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/app.h"
#include "cli/commands.h"
#include "enrich/enrichers.h"
#include "enrich/sentiment_command.h"

namespace covidflow::cli {

int RunSentiment(const config::Config& c, const app::Settings& s) {
  const enrich::SentimentCommandOptions& o = s.sentiment;
  if (o.list) {
    for (const enrich::EnricherInfo& e : enrich::ListEnrichers()) {
      std::printf("%-12s %s\n", e.name.c_str(), e.description.c_str());
    }
    return 0;
  }
  if (Status st = enrich::CheckEnricher(o.enricher); !st.ok()) {
    return Usage("sentiment", st.WithContext("--enricher").message());
  }
  const auto& pos = c.positional();
  if (pos.size() > 1) return Usage("sentiment", "at most one input file");
  Result<std::unique_ptr<enrich::Enricher>> enricher = app::MakeEnricher(o.enricher);
  if (!enricher.ok()) return Fail("sentiment", enricher.status());
  std::ios::sync_with_stdio(false);
  if (pos.empty() || pos[0] == "-") {
    return enrich::RunSentimentCommand(**enricher, o, std::cin, std::cout, std::cerr);
  }
  // An ifstream opens a directory and then reads nothing, which would look like an empty file.
  std::error_code ec;
  if (std::filesystem::is_directory(pos[0], ec)) {
    return Fail("sentiment", Status::InvalidArgument("cannot read " + pos[0] + ": is a directory"));
  }
  std::ifstream in(pos[0], std::ios::binary);
  if (!in) return Fail("sentiment", Status::FromErrno(errno, "cannot read " + pos[0]));
  return enrich::RunSentimentCommand(**enricher, o, in, std::cout, std::cerr);
}

}  // namespace covidflow::cli
