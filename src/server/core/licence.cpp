#include "server/core/licence.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "common/base64.hpp"
#include "server/core/crypto.hpp"

namespace sb::server {
namespace json = boost::json;

// The vendor's licence signing key (public half). The private half is kept
// offline by the vendor, never in this repository; licences are signed with
// `shapeblock-server sign-licence --key <file>` (see src/server/README.md).
std::string_view builtin_licence_public_key() { return "SF2M3yOKAlvEAED+RrhV9kw9Xplu1P3TPDVceV84R9k="; }
std::string_view release_date() { return "2025-01-01"; }

namespace {

bool is_date(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

std::int64_t positive_int(const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_int64() || v->as_int64() < 1) throw std::invalid_argument(std::string("licence field ") + key + " must be a positive integer");
    return v->as_int64();
}

std::string text(const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_string() || v->as_string().empty()) throw std::invalid_argument(std::string("licence field ") + key + " is missing");
    return std::string(v->as_string());
}

}  // namespace

Licence verify_licence(std::string_view document, std::string_view public_key_base64) {
    boost::system::error_code ec;
    json::value doc = json::parse(document, ec);
    if (ec || !doc.is_object()) throw std::invalid_argument("licence is not a JSON document");
    const auto* payload_b64 = doc.as_object().if_contains("payload");
    const auto* signature_b64 = doc.as_object().if_contains("signature");
    if (!payload_b64 || !payload_b64->is_string() || !signature_b64 || !signature_b64->is_string())
        throw std::invalid_argument("licence needs a payload and a signature");
    auto payload = sb::try_base64_decode(payload_b64->as_string());
    auto signature = sb::try_base64_decode(signature_b64->as_string());
    auto key = sb::try_base64_decode(public_key_base64);
    if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) throw std::invalid_argument("licence public key is malformed");
    if (!payload || !signature || signature->size() != crypto_sign_BYTES ||
        crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature->data()),
                                    reinterpret_cast<const unsigned char*>(payload->data()), payload->size(),
                                    reinterpret_cast<const unsigned char*>(key->data())) != 0)
        throw std::invalid_argument("licence signature is not valid for this product");
    json::value body = json::parse(*payload, ec);
    if (ec || !body.is_object()) throw std::invalid_argument("licence payload is not a JSON object");
    const auto& o = body.as_object();
    Licence licence;
    licence.installed = true;
    licence.licensee = text(o, "licensee");
    std::string edition = text(o, "edition");
    if (edition == "single") licence.edition = Edition::single_tenant;
    else if (edition == "multi") licence.edition = Edition::multi_tenant;
    else throw std::invalid_argument("licence edition must be single or multi");
    licence.max_clusters = positive_int(o, "maxClusters");
    licence.max_users = positive_int(o, "maxUsers");
    licence.updates_until = text(o, "updatesUntil");
    licence.issued_at = text(o, "issuedAt");
    if (!is_date(licence.updates_until) || !is_date(licence.issued_at))
        throw std::invalid_argument("licence dates must be YYYY-MM-DD");
    if (licence.updates_until < release_date())
        throw std::invalid_argument("licence covers updates released until " + licence.updates_until +
                                    ", but this version was released " + std::string(release_date()));
    return licence;
}

std::string sign_licence(std::string_view payload_json, std::string_view secret_key_base64) {
    auto key = sb::try_base64_decode(secret_key_base64);
    if (!key || key->size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("secret key is malformed");
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(payload_json.data()), payload_json.size(),
                         reinterpret_cast<const unsigned char*>(key->data()));
    json::object doc;
    doc["payload"] = sb::base64_encode(payload_json);
    doc["signature"] = sb::base64_encode(std::string_view(reinterpret_cast<const char*>(sig), sizeof(sig)));
    return json::serialize(doc);
}

}  // namespace sb::server
