// Fuzzes the JSON body decoding of the API: the first byte picks a decoder,
// the rest is the request body. Decoders: an app's create body and its env
// replacement (the richest bodies, shared code with the routes), and one
// that calls every BodyReader accessor and validator the other routes use.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/api/app_body.hpp"
#include "server/core/json_input.hpp"
#include "tests/fuzz/fuzz_checks.hpp"

namespace {
using namespace sb::server;

void decode_app_create(std::string_view body_text) {
    auto body = BodyReader::parse(body_text);
    auto name = body.required_string("name", {.max_length = 63});
    validate_name("name", name);
    auto spec = api::default_app_spec(name);
    api::AppSecrets secrets;
    api::apply_app_body(body, spec, secrets);
    body.finish();
}

void decode_app_env(std::string_view body_text) {
    auto body = BodyReader::parse(body_text);
    if (!body.has("env")) throw invalid_field("env", "env is required");
    auto spec = api::default_app_spec("app");
    api::AppSecrets secrets;
    api::apply_app_body(body, spec, secrets);
    body.finish();
}

void decode_every_accessor(std::string_view body_text) {
    auto body = BodyReader::parse(body_text);
    if (auto name = body.string("name", {.max_length = 63, .allow_empty = false})) validate_name("name", *name);
    if (auto email = body.string("email", {.max_length = 254})) validate_email("email", *email);
    body.boolean("isAdmin");
    body.integer("replicas", 0, 100);
    body.integer("expiresInDays", 1, 3650);
    body.integer("quantity", INT64_MIN, INT64_MAX);
    if (auto keys = body.string_list("keys", 20, {.max_length = 128}))
        for (std::size_t i = 0; i < keys->size(); ++i) validate_env_key("keys[" + std::to_string(i) + "]", (*keys)[i]);
    if (auto nested = body.object("spec")) {
        nested->string("version", {.max_length = 32});
        nested->integer("storageGiB", 1, 1024);
        if (auto inner = nested->object("resources")) {
            inner->string("cpu");
            inner->finish();
        }
        nested->finish();
    }
    body.raw_object("values");
    body.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        switch (data[0] % 3) {
            case 0: decode_app_create(body); break;
            case 1: decode_app_env(body); break;
            default: decode_every_accessor(body); break;
        }
    } catch (const ApiError& e) {
        fuzz::check_client_error(e);
    }
    return 0;
}
