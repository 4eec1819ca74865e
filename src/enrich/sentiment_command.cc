#include "enrich/sentiment_command.h"

#include <algorithm>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "enrich/vader.h"
#include "schema/csv.h"
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
    if (!IsValidUtf8(raw)) {
      repaired_.clear();
      AppendRepairedUtf8(repaired_, raw);
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

void ReportTooLong(std::ostream& err, int64_t too_long, size_t max_bytes, std::string_view what) {
  if (too_long == 0) return;
  err << "sentiment: skipped " << too_long << " " << what << " longer than " << max_bytes
      << " bytes (parse.max_field_bytes, --max-field-bytes)\n";
}

int RunLines(Writer& writer, std::istream& in, size_t max_bytes, std::ostream& err) {
  int64_t too_long = 0;
  ForEachLine(
      in, max_bytes, [&writer](std::string_view line) { writer.Write(line); }, &too_long);
  ReportTooLong(err, too_long, max_bytes, "lines");
  return 0;
}

int RunCsv(Writer& writer, const std::string& column, std::istream& in, size_t max_bytes,
           std::ostream& err) {
  int64_t skipped = 0;
  int64_t too_long = 0;
  const Status st = ForEachCsvValue(
      in, column.empty() ? "text" : column,
      [&](std::string_view text) {
        if (text.size() > max_bytes) {
          ++too_long;
        } else {
          writer.Write(text);
        }
      },
      &skipped);
  if (!st.ok()) {
    err << "sentiment: " << st.message() << "\n";
    return 1;
  }
  if (skipped > 0) {
    err << "sentiment: skipped " << skipped << " rows without column '" << column
        << "' or not valid CSV\n";
  }
  ReportTooLong(err, too_long, max_bytes, "values");
  return 0;
}

}  // namespace

void ForEachLine(std::istream& in, size_t max_bytes,
                 const std::function<void(std::string_view)>& fn, int64_t* too_long) {
  constexpr size_t kChunk = 1 << 16;
  std::vector<char> chunk(kChunk);
  std::string line;
  bool dropping = false;  // the current line is over max_bytes: skip to its end
  *too_long = 0;
  auto emit = [&] {
    if (dropping) {
      ++*too_long;
    } else {
      std::string_view text = line;
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      fn(text);
    }
    dropping = false;
    line.clear();
  };
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(kChunk));
    std::string_view rest(chunk.data(), static_cast<size_t>(in.gcount()));
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      if (!dropping) {
        line.append(rest.substr(0, nl));
        // A CR before the newline does not count against the limit.
        const size_t cr = nl != std::string_view::npos && !line.empty() && line.back() == '\r';
        if (line.size() > max_bytes + cr) {
          dropping = true;
          std::string().swap(line);
        }
      }
      if (nl == std::string_view::npos) break;
      emit();
      rest.remove_prefix(nl + 1);
    }
  }
  if (dropping || !line.empty()) emit();
}

Status ForEachCsvValue(std::istream& in, std::string_view column,
                       const std::function<void(std::string_view)>& fn, int64_t* skipped) {
  constexpr size_t kChunk = 1 << 20;
  std::string buffer;
  std::vector<std::string> fields;
  bool header = true;
  bool eof = false;
  size_t index = 0;
  *skipped = 0;
  while (!eof) {
    const size_t old = buffer.size();
    buffer.resize(old + kChunk);
    in.read(buffer.data() + old, static_cast<std::streamsize>(kChunk));
    buffer.resize(old + static_cast<size_t>(in.gcount()));
    eof = !in;
    // Whole records only: one that reaches the end of the buffer may go on in the next chunk.
    schema::CsvSplitter splitter(buffer);
    std::string_view record;
    size_t consumed = 0;
    while (splitter.Next(&record)) {
      if (!eof && splitter.position() == buffer.size()) break;
      consumed = splitter.position();
      if (header) {
        if (schema::SplitCsvFields(record, &fields)) {
          return Status::InvalidArgument("the CSV header is not valid CSV");
        }
        if (!fields.empty() && fields[0].starts_with("\xEF\xBB\xBF")) fields[0].erase(0, 3);
        const auto it = std::find(fields.begin(), fields.end(), column);
        if (it == fields.end()) {
          return Status::InvalidArgument("the CSV header has no column '" + std::string(column) +
                                         "'");
        }
        index = static_cast<size_t>(it - fields.begin());
        header = false;
        continue;
      }
      // An empty line is a row of no fields, as Python's csv module reads it.
      if (record.empty() || record == "\r" || schema::SplitCsvFields(record, &fields) ||
          fields.size() <= index) {
        ++*skipped;
        continue;
      }
      fn(fields[index]);
    }
    buffer.erase(0, consumed);
  }
  if (header) return Status::InvalidArgument("the CSV input has no header");
  return Status::Ok();
}

int RunSentimentCommand(const Enricher& enricher, const SentimentCommandOptions& options,
                        std::istream& in, std::ostream& out, std::ostream& err) {
  const bool csv = options.format == SentimentCommandOptions::Format::kCsv;
  if (!csv && !options.column.empty()) {
    err << "sentiment: --column '" << options.column << "' needs CSV input (--format csv)\n";
    return 2;
  }
  Writer writer(enricher, out);
  const int rc = csv ? RunCsv(writer, options.column, in, options.max_field_bytes, err)
                     : RunLines(writer, in, options.max_field_bytes, err);
  writer.Flush();
  out.flush();
  if (in.bad()) {
    err << "sentiment: reading the input failed\n";
    return 1;
  }
  return rc;
}

}  // namespace covidflow::enrich
