// Format "csv-files": CSV files for agencies with no API (housing teams, small drug services),
// exchanged through inbox and outbox folders (the folders are the broker's business, not this
// codec's). UTF-8, RFC 4180 (libcsv in strict mode), one header row; a UTF-8 byte order mark at
// the start of an inbound file is skipped.
//
// Inbound: a referral-decisions file, at most 4 MiB and 10,000 data rows. Columns, by header
// name in any order (each at most once; other names are errors):
//   referral_id       required  the referral's id as its delivery gave it: ref_ + 26 of [a-z2-7]
//   decision          required  received, accepted, declined, appointment_booked, first_contact,
//                               did_not_attend, assessed, engaged, closed, lost_contact
//   reason            optional  up to 2000 characters; required with declined, closed and
//                               lost_contact
//   appointment_date  optional  YYYY-MM-DD, a real date; required with appointment_booked and
//                               allowed only with it. It reaches the broker at the start of the
//                               reason: "appointment 2026-12-10: <reason>".
//   purpose           optional  the purpose of use; empty: the broker sets the agency's default
// Each data row is one TransitionReferralRequest (`person` unspecified: it names a referral),
// decoded on its own: a bad row gives its own errors, "line:column" (the physical line in the
// file where the field starts, or the row starts for a wrong column count, and the 1-based
// column), and the good rows still decode: Decode's operations may be
// carried out even when it returns errors. Errors: wrong column count, invalid UTF-8 or control
// characters, unknown decision, bad date, missing reason or date, bad referral id. Bad quoting
// stops the reading at that point (line:column of the offending character): the rows before it
// decode, the rows after it are neither decoded nor reported. A bad header gives header errors
// only. The idempotency key of a row is "csv:<first 32 hex digits of the file's SHA-256>:<line>",
// so the same file twice changes nothing (a corrected file is a new file: send only the rows
// that failed).
//
// Outbound: a delivery as one file: the header, then one row per record (records), per message
// withdrawn (withdrawal_notice), or one row (referral_update, escalation, report). Every row has
// all the columns (delivery_rows.cc, DeliveryColumns()), empty where they do not apply:
//   message_id, kind, sent_at (UTC, RFC 3339), sender_agency, purpose, correlation_id,
//   nhs_number, noms_number, crn, pnc_number, la_reference (the person's identifiers the
//   recipient may see), record_id, record_type, record_version, data_class, record_json (the
//   record body in the proto3 JSON mapping), referral_id, state (the decision names above, or
//   withdrawn; for a report the delivery state, e.g. dead_lettered), reason, appointment_date,
//   for_role (escalation), about_message_id (report: the message reported on; withdrawal_notice:
//   a message received under the consent), consent_id, recipient_agency (report).
// Rows end with CRLF; fields are quoted only when they must be.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_FILES_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_FILES_H_

#include "services/adapters/adapter.h"

namespace throughcare::adapters {

// The codec, alive for the whole program; thread-safe (it has no state).
const Adapter& CsvFiles();

}  // namespace throughcare::adapters

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_FILES_H_
