// Every request of every RPC, held to limits field by field: each RPC has a validator, each valid
// example passes it, and then every string (64 KiB), every list (10,000 more elements) and every
// enum (an undeclared number) of every example is set in turn as an attacker would: each such
// request is refused with INVALID_ARGUMENT, in a message short enough for gRPC's trailers, and
// every field is named by the error of at least one of them. Also keeps the request fuzz
// target's seed corpus equal to the examples.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/server/validate_rpcs.h"
#include "tests/fuzz/request_input.h"
#include "tests/server/request_examples.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/v1/admin.pb.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/diagnostics.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/referrals.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using ::throughcare::testing::IsOk;

// Request fields a validator ignores because the broker fills them in answers only.
const std::set<std::string>& OutputOnlyFields() {
  static const auto* fields = new std::set<std::string>{"throughcare.v1.Identifier.linked_by_agency"};
  return *fields;
}

// One step from a message to a field: for a repeated field, the element to go into (or, as the
// last step, -1 for the list itself).
struct Step {
  const FieldDescriptor* field;
  int index;
};
using Path = std::vector<Step>;

std::string PathName(const Path& path) {
  std::string out;
  for (const Step& s : path) {
    absl::StrAppend(&out, out.empty() ? "" : ".", s.field->name());
    if (s.index >= 0) absl::StrAppend(&out, "[", s.index, "]");
  }
  return out;
}

bool IsWellKnownTime(const Descriptor& d) {
  return d.full_name() == "google.protobuf.Timestamp" ||
         d.full_name() == "google.protobuf.Duration";
}

// Paths to every string, enum and list in `m` as an example sets it, going into set messages,
// unset singular ones, each element of a list, and only the set member of a oneof.
void CollectPaths(const Message& m, Path& prefix, std::vector<Path>& out) {
  if (prefix.size() > 6) return;
  const Descriptor& d = *m.GetDescriptor();
  const Reflection& r = *m.GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const FieldDescriptor* f = d.field(i);
    const auto* oneof = f->real_containing_oneof();
    if (oneof != nullptr && r.GetOneofFieldDescriptor(m, oneof) != f) continue;
    const bool is_message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (is_message && IsWellKnownTime(*f->message_type())) continue;
    if (f->type() == FieldDescriptor::TYPE_BYTES || f->is_map()) continue;
    if (f->is_repeated()) {
      prefix.push_back({f, -1});
      out.push_back(prefix);
      for (int e = 0; e < r.FieldSize(m, f); ++e) {
        prefix.back().index = e;
        if (is_message) {
          CollectPaths(r.GetRepeatedMessage(m, f, e), prefix, out);
        } else {
          out.push_back(prefix);
        }
      }
      prefix.pop_back();
    } else if (is_message) {
      prefix.push_back({f, -1});
      CollectPaths(r.GetMessage(m, f), prefix, out);
      prefix.pop_back();
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ||
               f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      prefix.push_back({f, -1});
      out.push_back(prefix);
      prefix.pop_back();
    }
  }
}

// Sets the field `path` leads to as an attacker would.
void Attack(Message& root, const Path& path) {
  Message* m = &root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Reflection& r = *m->GetReflection();
    m = path[i].index >= 0 ? r.MutableRepeatedMessage(m, path[i].field, path[i].index)
                           : r.MutableMessage(m, path[i].field);
  }
  const Reflection& r = *m->GetReflection();
  const Step& last = path.back();
  const FieldDescriptor* f = last.field;
  const std::string huge(64 * 1024, 'x');
  if (f->is_repeated() && last.index < 0) {
    const bool empty = r.FieldSize(*m, f) == 0;
    for (int i = 0; i < 10000; ++i) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Message* added = r.AddMessage(m, f);
        if (!empty) added->CopyFrom(r.GetRepeatedMessage(*m, f, 0));
      } else {
        r.AddString(m, f, empty ? "x" : r.GetRepeatedString(*m, f, 0));
      }
    }
  } else if (f->is_repeated()) {
    r.SetRepeatedString(m, f, last.index, huge);
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    r.SetEnumValue(m, f, 99);
  } else {
    r.SetString(m, f, huge);
  }
}

// The field an error names ("settlements[1].nack.reason: ..." names "reason").
std::string NamedField(absl::string_view message) {
  const absl::string_view path = message.substr(0, message.find(": "));
  std::string last(path.substr(path.rfind('.') == absl::string_view::npos ? 0
                                                                           : path.rfind('.') + 1));
  return last.substr(0, last.find('['));
}

// The services of the API, by one message of each .proto file that declares some.
std::vector<const google::protobuf::ServiceDescriptor*> ApiServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> out;
  for (const Descriptor* d :
       {v1::ReloadPolicyRequest::descriptor(), v1::QueryAuditLogRequest::descriptor(),
        v1::RecordConsentRequest::descriptor(), v1::EchoRequest::descriptor(),
        v1::SendRequest::descriptor(), v1::PutRecordRequest::descriptor(),
        v1::CreateReferralRequest::descriptor(), v1::RegisterSubjectRequest::descriptor()}) {
    for (int i = 0; i < d->file()->service_count(); ++i) out.push_back(d->file()->service(i));
  }
  return out;
}

TEST(RpcValidatorsTest, EveryRpcOfTheApiHasOneForItsRequestType) {
  int methods = 0;
  for (const auto* service : ApiServices()) {
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const auto* m = service->method(i);
      const std::string name = absl::StrCat("/", service->full_name(), "/", m->name());
      const RpcValidator* v = FindRpcValidator(name);
      ASSERT_NE(v, nullptr) << name << " has no entry in RpcValidators() (validate_rpcs.cc)";
      EXPECT_EQ(v->request_type->GetDescriptor(), m->input_type()) << name;
    }
  }
  EXPECT_EQ(RpcValidators().size(), static_cast<size_t>(methods));
}

TEST(RequestExamplesTest, EveryRpcHasOneAndEachIsValid) {
  std::set<std::string> covered;
  for (const RequestExample& e : RequestExamples()) {
    const RpcValidator* v = FindRpcValidator(e.method);
    ASSERT_NE(v, nullptr) << e.name;
    EXPECT_THAT(v->validate(*e.request, ExampleContext()), IsOk()) << e.name;
    covered.insert(e.method);
  }
  for (const RpcValidator& v : RpcValidators()) {
    EXPECT_TRUE(covered.count(v.method)) << v.method << " has no example";
  }
}

TEST(RequestLimitsTest, EveryStringListAndEnumOfEveryRequestIsCheckedAndNamed) {
  std::map<std::string, bool> named;  // by field full name: named by some refusal
  for (const RequestExample& e : RequestExamples()) {
    const RpcValidator& v = *FindRpcValidator(e.method);
    std::vector<Path> paths;
    Path prefix;
    CollectPaths(*e.request, prefix, paths);
    for (const Path& path : paths) {
      const FieldDescriptor* leaf = path.back().field;
      if (OutputOnlyFields().count(leaf->full_name())) continue;
      std::unique_ptr<Message> attacked(e.request->New());
      attacked->CopyFrom(*e.request);
      Attack(*attacked, path);
      const absl::Status s = v.validate(*attacked, ExampleContext());
      const std::string where = absl::StrCat(e.name, ": ", PathName(path));
      ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << where << ": " << s;
      EXPECT_LE(s.message().size(), 1024u) << where << ": the message repeats the value";
      named[leaf->full_name()] |= NamedField(s.message()) == leaf->name();
    }
  }
  for (const auto& [field, was_named] : named) {
    EXPECT_TRUE(was_named) << field << " is refused, but no refusal names it";
  }
  EXPECT_GT(named.size(), 100u);
}

// The request fuzz target's seeds are the examples, as tests/fuzz/request_input.h encodes them.
TEST(SeedCorpusTest, HoldsEveryExample) {
  const bool write = std::getenv("THROUGHCARE_WRITE_SEED_CORPUS") != nullptr;
  for (const RequestExample& e : RequestExamples()) {
    const std::string path = absl::StrCat(TC_SEED_CORPUS_DIR, "/", e.name);
    const std::string want = fuzz::EncodeRequestInput(e.method, e.request->SerializeAsString());
    if (write) {
      std::ofstream(path, std::ios::binary | std::ios::trunc) << want;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream got;
    got << in.rdbuf();
    EXPECT_TRUE(in.is_open() && got.str() == want)
        << path << " is missing or stale: run request_limits_test with "
        << "THROUGHCARE_WRITE_SEED_CORPUS=1 to rewrite the seed corpus";
  }
}

}  // namespace
}  // namespace throughcare::server::testing
