#include "http/router.h"

#include <algorithm>
#include <set>

#include "http/error.h"

namespace covidflow::http {
namespace {

// "/a/b/c" → {"a", "b", "c"}; "/" → {}. A trailing slash gives an empty last segment, so
// "/metrics/" does not match "/metrics".
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path[0] != '/') return parts;
  path.remove_prefix(1);
  if (path.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(path.substr(start));
      break;
    }
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

Status Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/') {
    return Status::InvalidArgument("route pattern '" + std::string(pattern) +
                                   "' must start with /");
  }
  if (method.empty()) return Status::InvalidArgument("route without a method");
  Entry e;
  e.method = std::string(method);
  e.pattern = std::string(pattern);
  e.handler = std::move(handler);
  std::set<std::string_view> names;
  const std::vector<std::string_view> parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    auto bad = [&](std::string_view why) {
      return Status::InvalidArgument("route pattern '" + e.pattern + "': " + std::string(why));
    };
    // An empty segment only as the last one: "/models/" is a route of its own.
    if (part.empty() && i + 1 < parts.size()) return bad("empty segment");
    Segment s;
    if (!part.empty() && part.front() == '{') {
      std::string_view name = part.substr(1, part.size() - 2);
      if (part.size() < 3 || part.back() != '}' || name.find_first_of("{}") != name.npos) {
        return bad("bad parameter '" + std::string(part) + "'");
      }
      if (!names.insert(name).second) return bad("repeats {" + std::string(name) + "}");
      s.param = true;
      s.text = std::string(name);
    } else {
      if (part.find_first_of("{}") != part.npos) {
        return bad("braces in literal segment '" + std::string(part) + "'");
      }
      s.text = std::string(part);
      ++e.literals;
    }
    e.segments.push_back(std::move(s));
  }
  for (const Entry& other : routes_) {
    if (other.method != e.method || other.segments.size() != e.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < e.segments.size() && same; ++i) {
      const Segment& a = e.segments[i];
      const Segment& b = other.segments[i];
      same = a.param == b.param && (a.param || a.text == b.text);
    }
    if (same) {
      return Status::AlreadyExists("route " + e.method + " " + e.pattern + " clashes with " +
                                   other.pattern);
    }
  }
  routes_.push_back(std::move(e));
  return Status::Ok();
}

Response Router::Route(Request& request) const {
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";
  const std::vector<std::string_view> parts = SplitPath(request.path);
  const Entry* best = nullptr;
  std::set<std::string> allowed;
  for (const Entry& e : routes_) {
    if (e.segments.size() != parts.size()) continue;
    bool match = true;
    for (size_t i = 0; i < parts.size() && match; ++i) {
      const Segment& s = e.segments[i];
      match = s.param ? !parts[i].empty() : s.text == parts[i];
    }
    if (!match) continue;
    if (e.method != method) {
      allowed.insert(e.method);
      continue;
    }
    if (best == nullptr || e.literals > best->literals) best = &e;
  }
  if (best == nullptr) {
    if (allowed.empty()) {
      return ErrorResponse(404, "NotFound", "no route for " + request.path);
    }
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = ErrorResponse(
        405, "MethodNotAllowed",
        request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  request.path_params.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (best->segments[i].param) {
      request.path_params.emplace_back(best->segments[i].text, std::string(parts[i]));
    }
  }
  Result<Response> r = best->handler(request);
  if (!r.ok()) return ErrorResponse(r.status());
  return std::move(r).value();
}

}  // namespace covidflow::http
