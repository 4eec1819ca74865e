#pragma once
// Routes requests by method and path pattern to handlers. Patterns are literal segments and
// {parameters}, each a whole segment: "/v2/models/{name}/versions/{version}/infer". A
// parameter matches one non-empty segment. Where several patterns match a path, the one
// with more literal segments wins ("/v2/models/ready" beats "/v2/models/{name}"); two
// patterns of one method that differ only in parameter names are refused when added.
// HEAD is routed as GET.
//
// Threads: build the router before the server starts (Add is not synchronised); Route may
// then be called from any number of threads.
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/message.h"

namespace covidflow::http {

class Router {
 public:
  // kInvalidArgument for a malformed pattern (not starting with '/', an empty or
  // half-braced segment, a repeated parameter name); kAlreadyExists for a duplicate route.
  Status Add(std::string_view method, std::string_view pattern, Handler handler);

  // Dispatches `request` (method and path set; path_params filled here) and returns the
  // handler's response, or the JSON error response: 404 when no pattern matches the path,
  // 405 with an Allow header when patterns match but none for this method, the handler's
  // error Status mapped by ErrorResponse.
  Response Route(Request& request) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool param = false;
  };
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    int literals = 0;
    Handler handler;
  };
  std::vector<Entry> routes_;
};

}  // namespace covidflow::http
