#include "enrich/sentiment_command.h"

#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "enrich/internal/csv_reader.h"
#include "enrich/internal/utf8.h"
#include "enrich/registry.h"
#include "enrich/vader.h"
#include "schema/text_writer.h"

namespace covidflow::enrich {
namespace {

std::string_view LabelName(schema::Sentiment::Label label) {
  switch (label) {
    case schema::Sentiment::Label::kPositive:
      return "positive";
    case schema::Sentiment::Label::kNegative:
      return "negative";
    case schema::Sentiment::Label::kNeutral:
      break;
  }
  return "neutral";
}

class Writer {
 public:
  Writer(const Enricher& enricher, std::ostream& out)
      : enricher_(enricher), vader_(dynamic_cast<const VaderEnricher*>(&enricher)), out_(out) {}
  ~Writer() { Flush(); }

  void Write(std::string_view raw) {
    std::string_view text = raw;
    if (!internal::IsValidUtf8(raw)) {
      repaired_.clear();
      internal::AppendReplacingInvalidUtf8(repaired_, raw);
      text = repaired_;
    }
    schema::Sentiment s;
    buf_ += "{\"text\":";
    schema::AppendJsonString(buf_, text);
    if (vader_ != nullptr) {
      const VaderScores v = vader_->ScoreVader(text);
      s = ToSentiment(v);
      AppendNumber("neg", v.neg);
      AppendNumber("neu", v.neu);
      AppendNumber("pos", v.pos);
      AppendNumber("compound", v.compound);
    } else {
      s = enricher_.Score(text);
    }
    AppendNumber("positive", s.positive);
    AppendNumber("neutral", s.neutral);
    AppendNumber("negative", s.negative);
    buf_ += ",\"label\":";
    schema::AppendJsonString(buf_, LabelName(s.label));
    buf_ += ",\"enricher\":";
    schema::AppendJsonString(buf_, enricher_.Id());
    buf_ += "}\n";
    if (buf_.size() > (1 << 16)) Flush();
  }

  void Flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

 private:
  void AppendNumber(std::string_view key, double v) {
    buf_ += ",\"";
    buf_ += key;
    buf_ += "\":";
    schema::AppendDouble(buf_, v);
  }

  const Enricher& enricher_;
  const VaderEnricher* vader_;  // non-null: also write VADER's own four numbers
  std::ostream& out_;
  std::string buf_;
  std::string repaired_;
};

int RunLines(Writer& writer, std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    writer.Write(line);
  }
  return 0;
}

int RunCsv(Writer& writer, const std::string& column, std::istream& in, std::ostream& err) {
  internal::CsvReader reader(in);
  std::vector<std::string> fields;
  if (!reader.Next(fields)) {
    err << "sentiment: the CSV input is empty (no header)\n";
    return 1;
  }
  if (!fields.empty() && fields[0].rfind("\xEF\xBB\xBF", 0) == 0) fields[0].erase(0, 3);  // BOM
  size_t index = fields.size();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i] == column) {
      index = i;
      break;
    }
  }
  if (index == fields.size()) {
    err << "sentiment: the CSV header has no column '" << column << "'\n";
    return 1;
  }
  int64_t skipped = 0;
  while (reader.Next(fields)) {
    if (fields.size() <= index) {
      ++skipped;
      continue;
    }
    writer.Write(fields[index]);
  }
  if (skipped > 0)
    err << "sentiment: skipped " << skipped << " rows without column '" << column << "'\n";
  return 0;
}

}  // namespace

Result<SentimentCommandOptions> ParseSentimentArgs(const std::vector<std::string>& args,
                                                   std::string& file) {
  SentimentCommandOptions o;
  file.clear();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& dst) -> Status {
      if (i + 1 >= args.size()) return Status::InvalidArgument(a + " needs a value");
      dst = args[++i];
      return Status::Ok();
    };
    if (a == "--enricher") {
      RETURN_IF_ERROR(value(o.enricher));
    } else if (a == "--column") {
      RETURN_IF_ERROR(value(o.column));
    } else if (a == "--format") {
      std::string f;
      RETURN_IF_ERROR(value(f));
      if (f == "lines") {
        o.format = SentimentCommandOptions::Format::kLines;
      } else if (f == "csv") {
        o.format = SentimentCommandOptions::Format::kCsv;
      } else {
        return Status::InvalidArgument("--format is lines or csv, not '" + f + "'");
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return Status::InvalidArgument("unknown flag " + a);
    } else if (file.empty()) {
      file = a == "-" ? "" : a;
    } else {
      return Status::InvalidArgument("only one input file may be given");
    }
  }
  return o;
}

int RunSentimentCommand(const SentimentCommandOptions& options, std::istream& in, std::ostream& out,
                        std::ostream& err) {
  Result<std::unique_ptr<Enricher>> enricher = MakeEnricher(options.enricher);
  if (!enricher.ok()) {
    err << "sentiment: " << enricher.status().ToString() << "\n";
    return 1;
  }
  Writer writer(**enricher, out);
  const int rc = options.format == SentimentCommandOptions::Format::kCsv
                     ? RunCsv(writer, options.column, in, err)
                     : RunLines(writer, in);
  writer.Flush();
  out.flush();
  return rc;
}

}  // namespace covidflow::enrich
