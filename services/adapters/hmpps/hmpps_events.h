// Format "hmpps-events": HMPPS-style domain events (JSON), the way prison and probation systems
// publish what happened to a person.
//
// Inbound, one event per input (at most 64 KiB), every member checked (unknown members, wrong
// types, bad NOMS numbers or CRNs and bad timestamps are errors naming the JSON pointer):
//   {
//     "id": "<the publisher's unique id for the event, the same on every retry>",   required
//     "eventType": "prison-offender-events.prisoner.released",                     required
//     "version": 1,                                                                required
//     "occurredAt": "2026-11-30T09:15:00+00:00",  ISO 8601 with an offset          required
//     "description": "...", "detailUrl": "https://...",                            optional
//     "personReference": {"identifiers": [{"type": "NOMS", "value": "A1234BC"}]}, required
//     "additionalInformation": {...}                                  as the event type says
//   }
// `id` is the one member HMPPS's own envelope lacks (there the SNS MessageId identifies an
// event): the operation's idempotency key is "hmpps:<id>", so the same event twice changes
// nothing. Identifier types are NOMS and CRN, each at most once.
//
// Event types and what they map to (the person is named by the NOMS number or the CRN):
//   prison-offender-events.prisoner.released  additionalInformation {nomsNumber (= the NOMS
//       identifier), reason, prisonId, and optional details, currentLocation, currentPrisonStatus,
//       nomisMovementReasonCode}. reason RELEASED or RELEASED_TO_HOSPITAL -> RecordReleaseRequest
//       with release_date = the calendar date of occurredAt in Europe/London; the other reasons
//       (TEMPORARY_ABSENCE_RELEASE, SENT_TO_COURT, TRANSFERRED, UNKNOWN) -> no operation.
//   prison-offender-events.prisoner.received  the same members. reason ADMISSION, NEW_ADMISSION,
//       READMISSION or TRANSFERRED -> StartRelationshipRequest kind CUSTODY (the receiving
//       prison); RETURN_FROM_COURT and TEMPORARY_ABSENCE_RETURN -> no operation.
//   probation-case.engagement.created  named by CRN; additionalInformation absent or empty ->
//       StartRelationshipRequest kind ALLOCATION (the probation provider the case is with).
// `purpose` is left empty in every request: the broker sets it from the agency's settings.
//
// Outbound, a delivery is one event in the same envelope: id = the message id, eventType
// "throughcare.delivery.<records|report|withdrawal-notice|referral-update|escalation>",
// occurredAt = when it was sent (UTC), personReference = the identifiers the recipient may see
// (types NOMS, CRN, PNC, NHS_NUMBER, LA_REFERENCE), additionalInformation = the Delivery in the
// proto3 JSON mapping (lowerCamelCase) without the lease and the broker's subject ids.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_HMPPS_HMPPS_EVENTS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_HMPPS_HMPPS_EVENTS_H_

#include "services/adapters/adapter.h"

namespace throughcare::adapters {

// The codec, alive for the whole program; thread-safe (it has no state).
const Adapter& HmppsEvents();

}  // namespace throughcare::adapters

#endif  // THROUGHCARE_SERVICES_ADAPTERS_HMPPS_HMPPS_EVENTS_H_
