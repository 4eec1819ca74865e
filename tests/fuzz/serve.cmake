# The scoring server's request parsers (owned by serve); included from tests/fuzz.
# Seed corpus: tests/fuzz/corpus/serve/ (the first byte picks the parser: '0' MLflow JSON,
# '1' CSV, '2' Open Inference v2).
cf_fuzzer(serve_request_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/serve_request_fuzz.cc
  DEPS covidflow_serve)
