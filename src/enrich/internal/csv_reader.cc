#include "enrich/internal/csv_reader.h"

namespace covidflow::enrich::internal {

int CsvReader::Peek() {
  if (pos_ == buffer_.size()) {
    if (eof_) return -1;
    buffer_.resize(1 << 16);
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.resize(static_cast<size_t>(in_.gcount()));
    pos_ = 0;
    if (buffer_.empty()) {
      eof_ = true;
      return -1;
    }
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::Get() {
  const int c = Peek();
  if (c >= 0) ++pos_;
  return c;
}

bool CsvReader::Feed(int c, std::vector<std::string>& fields) {
  auto save = [&] {
    fields.push_back(std::move(field_));
    field_.clear();
  };
  const bool newline = c == '\n' || c == '\r';
  switch (state_) {
    case State::kStartRecord:
      if (c == kEndOfLine) return true;  // an empty line: a record with no fields
      if (newline) {
        state_ = State::kEatNewline;
        return false;
      }
      state_ = State::kStartField;
      [[fallthrough]];
    case State::kStartField:
      if (newline || c == kEndOfLine) {
        save();
        state_ = c == kEndOfLine ? State::kStartRecord : State::kEatNewline;
        return c == kEndOfLine;
      }
      if (c == '"') {
        state_ = State::kInQuoted;
      } else if (c == ',') {
        save();
      } else {
        field_.push_back(static_cast<char>(c));
        state_ = State::kInField;
      }
      return false;
    case State::kInField:
      if (newline || c == kEndOfLine) {
        save();
        state_ = c == kEndOfLine ? State::kStartRecord : State::kEatNewline;
        return c == kEndOfLine;
      }
      if (c == ',') {
        save();
        state_ = State::kStartField;
      } else {
        field_.push_back(static_cast<char>(c));
      }
      return false;
    case State::kInQuoted:
      if (c == kEndOfLine) return false;  // the record goes on past the line break
      if (c == '"') {
        state_ = State::kQuoteInQuoted;
      } else {
        field_.push_back(static_cast<char>(c));
      }
      return false;
    case State::kQuoteInQuoted:
      if (c == '"') {
        field_.push_back('"');
        state_ = State::kInQuoted;
      } else if (c == ',') {
        save();
        state_ = State::kStartField;
      } else if (newline || c == kEndOfLine) {
        save();
        state_ = c == kEndOfLine ? State::kStartRecord : State::kEatNewline;
        return c == kEndOfLine;
      } else {
        field_.push_back(static_cast<char>(c));
        state_ = State::kInField;
      }
      return false;
    case State::kEatNewline:
      if (c == kEndOfLine) {
        state_ = State::kStartRecord;
        return true;
      }
      // Python raises "new-line character seen in unquoted field" only for a character
      // after a line break inside one line, which newline="" lines never contain.
      return false;
  }
  return false;
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  for (;;) {
    if (pending_eol_) {
      pending_eol_ = false;
      if (Feed(kEndOfLine, fields)) return true;
    }
    if ((state_ == State::kInQuoted || state_ == State::kInField) && pos_ < buffer_.size()) {
      // Inside a field, runs of ordinary bytes are appended at once; the byte that may
      // change the state (quote or comma, CR, LF) goes through Feed below.
      const char* p = buffer_.data() + pos_;
      const char* end = buffer_.data() + buffer_.size();
      const char stop = state_ == State::kInQuoted ? '"' : ',';
      const char* q = p;
      while (q < end && *q != stop && *q != '\r' && *q != '\n') ++q;
      if (q > p) {
        field_.append(p, q);
        pos_ += static_cast<size_t>(q - p);
        line_open_ = true;
        continue;
      }
    }
    const int c = Get();
    if (c < 0) {
      // A last line without a line break still ends with an end-of-line.
      if (line_open_) {
        line_open_ = false;
        if (Feed(kEndOfLine, fields)) return true;
      }
      // Only an unterminated quote leaves a record open: it ends here, as in Python.
      if (state_ == State::kInQuoted || !field_.empty()) {
        fields.push_back(std::move(field_));
        field_.clear();
        state_ = State::kStartRecord;
        return true;
      }
      return false;
    }
    line_open_ = true;
    const bool done = Feed(c, fields);
    // Lines end at LF, at CR not followed by LF, and after CRLF.
    if (c == '\n' || (c == '\r' && Peek() != '\n')) {
      pending_eol_ = true;
      line_open_ = false;
    }
    if (done) return true;
  }
}

}  // namespace covidflow::enrich::internal
