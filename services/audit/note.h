// Signed notes (C2SP signed-note), checkpoints (C2SP tlog-checkpoint) and Ed25519 witness
// cosignatures (C2SP tlog-cosignature, cosignature/v1), as the broker issues and the agencies'
// witnesses and auditors check them.
//
// A signed note is a text ending in a newline, a blank line, and signature lines
// "— <key name> <base64(4-byte big-endian key ID || signature)>\n" (an em dash, U+2014). Key IDs
// are SHA-256(key name || "\n" || type || public key)[:4], type 0x01 for Ed25519 note
// signatures (the broker's checkpoint key) and 0x04 for timestamped Ed25519 cosignatures (the
// witnesses' keys). A checkpoint's text is "<origin>\n<tree size>\n<base64 root hash>\n"; the
// broker signs it with the key named by the origin. A cosignature signs
// "cosignature/v1\ntime <unix seconds>\n" followed by the checkpoint text, and its signature
// bytes are the 8-byte big-endian timestamp followed by the 64-byte Ed25519 signature.
//
// Public keys are exchanged as C2SP verifier keys ("vkeys"):
// "<key name>+<8 hex digits of key ID>+<base64(type || 32-byte public key)>".
#ifndef THROUGHCARE_SERVICES_AUDIT_NOTE_H_
#define THROUGHCARE_SERVICES_AUDIT_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/crypto/ed25519.h"

namespace throughcare::audit {

inline constexpr uint8_t kNoteEd25519 = 0x01;
inline constexpr uint8_t kCosignatureEd25519 = 0x04;
// The most signature lines a note may carry (the spec asks verifiers to accept at least 16).
inline constexpr size_t kMaxNoteSignatures = 64;

uint32_t NoteKeyId(absl::string_view name, uint8_t type, absl::string_view public_key);

// A public key as verifiers are configured with it.
struct VerifierKey {
  std::string name;
  uint8_t type = kNoteEd25519;
  std::string public_key;  // 32 bytes
  uint32_t key_id = 0;
};
std::string FormatVerifierKey(const VerifierKey& key);
// Strict: InvalidArgument for a bad name, a key ID that does not match, an unknown type or a key
// of the wrong length.
absl::StatusOr<VerifierKey> ParseVerifierKey(absl::string_view vkey);
VerifierKey MakeVerifierKey(absl::string_view name, uint8_t type, absl::string_view public_key);

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key ID
};
struct Note {
  std::string text;  // ends in "\n"
  std::vector<NoteSignature> signatures;
};
// Strict parse of a signed note: InvalidArgument saying what is wrong (not UTF-8, a control
// character, no blank line before the signatures, a malformed signature line, too many).
absl::StatusOr<Note> ParseNote(absl::string_view note);
std::string FormatNote(const Note& note);
// One signature line, without its newline. InvalidArgument saying what is wrong.
absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line);
// The line with its newline.
std::string FormatSignatureLine(const NoteSignature& signature);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root;  // 32 bytes
};
std::string CheckpointText(const Checkpoint& checkpoint);
// Strict: exactly three lines (no extension lines are issued or accepted).
absl::StatusOr<Checkpoint> ParseCheckpointText(absl::string_view text);

// The checkpoint as a note signed by `key` under the key name `checkpoint.origin`.
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const crypto::Ed25519PrivateKey& key);

// A checkpoint whose log signature verified, with the cosignatures that verified.
struct OpenedCheckpoint {
  Checkpoint checkpoint;
  std::string text;  // the note text
  Note note;
  struct Cosigned {
    std::string witness;  // the key name
    absl::Time time;
  };
  std::vector<Cosigned> cosignatures;
};
// Checks a signed checkpoint: the log key's signature (name and key ID matching `log_key`) must
// be present and verify, the origin must be the log key's name, and each signature matching one
// of `witnesses` (cosignature keys) must verify. Signatures from unknown keys are ignored, as
// the note spec requires. Unauthenticated when the log's signature is missing or wrong, or a
// known witness's cosignature is wrong; InvalidArgument when the note is malformed.
absl::StatusOr<OpenedCheckpoint> OpenCheckpoint(absl::string_view signed_note,
                                                const VerifierKey& log_key,
                                                const std::vector<VerifierKey>& witnesses = {});

// The message a cosignature signs.
std::string CosignedMessage(absl::string_view checkpoint_text, uint64_t timestamp);
// A cosignature of `checkpoint_text` by the witness `name`, at `time` (whole seconds).
absl::StatusOr<NoteSignature> Cosign(absl::string_view checkpoint_text, absl::string_view name,
                                     const crypto::Ed25519PrivateKey& key, absl::Time time);
// OK (with the cosignature's time) if `signature` is `witness`'s valid cosignature of
// `checkpoint_text`. Unauthenticated otherwise.
absl::StatusOr<absl::Time> VerifyCosignature(absl::string_view checkpoint_text,
                                             const NoteSignature& signature,
                                             const VerifierKey& witness);

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_NOTE_H_
