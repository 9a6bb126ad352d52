// What the UI tests share: the stack scripts/run started (SB_URL, the
// admin's password, the local control plane's credentials), Debian's
// chromium through playwright-core, a TCP proxy that can cut the browser off
// the server, the kube API for playing the kubelet, axe-core, and raw
// WebSocket handshakes.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, connect } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

export const serverUrl = process.env.SB_URL ?? "http://127.0.0.1:8080";
export const runDir = process.env.SB_RUN_DIR ?? `${process.env.HOME}/.cache/shapeblock/run`;
export const adminEmail = process.env.SB_ADMIN_EMAIL ?? "admin@localhost";
export const adminPassword = process.env.SB_ADMIN_PASSWORD ?? readFileSync(join(runDir, "admin-password"), "utf8").trim();
export const artifacts = process.env.SB_UI_ARTIFACTS ?? join(process.cwd(), "ui-artifacts");
mkdirSync(artifacts, { recursive: true });

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.SB_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// Records CSP violations and console errors of every page of a context.
export async function watchContext(context) {
  const problems = [];
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  context.on("page", (page) => watchPage(page, problems));
  return problems;
}
export function watchPage(page, problems) {
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|WebSocket connection/.test(m.text())) problems.push(m.text());
    if (/Content Security Policy/i.test(m.text())) problems.push("CSP: " + m.text());
  });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
}

// axe-core in the page: serious and critical violations, as text.
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export async function axeViolations(page) {
  // Through CDP, as an extension would: the page's CSP does not apply.
  const has = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!has) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

// A TCP proxy in front of the server: `cut()` resets every connection and
// refuses new ones until `restore()`.
export async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      refusing = false;
    },
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

// The REST API from Node, with a bearer token or a cookie + CSRF token.
export async function http(method, path, { body, headers = {}, base = serverUrl } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    redirect: "manual",
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, text, json };
}

// A WebSocket handshake by hand: the status the server answered (101 when it upgraded).
export function websocketHandshake(path, headers) {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: hostname,
      port,
      path,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        ...headers,
      },
    });
    req.on("upgrade", (res, socket) => {
      resolve({ status: res.statusCode, socket });
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on("error", reject);
    req.end();
  });
}

// A client text frame (masked, as RFC 6455 requires of clients).
export function wsTextFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

// The local control plane's API, as scripts/run left its credentials.
function kubeEnv() {
  const env = {};
  for (const line of readFileSync(join(runDir, "kube.env"), "utf8").split("\n")) {
    const m = line.match(/^(?:export )?([A-Z_]+)=["']?(.*?)["']?$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}
export function kube(method, path, body) {
  const server = new URL(kubeEnv().SB_KUBE_SERVER);
  const auth = readFileSync(join(runDir, "kube-auth"), "utf8").trim().replace(/^Authorization: /, "");
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: server.hostname,
        port: server.port,
        path,
        method,
        ca: readFileSync(join(runDir, "kube-ca.crt")),
        headers: { Authorization: auth, "Content-Type": "application/json", Accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null }));
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

// The image a build pod was asked to push: its clone step's IMAGE_REPOSITORY and IMAGE_TAG.
function requestedImage(pod) {
  const env = Object.fromEntries(
    [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) => c.env ?? []).map((e) => [e.name, e.value]),
  );
  if (!env.IMAGE_REPOSITORY) throw new Error(`build pod ${pod.metadata.name} names no IMAGE_REPOSITORY`);
  return env.IMAGE_TAG ? `${env.IMAGE_REPOSITORY}:${env.IMAGE_TAG}` : env.IMAGE_REPOSITORY;
}

// Plays the kubelet for a build's pod: its phase and container outcomes.
// `clone` is the clone step's report, or a function of the image the pod was
// asked to push returning it (a pod reporting another image fails its build).
export async function playBuildPod(namespace, buildName, phase, { clone, build } = {}) {
  let pod;
  for (let i = 0; i < 300 && !pod; i++) {
    const r = await kube("GET", `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent("shapeblock.io/build=" + buildName)}`);
    pod = r.json?.items?.[0];
    if (!pod) await sleep(200);
  }
  if (!pod) throw new Error(`no pod for ${namespace}/${buildName}`);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const terminated = (name, message) => ({
    name,
    ready: false,
    restartCount: 0,
    image: "test",
    imageID: "",
    state: { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now, message } },
  });
  pod.status = { phase, startTime: now };
  if (typeof clone === "function") clone = clone(requestedImage(pod));
  if (clone) pod.status.initContainerStatuses = [terminated("clone", clone)];
  if (build) pod.status.containerStatuses = [terminated("build", build)];
  const r = await kube("PUT", `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`, pod);
  if (r.status !== 200) throw new Error(`pod status update answered ${r.status}: ${JSON.stringify(r.json)}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
