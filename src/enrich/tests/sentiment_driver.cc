// Test driver: `covidflow sentiment` without the CLI, for the parity test and the bench.
//   covidflow_sentiment_driver [--enricher vader] [--column text] [--format lines|csv] [FILE]
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "enrich/sentiment_command.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string file;
  auto options = covidflow::enrich::ParseSentimentArgs(args, file);
  if (!options.ok()) {
    std::cerr << "sentiment: " << options.status().ToString() << "\n";
    return 2;
  }
  if (file.empty()) return covidflow::enrich::RunSentimentCommand(*options, std::cin, std::cout, std::cerr);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "sentiment: cannot open " << file << "\n";
    return 1;
  }
  return covidflow::enrich::RunSentimentCommand(*options, in, std::cout, std::cerr);
}
