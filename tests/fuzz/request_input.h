// The request fuzz target's input: a full method name, a newline, then the request's bytes, e.g.
// "/throughcare.v1.RecordService/PutRecord\n<protobuf>". The name picks the RPC, so that a seed
// keeps meaning the same call when RPCs are added, and shows what a corpus file is about.
#ifndef THROUGHCARE_TESTS_FUZZ_REQUEST_INPUT_H_
#define THROUGHCARE_TESTS_FUZZ_REQUEST_INPUT_H_

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace throughcare::fuzz {

inline std::string EncodeRequestInput(absl::string_view method, absl::string_view request) {
  return absl::StrCat(method, "\n", request);
}

// The method and the request bytes; no method when there is no newline.
inline std::pair<absl::string_view, absl::string_view> DecodeRequestInput(absl::string_view in) {
  const size_t newline = in.find('\n');
  if (newline == absl::string_view::npos) return {absl::string_view(), in};
  return {in.substr(0, newline), in.substr(newline + 1)};
}

}  // namespace throughcare::fuzz

#endif  // THROUGHCARE_TESTS_FUZZ_REQUEST_INPUT_H_
