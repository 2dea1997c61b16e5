#include "services/adapters/fhir/operation_outcome.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

const char* IssueCode(const DecodeError& error) {
  if (absl::StrContains(error.reason, "not supported by this adapter")) return "not-supported";
  if (absl::StrContains(error.reason, "required")) return "required";
  if (absl::StrContains(error.reason, "over the limit")) return "too-long";
  if (absl::StartsWith(error.reason, "not valid JSON")) return "structure";
  return "invalid";
}

const char* IssueCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return "not-found";
    case absl::StatusCode::kPermissionDenied:
      return "forbidden";
    case absl::StatusCode::kUnauthenticated:
      return "login";
    case absl::StatusCode::kAlreadyExists:
      return "duplicate";
    case absl::StatusCode::kAborted:
      return "conflict";
    case absl::StatusCode::kResourceExhausted:
      return "throttled";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return "invalid";
    case absl::StatusCode::kFailedPrecondition:
      return "business-rule";
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return "transient";
    default:
      return "exception";
  }
}

bool IsIndex(absl::string_view segment) {
  return !segment.empty() && std::all_of(segment.begin(), segment.end(), absl::ascii_isdigit);
}

}  // namespace

std::string FhirPathOf(absl::string_view pointer, absl::string_view root) {
  std::string path(root);
  if (pointer.empty()) return path;
  std::vector<absl::string_view> segments = absl::StrSplit(pointer.substr(1), '/');
  for (absl::string_view segment : segments) {
    if (IsIndex(segment)) {
      absl::StrAppend(&path, "[", segment, "]");
    } else {
      // RFC 6901 unescaping; FHIR element names need no quoting in FHIRPath.
      absl::StrAppend(&path, ".", absl::StrReplaceAll(segment, {{"~1", "/"}, {"~0", "~"}}));
    }
  }
  return path;
}

ordered_json OperationOutcomeFromErrors(const std::vector<DecodeError>& errors) {
  ordered_json issues = ordered_json::array();
  for (const DecodeError& error : errors) {
    issues.push_back({{"severity", "error"},
                      {"code", IssueCode(error)},
                      {"diagnostics", error.reason},
                      {"location", ordered_json::array({error.where.empty() ? "/" : error.where})},
                      {"expression", ordered_json::array({FhirPathOf(error.where)})}});
  }
  if (issues.empty()) {
    issues.push_back({{"severity", "information"}, {"code", "informational"}});
  }
  return ordered_json{{"resourceType", "OperationOutcome"}, {"issue", std::move(issues)}};
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 422;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

ordered_json OperationOutcomeFromStatus(const absl::Status& status) {
  ordered_json issue{{"severity", status.ok() ? "information" : "error"},
                     {"code", status.ok() ? "informational" : IssueCode(status.code())}};
  if (!status.message().empty()) issue["diagnostics"] = std::string(status.message());
  return ordered_json{{"resourceType", "OperationOutcome"},
                      {"issue", ordered_json::array({std::move(issue)})}};
}

}  // namespace throughcare::adapters::fhir
