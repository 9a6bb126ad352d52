// shapeblock-server: `serve` (default), `migrate`, `rotate-master-key`, and
// the vendor's licence tools `licence-keygen` and `sign-licence`. Every flag has an
// SB_* environment variable and may also come from a config file (--config,
// TOML/INI: key = value).
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/log.hpp"
#include "server/core/config_check.hpp"
#include "server/core/key_rotation.hpp"
#include "server/core/licence_tool.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
    sb::server::Config config;
    std::string log_level = "info", log_format = "json";
    CLI::App app{"ShapeBlock control plane"};
    app.set_config("--config", "", "Read options from this file (TOML/INI)");
    // A misspelt key in the file is an error, not a silently ignored line.
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.require_subcommand(0, 1);
    app.fallthrough();  // `shapeblock-server migrate --data-dir x` works as well as the other order
    auto opt = [&](const std::string& flag, auto& target, const std::string& env, const std::string& help) {
        app.add_option(flag, target, help)->envname(env)->capture_default_str();
    };
    opt("--listen", config.listen_address, "SB_LISTEN", "Address to listen on");
    opt("--port", config.port, "SB_PORT", "TCP port");
    opt("--data-dir", config.data_dir, "SB_DATA_DIR", "Directory for the SQLite database and the master key");
    opt("--database-url", config.database_url, "SB_DATABASE_URL", "PostgreSQL URL; SQLite in --data-dir when empty");
    opt("--database-pool", config.database_pool_size, "SB_DATABASE_POOL", "PostgreSQL connections");
    opt("--tls-cert", config.tls_cert_file, "SB_TLS_CERT", "PEM certificate chain; enables HTTPS");
    opt("--tls-key", config.tls_key_file, "SB_TLS_KEY", "PEM private key");
    opt("--master-key-file", config.master_key_file, "SB_MASTER_KEY_FILE", "Base64 32-byte key sealing secrets at rest (default <data-dir>/master.key)");
    opt("--admin-email", config.admin_email, "SB_ADMIN_EMAIL", "E-mail of the administrator created on first start");
    opt("--body-limit", config.body_limit_bytes, "SB_BODY_LIMIT", "Largest accepted request body in bytes");
    opt("--source-upload-limit", config.source_upload_limit_bytes, "SB_SOURCE_UPLOAD_LIMIT",
        "Largest uploaded source archive (sb push --path) in bytes; relayed to the app's cluster, never stored here");
    opt("--hash-threads", config.hash_threads, "SB_HASH_THREADS", "Threads for password hashing");
    opt("--log-streams-per-user", config.log_streams_per_user, "SB_LOG_STREAMS_PER_USER",
        "App log streams one user may have open at once");
    opt("--log-streams-per-cluster", config.log_streams_per_cluster, "SB_LOG_STREAMS_PER_CLUSTER",
        "App log streams API clients may have open on one cluster at once");
    opt("--public-url", config.public_url, "SB_PUBLIC_URL",
        "URL clusters reach the server at, for registration commands (default: the requesting URL's scheme and host)");
    std::int64_t registration_ttl = config.registration_ttl.count();
    opt("--registration-ttl", registration_ttl, "SB_REGISTRATION_TTL", "Seconds a cluster registration URL stays valid");
    opt("--operator-image", config.operator_image, "SB_OPERATOR_IMAGE",
        "Operator image in registration manifests (default: the one in deploy/manifests)");
    opt("--ui-dir", config.ui_dir, "SB_UI_DIR",
        "The web UI's built files (web/dist); default: ui/ beside the executable");
    opt("--log-level", log_level, "SB_LOG_LEVEL", "debug|info|warn|error");
    opt("--log-format", log_format, "SB_LOG_FORMAT", "json|text");
    // Secrets only from the environment, so they never show in `ps`.
    if (const char* v = std::getenv("SB_MASTER_KEY")) config.master_key = v;
    if (const char* v = std::getenv("SB_ADMIN_PASSWORD")) config.admin_password = v;
    if (const char* v = std::getenv("SB_TEST_FAST_HASHING"); v && std::string(v) == "1") config.fast_password_hashing = true;
    auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
    auto* rotate = app.add_subcommand("rotate-master-key",
                                      "Re-seal every secret with a new master key in one transaction (server stopped; see README)");
    std::string new_key_file;
    rotate->add_option("--new-master-key-file", new_key_file,
                       "The new key (base64, 32 bytes); created with a fresh key when missing. Default: <key file>.next");
    auto* keygen = app.add_subcommand("licence-keygen", "Vendor: create a licence signing key pair (prints the public key)");
    std::string licence_key_file;
    keygen->add_option("--key", licence_key_file, "Where to write the secret key (mode 0600; never overwritten)")->required();
    auto* sign = app.add_subcommand("sign-licence", "Vendor: sign a licence with a secret key file (prints the document)");
    sb::server::LicenceTerms terms;
    sign->add_option("--key", licence_key_file, "The secret key file (from licence-keygen)")->required();
    sign->add_option("--licensee", terms.licensee, "Who the licence is for")->required();
    sign->add_option("--edition", terms.edition, "single | multi")->capture_default_str();
    sign->add_option("--max-clusters", terms.max_clusters, "Clusters allowed")->capture_default_str();
    sign->add_option("--max-users", terms.max_users, "Users allowed")->capture_default_str();
    sign->add_option("--updates-until", terms.updates_until, "Last release date covered (YYYY-MM-DD)")->required();
    sign->add_option("--issued-at", terms.issued_at, "Issue date (YYYY-MM-DD; default today)");
    app.add_subcommand("serve", "Serve the API (the default)");
    CLI11_PARSE(app, argc, argv);
    config.registration_ttl = std::chrono::seconds(registration_ttl);
    try {
        try {
            sb::log::set_level(sb::log::parse_level(log_level));
        } catch (const std::invalid_argument&) {
            throw std::invalid_argument("--log-level (SB_LOG_LEVEL) must be debug, info, warn or error; got '" + log_level + "'");
        }
        if (log_format != "json" && log_format != "text")
            throw std::invalid_argument("--log-format (SB_LOG_FORMAT) must be json or text; got '" + log_format + "'");
        sb::log::set_format(log_format == "text" ? sb::log::Format::text : sb::log::Format::json);
        sb::server::check_config(config);
        if (migrate->parsed()) {
            int applied = sb::server::migrate_database(config);
            sb::log::info("migrations applied", {{"count", applied}});
            return 0;
        }
        if (keygen->parsed()) {
            std::cout << sb::server::generate_licence_key_file(licence_key_file) << "\n";
            return 0;
        }
        if (sign->parsed()) {
            std::cout << sb::server::sign_licence_with_key_file(terms, licence_key_file) << "\n";
            return 0;
        }
        if (rotate->parsed()) {
            auto outcome = sb::server::rotate_master_key(config, new_key_file);
            if (outcome.key_file.empty()) {
                std::cout << "The master key was already rotated; nothing to do.\n";
                return 0;
            }
            std::cout << "Re-sealed " << outcome.resealed << " secret(s) with the new master key.\n";
            if (outcome.key_from_environment)
                std::cout << "Set SB_MASTER_KEY to the content of " << outcome.key_file << " before starting the server.\n";
            else
                std::cout << "The new key is in " << outcome.key_file << "; the previous key is kept in "
                          << outcome.previous_key_file << " for restoring backups taken before now.\n";
            return 0;
        }
        sb::server::Server server(config);
        server.run(true);
        return 0;
    } catch (const std::exception& e) {
        sb::log::error("shapeblock-server failed", {{"error", e.what()}});
        return 1;
    }
}
