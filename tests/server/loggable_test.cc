// What the log may say about a failed call: identifiers withheld, the rest of the reason kept;
// and the peer address read from one of gRPC's own log messages.
#include "services/server/loggable.h"

#include "gmock/gmock.h"
#include "services/server/grpc_log.h"

namespace throughcare::server {
namespace {

TEST(LoggableTest, IdentifiersAreWithheldAndTheRestOfTheReasonKept) {
  EXPECT_EQ(WithIdentifiersWithheld("no person is known with noms Z9999ZZ"),
            "no person is known with noms [noms withheld]");
  EXPECT_EQ(WithIdentifiersWithheld("identifier: noms 'a1234bc' is already linked to a person"),
            "identifier: noms '[noms withheld]' is already linked to a person");
  EXPECT_EQ(WithIdentifiersWithheld("crn X123456, pnc 20/1234567Z and nhs 9434765919."),
            "crn [crn withheld], pnc [pnc withheld] and nhs [nhs_number withheld].");
  EXPECT_EQ(WithIdentifiersWithheld("la_reference (E06000018/HX-1234) is unknown"),
            "la_reference ([la_reference withheld]) is unknown");
  // Field names, home areas, ids and sizes are not identifiers of people.
  const std::string kept =
      "identifiers[0].value: NOMS number has 3 characters (expected one letter, four digits, two "
      "letters, e.g. A1234BC) for home area E99999001 and subject sub_1a2b";
  EXPECT_EQ(WithIdentifiersWithheld(kept),
            "identifiers[0].value: NOMS number has 3 characters (expected one letter, four digits, "
            "two letters, e.g. [noms withheld]) for home area E99999001 and subject sub_1a2b");
}

TEST(LoggableTest, EveryFailureHasAReason) {
  EXPECT_EQ(LoggableReason(absl::OkStatus()), "");
  EXPECT_EQ(LoggableReason(absl::InvalidArgumentError("purpose: required")), "purpose: required");
  EXPECT_EQ(LoggableReason(absl::Status(absl::StatusCode::kInvalidArgument, "")),
            "INVALID_ARGUMENT");
}

TEST(LoggableTest, ThePeerAGrpcMessageNames) {
  EXPECT_EQ(PeerNamedIn("Handshake failed for ipv4:127.0.0.1:51234: certificate verify failed"),
            "ipv4:127.0.0.1:51234");
  EXPECT_EQ(PeerNamedIn("{\"peer_address\":\"ipv6:[::1]:443\"}"), "ipv6:[::1]:443");
  EXPECT_EQ(PeerNamedIn("Handshake failed with fatal error SSL_ERROR_SSL"), "");
}

}  // namespace
}  // namespace throughcare::server
