#pragma once
// What counts as a ShapeBlock object: the only thing the server may ask an
// operator to apply or delete.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "agent/messages.hpp"

namespace sb::agent {

inline constexpr std::string_view kShapeBlockApiVersion = "apps.shapeblock.io/v1alpha1";

bool is_shapeblock_kind(std::string_view kind);
bool is_namespaced(std::string_view kind);  // every kind but Project

// nullopt when `ref` names a ShapeBlock object properly (known kind, DNS-1123
// names, a namespace exactly when the kind has one); else a `forbidden` or
// `malformed` Error naming what is wrong.
std::optional<Error> check_ref(const ObjectRef& ref);
// As check_ref for a whole object, which must also carry the ShapeBlock
// apiVersion. Fills `ref` from the object's kind and metadata.
std::optional<Error> check_object(const boost::json::object& object, ObjectRef& ref);

// The Secret an appSecret writes: `<app>-env`, `<app>-git` or `<app>-registry`.
std::string app_secret_name(std::string_view app, std::string_view purpose);
// nullopt when `secret` may be written: DNS-1123 namespace and app, a known
// purpose (else forbidden: it would name another Secret), and keys that
// purpose allows (env: environment variable names usable as Secret keys;
// git: token; registry: .dockerconfigjson). Messages name keys, never values.
std::optional<Error> check_app_secret(const AppSecret& secret);

// "sha256:" and 64 lower-case hex digits: how uploads are named.
bool is_sha256_digest(std::string_view digest);
// nullopt when `chunk` is well formed: an upload id, DNS-1123 namespace and
// app, a non-negative offset, data within kMaxSourceChunkBytes, and on the
// last piece a digest and a size equal to offset + data.
std::optional<Error> check_source_chunk(const SourceChunk& chunk);

}  // namespace sb::agent
