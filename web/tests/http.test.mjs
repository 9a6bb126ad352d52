// The UI's HTTP contract, against the real server: security and caching
// headers, gzip, index.html for the UI's own paths, the session cookie's
// flags, CSRF refusal, the session route, sign-out, and the event
// WebSocket's Origin check for cookie sign-ins.
import assert from "node:assert/strict";
import { test } from "node:test";
import { adminEmail, adminPassword, http, websocketHandshake } from "./support.mjs";

const origin = new URL(process.env.SB_URL ?? "http://127.0.0.1:8080").origin;

async function signIn() {
  const r = await http("POST", "/api/v1/auth/login", { body: { email: adminEmail, password: adminPassword } });
  assert.equal(r.status, 200, r.text);
  const setCookie = r.headers.get("set-cookie");
  return { setCookie, cookie: setCookie.split(";")[0], csrf: r.json.csrfToken };
}

test("index.html: CSP without unsafe-inline, framing refused, no-cache", async () => {
  const r = await http("GET", "/");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^text\/html/);
  const csp = r.headers.get("content-security-policy");
  assert.ok(csp, "no Content-Security-Policy");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /style-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, new RegExp(`connect-src 'self' ws://${new URL(origin).host} wss://${new URL(origin).host}`));
  assert.equal(r.headers.get("x-content-type-options"), "nosniff");
  assert.equal(r.headers.get("referrer-policy"), "no-referrer");
  assert.equal(r.headers.get("cache-control"), "no-cache");
  assert.doesNotMatch(r.text, /<script>|<style>| style=/, "inline script or style in index.html");
});

test("assets: immutable, typed, gzipped on request; missing ones 404", async () => {
  const index = await http("GET", "/");
  const js = index.text.match(/src="(\/assets\/[^"]+\.js)"/)[1];
  const css = index.text.match(/href="(\/assets\/[^"]+\.css)"/)[1];
  const plain = await fetch(origin + js, { headers: { "Accept-Encoding": "identity" } });
  assert.equal(plain.status, 200);
  assert.match(plain.headers.get("content-type"), /^text\/javascript/);
  assert.equal(plain.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(plain.headers.get("content-encoding"), null);
  const body = await plain.text();
  // fetch() undoes gzip itself: the raw bytes are checked with node:http below.
  const gz = await new Promise((resolve, reject) => {
    import("node:http").then(({ get }) =>
      get(origin + js, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
      }).on("error", reject),
    );
  });
  assert.equal(gz.headers["content-encoding"], "gzip");
  assert.equal(gz.headers["vary"], "Accept-Encoding");
  const { gunzipSync } = await import("node:zlib");
  assert.equal(gunzipSync(gz.bytes).toString(), body);
  const style = await http("GET", css);
  assert.match(style.headers.get("content-type"), /^text\/css/);
  assert.equal((await http("GET", "/assets/missing-0000.js")).status, 404);
  assert.equal((await http("GET", "/nothing.txt")).status, 404);
});

test("the UI's own paths get index.html; /api paths never do", async () => {
  const page = await http("GET", "/teams/x/projects/y");
  assert.equal(page.status, 200);
  assert.match(page.text, /<div id="root">/);
  const api = await http("GET", "/api/v1/nope");
  assert.equal(api.status, 404);
  assert.equal(api.json.error.code, "not_found");
  assert.equal((await http("GET", "/healthz")).json.status, "ok");
});

test("session cookie: HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", async () => {
  const { setCookie } = await signIn();
  assert.match(setCookie, /^sb_session=sbs_[^;]+;/);
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.match(setCookie, /; Path=\//);
  assert.doesNotMatch(setCookie, /Secure/);
});

test("cookie writes need the CSRF token; bearer tokens do not", async () => {
  const { cookie, csrf } = await signIn();
  const refused = await http("POST", "/api/v1/me/tokens", { body: { name: "csrf-test" }, headers: { Cookie: cookie } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.code, "csrf");
  const wrong = await http("POST", "/api/v1/me/tokens", { body: { name: "csrf-test" }, headers: { Cookie: cookie, "X-CSRF-Token": (csrf[0] === "0" ? "1" : "0") + csrf.slice(1) } });
  assert.equal(wrong.status, 403);
  const made = await http("POST", "/api/v1/me/tokens", { body: { name: "csrf-test" }, headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
  assert.equal(made.status, 201, made.text);
  const bearer = await http("DELETE", `/api/v1/me/tokens/${made.json.id}`, { headers: { Authorization: `Bearer ${made.json.token}` } });
  assert.equal(bearer.status, 204, bearer.text);
});

test("the session route gives a reloaded page its CSRF token; sign-out ends the session server-side", async () => {
  const { cookie, csrf } = await signIn();
  const session = await http("GET", "/api/v1/auth/session", { headers: { Cookie: cookie } });
  assert.equal(session.status, 200);
  assert.equal(session.json.csrfToken, csrf);
  assert.equal(session.json.user.email, adminEmail);
  assert.equal(session.headers.get("cache-control"), "no-store");
  const out = await http("POST", "/api/v1/auth/logout", { headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
  assert.equal(out.status, 204);
  assert.match(out.headers.get("set-cookie"), /^sb_session=; .*Max-Age=0/);
  const after = await http("GET", "/api/v1/auth/session", { headers: { Cookie: cookie } });
  assert.equal(after.status, 401);
});

test("event WebSocket by cookie: only from this server's own origin", async () => {
  const { cookie } = await signIn();
  const teams = await http("GET", "/api/v1/teams", { headers: { Cookie: cookie } });
  const path = `/api/v1/teams/${teams.json.items[0].id}/events`;
  const foreign = await websocketHandshake(path, { Cookie: cookie, Origin: "http://evil.example" });
  assert.equal(foreign.status, 403);
  const none = await websocketHandshake(path, { Cookie: cookie });
  assert.equal(none.status, 403);
  const own = await websocketHandshake(path, { Cookie: cookie, Origin: origin });
  assert.equal(own.status, 101);
  own.socket.destroy();
});
