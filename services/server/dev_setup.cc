#include "services/server/dev_setup.h"

#include <sys/stat.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/files.h"
#include "services/core/yaml.h"
#include "services/audit/note.h"
#include "services/crypto/aead.h"
#include "services/crypto/ed25519.h"
#include "services/crypto/pki.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

struct DemoAgency {
  const char* id;
  const char* kind;
  const char* name;
  std::vector<std::string> home_areas;
  std::vector<std::string> roles;
};

// Plainly synthetic agencies; area codes in the unused E999999xx range.
const std::vector<DemoAgency>& DemoAgencies() {
  static const auto* agencies = new std::vector<DemoAgency>{
      {"hmp-northgate", "prison", "HMP Northgate (demo prison)", {},
       {"prison_reception", "carat_worker", "resettlement_officer", "team_manager", "witness"}},
      {"hmp-northgate-healthcare", "prison_healthcare", "HMP Northgate Healthcare (demo)", {},
       {"prison_healthcare", "witness"}},
      {"probation-east", "probation", "East Area Probation Service (demo)", {"E99999001"},
       {"offender_manager", "witness"}},
      {"cjit-east", "cjit", "East Area CJIT drug team (demo)", {"E99999001"},
       {"cjit_worker", "team_manager", "witness"}},
      {"housing-east", "housing", "East District Council Housing (demo)", {"E99999001"},
       {"housing_officer", "team_manager", "witness"}},
      {"health-east", "health", "East Area GP and community health services (demo)",
       {"E99999001"}, {"gp", "team_manager", "witness"}},
      {"police-east", "police", "East Area Police (demo)", {"E99999001"},
       {"custody_officer", "witness"}},
      {"ig-office", "oversight", "Information Governance Office (demo)", {},
       {"auditor", "policy_admin", "data_protection_officer", "witness"}},
  };
  return *agencies;
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& contents,
                       bool secret) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path.string()));
  if (secret && chmod(path.c_str(), 0600) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot restrict permissions of ", path.string()));
  }
  return absl::OkStatus();
}

std::string YamlList(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

// Writes `contents` unless the file already holds exactly that.
absl::Status Refresh(const std::filesystem::path& path, const std::string& contents) {
  absl::StatusOr<std::string> current = ReadFile(path.string());
  if (current.ok() && *current == contents) return absl::OkStatus();
  return WriteFile(path, contents, false);
}

// The demo directory without the contacts of agencies `config` does not have (an environment
// made before an agency joined the demo keeps working).
absl::StatusOr<std::string> DemoDirectoryFor(const std::filesystem::path& config) {
  ASSIGN_OR_RETURN(YAML::Node root, ReadYamlFile(config.string()));
  ASSIGN_OR_RETURN(YAML::Node directory, ParseYaml(kDemoDirectory, "the demo directory"));
  std::set<std::string> agencies;
  for (const auto& a : root["agencies"]) agencies.insert(a["id"].as<std::string>(""));
  YAML::Node kept(YAML::NodeType::Sequence);
  for (const auto& c : directory["contacts"]) {
    if (agencies.count(c["agency"].as<std::string>("")) > 0) kept.push_back(c);
  }
  if (kept.size() == directory["contacts"].size()) return std::string(kDemoDirectory);
  directory["contacts"] = kept;
  YAML::Emitter out;
  out << directory;
  return absl::StrCat("# The demo directory (deploy/directory.yaml documents the format), without\n"
                      "# the contacts of demo agencies this environment was made without.\n",
                      out.c_str(), "\n");
}

// A development log's origin: unique per environment, so that a witness's state from one is
// never mistaken for another's.
absl::StatusOr<std::string> DevAuditOrigin() {
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(6));
  return absl::StrCat("dev.throughcare.invalid/audit/", absl::BytesToHexString(nonce));
}

// The demo policy and directory, and the keys a config made by an older broker lacks
// (directory_file, audit_origin).
absl::Status WriteDemoPolicyAndDirectory(const std::filesystem::path& dir,
                                         const std::filesystem::path& config) {
  RETURN_IF_ERROR(Refresh(dir / "policy.yaml", kDemoPolicy));
  ASSIGN_OR_RETURN(std::string directory, DemoDirectoryFor(config));
  RETURN_IF_ERROR(Refresh(dir / "directory.yaml", directory));
  ASSIGN_OR_RETURN(std::string text, ReadFile(config.string()));
  std::string added;
  if (text.find("\ndirectory_file:") == std::string::npos) {
    absl::StrAppend(&added, "directory_file: directory.yaml\n");
  }
  if (text.find("\naudit_origin:") == std::string::npos) {
    ASSIGN_OR_RETURN(std::string origin, DevAuditOrigin());
    absl::StrAppend(&added, "audit_origin: ", origin, "\n");
  }
  if (!added.empty()) RETURN_IF_ERROR(WriteFile(config, text + added, false));
  return absl::OkStatus();
}

// The agency's witness key (a separate key from its identity key: one key, one job), its config
// lines and its CLI profile lines.
struct DevWitness {
  std::string config;
  std::string profile;
  std::string vkey;  // its verifier key, for auditors who count cosignatures
};
absl::StatusOr<DevWitness> MakeDevWitness(const std::filesystem::path& dir,
                                          const std::string& agency) {
  ASSIGN_OR_RETURN(crypto::KeyPair key, crypto::GenerateEd25519KeyPair());
  const std::filesystem::path private_key = dir / "keys" / absl::StrCat(agency, "-witness.pem");
  const std::string public_key = absl::StrCat("keys/", agency, "-witness.pub.pem");
  RETURN_IF_ERROR(WriteFile(private_key, key.private_key_pem, true));
  RETURN_IF_ERROR(WriteFile(dir / public_key, key.public_key_pem, false));
  const std::string name = absl::StrCat("dev.throughcare.invalid/witness/", agency);
  ASSIGN_OR_RETURN(std::string raw, crypto::Ed25519PublicKeyFromPem(key.public_key_pem));
  return DevWitness{
      absl::StrCat("    witness:\n      name: ", name, "\n      key: ", public_key, "\n"),
      absl::StrCat("witness_name: ", name, "\nwitness_key: ", private_key.string(), "\n"),
      audit::FormatVerifierKey(audit::MakeVerifierKey(name, audit::kCosignatureEd25519, raw))};
}

}  // namespace

absl::StatusOr<std::string> PrepareDevEnvironment(const std::string& dir_name,
                                                  const std::string& listen, absl::Time now) {
  const std::filesystem::path dir = std::filesystem::absolute(dir_name);
  const std::filesystem::path config = dir / "throughcared.yaml";
  if (std::filesystem::exists(config)) {
    // Keys, certificates and data are kept; the demo policy and directory follow the broker's
    // version, so a development environment made by an older broker keeps working with the demo.
    RETURN_IF_ERROR(WriteDemoPolicyAndDirectory(dir, config));
    return config.string();
  }

  std::error_code ec;
  for (const char* sub : {"pki", "keys", "profiles", "data"}) {
    std::filesystem::create_directories(dir / sub, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", (dir / sub).string()));
  }
  chmod((dir / "keys").c_str(), 0700);
  chmod((dir / "pki").c_str(), 0700);

  const absl::Time not_after = now + absl::Hours(24 * 365);
  ASSIGN_OR_RETURN(crypto::IssuedCertificate ca,
                   crypto::CreateCertificateAuthority("Throughcare development CA", now, not_after));
  RETURN_IF_ERROR(WriteFile(dir / "pki/ca.pem", ca.certificate_pem, false));
  RETURN_IF_ERROR(WriteFile(dir / "pki/ca.key", ca.private_key_pem, true));

  crypto::CertificateRequest server_req;
  server_req.common_name = "throughcared";
  server_req.dns_names = {"localhost"};
  server_req.ip_addresses = {"127.0.0.1"};
  server_req.server = true;
  server_req.not_before = now;
  server_req.not_after = not_after;
  ASSIGN_OR_RETURN(crypto::IssuedCertificate server, crypto::IssueCertificate(ca, server_req));
  RETURN_IF_ERROR(WriteFile(dir / "pki/server.pem", server.certificate_pem, false));
  RETURN_IF_ERROR(WriteFile(dir / "pki/server.key", server.private_key_pem, true));

  ASSIGN_OR_RETURN(std::string master_key, crypto::RandomBytes(crypto::kAesKeySize));
  RETURN_IF_ERROR(WriteFile(dir / "keys/master.key", absl::BytesToHexString(master_key) + "\n",
                            true));
  ASSIGN_OR_RETURN(crypto::KeyPair signing, crypto::GenerateEd25519KeyPair());
  RETURN_IF_ERROR(WriteFile(dir / "keys/audit-signing.pem", signing.private_key_pem, true));
  // The log's public key as auditors and witnesses are given it (a C2SP verifier key).
  ASSIGN_OR_RETURN(std::string origin, DevAuditOrigin());
  ASSIGN_OR_RETURN(std::string log_public, crypto::Ed25519PublicKeyFromPem(signing.public_key_pem));
  const std::string log_vkey =
      audit::FormatVerifierKey(audit::MakeVerifierKey(origin, audit::kNoteEd25519, log_public));
  RETURN_IF_ERROR(WriteFile(dir / "keys/audit-log.vkey", log_vkey + "\n", false));
  std::string agencies;
  std::string witness_vkeys;
  for (const DemoAgency& a : DemoAgencies()) {
    const std::string system_cn = absl::StrCat(a.id, "-system");
    crypto::CertificateRequest req;
    req.common_name = system_cn;
    req.not_before = now;
    req.not_after = not_after;
    ASSIGN_OR_RETURN(crypto::IssuedCertificate cert, crypto::IssueCertificate(ca, req));
    const std::filesystem::path cert_path = dir / "pki" / absl::StrCat(a.id, ".pem");
    const std::filesystem::path key_path = dir / "pki" / absl::StrCat(a.id, ".key");
    RETURN_IF_ERROR(WriteFile(cert_path, cert.certificate_pem, false));
    RETURN_IF_ERROR(WriteFile(key_path, cert.private_key_pem, true));

    ASSIGN_OR_RETURN(crypto::KeyPair identity, crypto::GenerateEd25519KeyPair());
    const std::filesystem::path id_private = dir / "keys" / absl::StrCat(a.id, "-identity.pem");
    const std::string id_public = absl::StrCat("keys/", a.id, "-identity.pub.pem");
    RETURN_IF_ERROR(WriteFile(id_private, identity.private_key_pem, true));
    RETURN_IF_ERROR(WriteFile(dir / id_public, identity.public_key_pem, false));

    ASSIGN_OR_RETURN(DevWitness witness, MakeDevWitness(dir, a.id));
    absl::StrAppend(&witness_vkeys, witness.vkey, "\n");
    absl::StrAppend(&agencies, "  - id: ", a.id, "\n    kind: ", a.kind, "\n    name: \"", a.name,
                    "\"\n    home_areas: ", YamlList(a.home_areas),
                    "\n    roles: ", YamlList(a.roles), "\n    identity_key: ", id_public,
                    "\n    systems:\n      - id: ", system_cn, "\n        certificate_cn: ",
                    system_cn, "\n", witness.config);

    RETURN_IF_ERROR(WriteFile(
        dir / "profiles" / absl::StrCat(a.id, ".yaml"),
        absl::StrCat("# CLI profile for the demo agency ", a.id, " (throughcare --profile FILE)\n",
                     "server: ", listen, "\nca: ", (dir / "pki/ca.pem").string(),
                     "\ncertificate: ", cert_path.string(), "\nprivate_key: ", key_path.string(),
                     "\nagency: ", a.id, "\nidentity_key: ", id_private.string(), "\n",
                     witness.profile, "audit_log_key: ", log_vkey, "\naudit_witness_keys: ",
                     (dir / "keys/witnesses.vkeys").string(), "\n"),
        false));
  }

  RETURN_IF_ERROR(WriteFile(dir / "keys/witnesses.vkeys", witness_vkeys, false));
  RETURN_IF_ERROR(WriteFile(
      config,
      absl::StrCat(
          "# throughcared development configuration, made by `throughcared --dev`.\n"
          "# Every key is documented in deploy/throughcared.example.yaml.\n"
          "listen: \"", listen, "\"\n"
          "metrics_listen: \"127.0.0.1:9464\"\n"
          "tls:\n  ca: pki/ca.pem\n  certificate: pki/server.pem\n  private_key: pki/server.key\n"
          "storage:\n  sqlite_path: data/throughcare.db\n"
          "master_key_file: keys/master.key\n"
          "audit_signing_key_file: keys/audit-signing.pem\n"
          "audit_origin: ", origin, "\n"
          "policy_file: policy.yaml\n"
          "directory_file: directory.yaml\n"
          "agencies:\n",
          agencies),
      false));
  RETURN_IF_ERROR(WriteDemoPolicyAndDirectory(dir, config));
  return config.string();
}

}  // namespace throughcare::server
