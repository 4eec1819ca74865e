// Test driver: `covidflow sentiment` without the CLI, for the parity test and the bench.
//   covidflow_sentiment_driver [--enricher vader] [--column text] [--format lines|csv] [FILE]
//   covidflow_sentiment_driver --time-scoring --column text FILE.csv
// The second form loads the column into memory, scores every text once with one thread and
// prints {"texts":N,"cpu_seconds":S,"checksum":C}: the scorer alone, without I/O.
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "enrich/internal/csv_reader.h"
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
  covidflow::enrich::internal::CsvReader reader(in);
  std::vector<std::string> fields;
  if (!reader.Next(fields)) return 1;
  size_t index = 0;
  while (index < fields.size() && fields[index] != column) ++index;
  if (index == fields.size()) {
    std::cerr << "sentiment: no column " << column << "\n";
    return 1;
  }
  std::vector<std::string> texts;
  while (reader.Next(fields)) {
    if (index < fields.size()) texts.push_back(std::move(fields[index]));
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

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  bool time_scoring = false;
  if (!args.empty() && args[0] == "--time-scoring") {
    time_scoring = true;
    args.erase(args.begin());
  }
  std::string file;
  auto options = covidflow::enrich::ParseSentimentArgs(args, file);
  if (!options.ok()) {
    std::cerr << "sentiment: " << options.status().ToString() << "\n";
    return 2;
  }
  if (time_scoring) return TimeScoring(file, options->column);
  if (file.empty())
    return covidflow::enrich::RunSentimentCommand(*options, std::cin, std::cout, std::cerr);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "sentiment: cannot open " << file << "\n";
    return 1;
  }
  return covidflow::enrich::RunSentimentCommand(*options, in, std::cout, std::cerr);
}
