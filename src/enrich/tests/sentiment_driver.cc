// Test and benchmark driver for the scorer and the `sentiment` command without the CLI, with
// exactly two argument shapes (the CLI's flags are the settings table's, src/config):
//   enrich_sentiment_driver --format csv|lines --column NAME FILE
//   enrich_sentiment_driver --time-scoring --column NAME FILE.csv
// The second loads the column into memory, scores every text once with one thread and
// prints {"texts":N,"cpu_seconds":S,"checksum":C}: the scorer alone, without I/O.
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "enrich/enrichers.h"
#include "enrich/sentiment_command.h"
#include "enrich/vader.h"

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int TimeScoring(const std::string& file, const std::string& column) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "sentiment: cannot open " << file << "\n";
    return 1;
  }
  std::vector<std::string> texts;
  int64_t skipped = 0;
  const auto st = covidflow::enrich::ForEachCsvValue(
      in, column, [&texts](std::string_view text) { texts.emplace_back(text); }, &skipped);
  if (!st.ok()) {
    std::cerr << "sentiment: " << st.ToString() << "\n";
    return 1;
  }
  const covidflow::enrich::VaderEnricher vader;
  double checksum = 0;
  const double start = CpuSeconds();
  for (const std::string& text : texts) checksum += vader.Score(text).compound;
  const double seconds = CpuSeconds() - start;
  std::cout.precision(12);
  std::cout << "{\"texts\":" << texts.size() << ",\"cpu_seconds\":" << seconds
            << ",\"checksum\":" << checksum << "}\n";
  return 0;
}

int Usage() {
  std::cerr << "usage: enrich_sentiment_driver --format csv|lines --column NAME FILE\n"
               "       enrich_sentiment_driver --time-scoring --column NAME FILE.csv\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "--time-scoring" && args[1] == "--column") {
    return TimeScoring(args[3], args[2]);
  }
  if (args.size() != 5 || args[0] != "--format" || args[2] != "--column") return Usage();
  covidflow::enrich::SentimentCommandOptions options;
  if (args[1] == "csv") {
    options.format = covidflow::enrich::SentimentCommandOptions::Format::kCsv;
    options.column = args[3];
  } else if (args[1] != "lines") {
    return Usage();
  }
  std::ifstream in(args[4], std::ios::binary);
  if (!in) {
    std::cerr << "sentiment: cannot open " << args[4] << "\n";
    return 1;
  }
  auto vader = covidflow::enrich::MakeEnricher(options.enricher);
  if (!vader.ok()) {
    std::cerr << "sentiment: " << vader.status().ToString() << "\n";
    return 1;
  }
  return covidflow::enrich::RunSentimentCommand(**vader, options, in, std::cout, std::cerr);
}
