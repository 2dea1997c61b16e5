#include "services/server/handlers.h"
#include "services/server/validate_subjects.h"

namespace throughcare::server {

grpc::ServerUnaryReactor* SubjectHandlers::RegisterSubject(grpc::CallbackServerContext* ctx,
                                                           const v1::RegisterSubjectRequest* req,
                                                           v1::Subject* resp) {
  return edge_.Unary(ctx, "RegisterSubject", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    absl::StatusOr<RegisterParams> p = ValidateRegisterSubject(*req);
    if (!p.ok()) return finish(p.status());
    service_.Register(call, std::move(p->identifiers), std::move(p->home_area),
                      ReplyInto<Subject>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::GetSubject(grpc::CallbackServerContext* ctx,
                                                      const v1::GetSubjectRequest* req,
                                                      v1::Subject* resp) {
  return edge_.Unary(ctx, "GetSubject", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateSubjectId(req->subject_id(), "subject_id"); !s.ok()) return finish(s);
    service_.Get(call, req->subject_id(), ReplyInto<Subject>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::ResolveIdentifier(
    grpc::CallbackServerContext* ctx, const v1::ResolveIdentifierRequest* req, v1::Subject* resp) {
  return edge_.Unary(ctx, "ResolveIdentifier", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    ResolveIdentifier(call, *req, resp, std::move(finish));
  });
}

void SubjectHandlers::ResolveIdentifier(const CallContext& call,
                                        const v1::ResolveIdentifierRequest& req,
                                        v1::Subject* resp, Finish finish) {
  auto id = ValidateIdentifier(req.identifier(), "identifier");
  if (!id.ok()) return finish(id.status());
  service_.Resolve(call, *std::move(id), ReplyInto<Subject>(resp, std::move(finish)));
}

grpc::ServerUnaryReactor* SubjectHandlers::LinkIdentifier(grpc::CallbackServerContext* ctx,
                                                          const v1::LinkIdentifierRequest* req,
                                                          v1::Subject* resp) {
  return edge_.Unary(ctx, "LinkIdentifier", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto id = ValidateLinkIdentifier(*req);
    if (!id.ok()) return finish(id.status());
    service_.Link(call, req->subject_id(), *std::move(id),
                  ReplyInto<Subject>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::UnlinkIdentifier(grpc::CallbackServerContext* ctx,
                                                            const v1::UnlinkIdentifierRequest* req,
                                                            v1::Subject* resp) {
  return edge_.Unary(ctx, "UnlinkIdentifier", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto id = ValidateUnlinkIdentifier(*req);
    if (!id.ok()) return finish(id.status());
    service_.Unlink(call, req->subject_id(), *std::move(id),
                    ReplyInto<Subject>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::SetHomeArea(grpc::CallbackServerContext* ctx,
                                                       const v1::SetHomeAreaRequest* req,
                                                       v1::Subject* resp) {
  return edge_.Unary(ctx, "SetHomeArea", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto area = ValidateSetHomeArea(*req);
    if (!area.ok()) return finish(area.status());
    service_.SetHomeArea(call, req->subject_id(), *std::move(area),
                         ReplyInto<Subject>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::StartRelationship(
    grpc::CallbackServerContext* ctx, const v1::StartRelationshipRequest* req,
    v1::Relationship* resp) {
  return edge_.Unary(ctx, "StartRelationship", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    StartRelationship(call, *req, resp, std::move(finish));
  });
}

void SubjectHandlers::StartRelationship(const CallContext& call,
                                        const v1::StartRelationshipRequest& req,
                                        v1::Relationship* resp, Finish finish) {
  auto kind = ValidateStartRelationship(req);
  if (!kind.ok()) return finish(kind.status());
  service_.StartRelationship(call, req.subject_id(), *kind, req.for_me(), req.note(),
                             ReplyInto<Relationship>(resp, std::move(finish)));
}

grpc::ServerUnaryReactor* SubjectHandlers::EndRelationship(grpc::CallbackServerContext* ctx,
                                                           const v1::EndRelationshipRequest* req,
                                                           v1::Relationship* resp) {
  return edge_.Unary(ctx, "EndRelationship", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateOpaqueId(req->relationship_id(), "rel", "relationship_id"); !s.ok()) {
      return finish(s);
    }
    service_.EndRelationship(call, req->relationship_id(),
                             ReplyInto<Relationship>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* SubjectHandlers::ListRelationships(
    grpc::CallbackServerContext* ctx, const v1::ListRelationshipsRequest* req,
    v1::ListRelationshipsResponse* resp) {
  return edge_.Unary(ctx, "ListRelationships", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateSubjectId(req->subject_id(), "subject_id"); !s.ok()) return finish(s);
    service_.ListRelationships(call, req->subject_id(),
                               ReplyInto<std::vector<Relationship>>(resp, std::move(finish)));
  });
}

}  // namespace throughcare::server
