#include "services/audit/note.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/audit/merkle.h"
#include "services/core/utf8.h"
#include "services/crypto/hash.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

constexpr absl::string_view kEmDash = "\xE2\x80\x94";  // U+2014
constexpr absl::string_view kCosignatureHeader = "cosignature/v1\n";

// Decodes standard base64 with padding, refusing anything that does not re-encode to itself.
bool StrictBase64(absl::string_view text, std::string& out) {
  return absl::Base64Unescape(text, &out) && absl::Base64Escape(out) == text;
}

// A canonical unsigned decimal: digits only, no leading zero unless it is "0".
bool ParseCanonical(absl::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, &out);
}

// Whether the UTF-8 text holds a Unicode space (White_Space) or a '+'.
bool HasSpaceOrPlus(absl::string_view text) {
  static constexpr absl::string_view kSpaces[] = {
      " ",           "\t",           "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80",
      "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84",
      "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89",
      "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F",
      "\xE3\x80\x80", "+"};
  for (absl::string_view s : kSpaces) {
    if (absl::StrContains(text, s)) return true;
  }
  return false;
}

absl::Status CheckKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  if (!IsValidUtf8(name) || HasSpaceOrPlus(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key name '", name, "' must be UTF-8 without spaces or '+'"));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("key name has a control character");
    }
  }
  return absl::OkStatus();
}

std::string BigEndian(uint64_t value, int bytes) {
  std::string out;
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
  return out;
}

uint64_t ReadBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace

uint32_t NoteKeyId(absl::string_view name, uint8_t type, absl::string_view public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(type));
  input.append(public_key.data(), public_key.size());
  return static_cast<uint32_t>(ReadBigEndian(crypto::Sha256(input).substr(0, 4)));
}

VerifierKey MakeVerifierKey(absl::string_view name, uint8_t type, absl::string_view public_key) {
  return VerifierKey{std::string(name), type, std::string(public_key),
                     NoteKeyId(name, type, public_key)};
}

std::string FormatVerifierKey(const VerifierKey& key) {
  std::string material(1, static_cast<char>(key.type));
  material += key.public_key;
  return absl::StrFormat("%s+%08x+%s", key.name, key.key_id, absl::Base64Escape(material));
}

absl::StatusOr<VerifierKey> ParseVerifierKey(absl::string_view vkey) {
  std::vector<absl::string_view> parts = absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("a verifier key is <name>+<key ID>+<base64 key>");
  }
  RETURN_IF_ERROR(CheckKeyName(parts[0]));
  uint32_t key_id = 0;
  std::string material;
  if (parts[1].size() != 8 || !absl::SimpleHexAtoi(parts[1], &key_id)) {
    return absl::InvalidArgumentError("verifier key: the key ID is not 8 hex digits");
  }
  if (!StrictBase64(parts[2], material) ||
      material.size() != 1 + crypto::kEd25519PublicKeySize) {
    return absl::InvalidArgumentError("verifier key: not base64 of a type and a 32-byte key");
  }
  const auto type = static_cast<uint8_t>(material[0]);
  if (type != kNoteEd25519 && type != kCosignatureEd25519) {
    return absl::InvalidArgumentError(
        absl::StrFormat("verifier key: type 0x%02x is neither 0x01 (Ed25519) nor 0x04 "
                        "(Ed25519 cosignature)", type));
  }
  VerifierKey key = MakeVerifierKey(parts[0], type, material.substr(1));
  if (key.key_id != key_id) {
    return absl::InvalidArgumentError("verifier key: the key ID does not match the key");
  }
  return key;
}

absl::StatusOr<Note> ParseNote(absl::string_view note) {
  if (!IsValidUtf8(note)) return absl::InvalidArgumentError("note is not UTF-8");
  for (char c : note) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) {
      return absl::InvalidArgumentError("note has a control character");
    }
  }
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos || !absl::EndsWith(note, "\n")) {
    return absl::InvalidArgumentError("note has no blank line before its signatures");
  }
  Note out;
  out.text = std::string(note.substr(0, split + 1));
  absl::string_view block = note.substr(split + 2);
  if (block.empty()) return absl::InvalidArgumentError("note has no signature lines");
  block.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(block, '\n')) {
    if (out.signatures.size() == kMaxNoteSignatures) {
      return absl::InvalidArgumentError(
          absl::StrCat("note has more than ", kMaxNoteSignatures, " signatures"));
    }
    ASSIGN_OR_RETURN(NoteSignature sig, ParseSignatureLine(line));
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line) {
  const auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("signature line '", line, "': ", what));
  };
  if (!absl::ConsumePrefix(&line, kEmDash) || !absl::ConsumePrefix(&line, " ")) {
    return bad("does not start with an em dash and a space");
  }
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return bad("no signature after the key name");
  NoteSignature sig;
  sig.name = std::string(line.substr(0, space));
  RETURN_IF_ERROR(CheckKeyName(sig.name));
  std::string bytes;
  if (!StrictBase64(line.substr(space + 1), bytes) || bytes.size() < 5) {
    return bad("the signature is not base64 of a key ID and a signature");
  }
  sig.key_id = static_cast<uint32_t>(ReadBigEndian(bytes.substr(0, 4)));
  sig.signature = bytes.substr(4);
  return sig;
}

std::string FormatSignatureLine(const NoteSignature& sig) {
  return absl::StrCat(kEmDash, " ", sig.name, " ",
                      absl::Base64Escape(BigEndian(sig.key_id, 4) + sig.signature), "\n");
}

std::string FormatNote(const Note& note) {
  std::string out = note.text + "\n";
  for (const NoteSignature& sig : note.signatures) out += FormatSignatureLine(sig);
  return out;
}

std::string CheckpointText(const Checkpoint& c) {
  return absl::StrCat(c.origin, "\n", c.size, "\n", absl::Base64Escape(c.root), "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpointText(absl::string_view text) {
  if (!absl::ConsumeSuffix(&text, "\n")) {
    return absl::InvalidArgumentError("checkpoint text does not end in a newline");
  }
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a checkpoint has 3 lines (origin, tree size, root hash), not ", lines.size()));
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return absl::InvalidArgumentError("checkpoint origin is empty");
  if (!ParseCanonical(lines[1], c.size)) {
    return absl::InvalidArgumentError("checkpoint tree size is not a decimal number");
  }
  if (!StrictBase64(lines[2], c.root) || c.root.size() != merkle::kHashSize) {
    return absl::InvalidArgumentError("checkpoint root hash is not base64 of 32 bytes");
  }
  return c;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const crypto::Ed25519PrivateKey& key) {
  RETURN_IF_ERROR(CheckKeyName(checkpoint.origin));
  Note note;
  note.text = CheckpointText(checkpoint);
  ASSIGN_OR_RETURN(std::string sig, key.Sign(note.text));
  note.signatures.push_back(NoteSignature{
      checkpoint.origin, NoteKeyId(checkpoint.origin, kNoteEd25519, key.public_key()), sig});
  return FormatNote(note);
}

absl::StatusOr<OpenedCheckpoint> OpenCheckpoint(absl::string_view signed_note,
                                                const VerifierKey& log_key,
                                                const std::vector<VerifierKey>& witnesses) {
  OpenedCheckpoint out;
  ASSIGN_OR_RETURN(out.note, ParseNote(signed_note));
  out.text = out.note.text;
  bool signed_by_log = false;
  for (const NoteSignature& sig : out.note.signatures) {
    if (sig.name == log_key.name && sig.key_id == log_key.key_id) {
      absl::Status ok = crypto::Ed25519Verify(log_key.public_key, out.text, sig.signature);
      if (!ok.ok()) {
        return absl::UnauthenticatedError(absl::StrCat(
            "the checkpoint's signature by the log key ", log_key.name, " does not verify"));
      }
      signed_by_log = true;
    }
  }
  if (!signed_by_log) {
    return absl::UnauthenticatedError(
        absl::StrCat("the checkpoint is not signed by the log key ", log_key.name));
  }
  ASSIGN_OR_RETURN(out.checkpoint, ParseCheckpointText(out.text));
  if (out.checkpoint.origin != log_key.name) {
    return absl::UnauthenticatedError(absl::StrCat("the checkpoint's origin '",
                                                   out.checkpoint.origin,
                                                   "' is not the log key's name ", log_key.name));
  }
  for (const NoteSignature& sig : out.note.signatures) {
    for (const VerifierKey& w : witnesses) {
      if (sig.name != w.name || sig.key_id != w.key_id) continue;
      ASSIGN_OR_RETURN(absl::Time time, VerifyCosignature(out.text, sig, w));
      out.cosignatures.push_back(OpenedCheckpoint::Cosigned{w.name, time});
    }
  }
  return out;
}

std::string CosignedMessage(absl::string_view checkpoint_text, uint64_t timestamp) {
  return absl::StrCat(kCosignatureHeader, "time ", timestamp, "\n", checkpoint_text);
}

absl::StatusOr<NoteSignature> Cosign(absl::string_view checkpoint_text, absl::string_view name,
                                     const crypto::Ed25519PrivateKey& key, absl::Time time) {
  RETURN_IF_ERROR(CheckKeyName(name));
  const int64_t seconds = absl::ToUnixSeconds(time);
  if (seconds < 0) return absl::InvalidArgumentError("cosignature time before 1970");
  const auto timestamp = static_cast<uint64_t>(seconds);
  ASSIGN_OR_RETURN(std::string sig, key.Sign(CosignedMessage(checkpoint_text, timestamp)));
  return NoteSignature{std::string(name),
                       NoteKeyId(name, kCosignatureEd25519, key.public_key()),
                       BigEndian(timestamp, 8) + sig};
}

absl::StatusOr<absl::Time> VerifyCosignature(absl::string_view checkpoint_text,
                                             const NoteSignature& signature,
                                             const VerifierKey& witness) {
  const auto refuse = [&](absl::string_view what) {
    return absl::UnauthenticatedError(
        absl::StrCat("cosignature by ", witness.name, ": ", what));
  };
  if (witness.type != kCosignatureEd25519) return refuse("not a cosignature key");
  if (signature.name != witness.name || signature.key_id != witness.key_id) {
    return refuse("signed by another key");
  }
  if (signature.signature.size() != 8 + crypto::kEd25519SignatureSize) {
    return refuse("not a timestamp and an Ed25519 signature");
  }
  const uint64_t timestamp = ReadBigEndian(signature.signature.substr(0, 8));
  if (timestamp > static_cast<uint64_t>(INT64_MAX)) return refuse("timestamp out of range");
  if (!crypto::Ed25519Verify(witness.public_key, CosignedMessage(checkpoint_text, timestamp),
                             signature.signature.substr(8))
           .ok()) {
    return refuse("signature does not verify");
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(timestamp));
}

}  // namespace throughcare::audit
