// The UI in Debian's chromium against the real server with the local
// control plane and the real operator connected (scripts/run): sign in and
// create a project with the keyboard only, bad input shown beside its
// field with what was typed kept, an app, a build followed live in a second
// tab while the test plays the kubelet, env vars, the clusters page, a cut
// WebSocket shown offline and recovered, sign out. axe-core on every page,
// no CSP violation anywhere, screenshots of each page in SB_UI_ARTIFACTS.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  adminEmail, adminPassword, artifacts, axeViolations, http, launchBrowser, playBuildPod, runDir, serverUrl, startProxy, watchContext,
} from "./support.mjs";

let browser, context, page, proxy, problems;
const suffix = Date.now().toString(36).slice(-5);
const projectName = `ui-${suffix}`;
const figures = {};
let appUrl = "";

before(async () => {
  proxy = await startProxy(serverUrl);
  browser = await launchBrowser();
  context = await browser.newContext({ baseURL: proxy.url, viewport: { width: 1280, height: 900 } });
  problems = await watchContext(context);
  page = await context.newPage();
});

after(async () => {
  writeFileSync(join(artifacts, "figures.json"), JSON.stringify(figures, null, 2) + "\n");
  await browser?.close();
  await proxy?.close();
});

async function checkPage(name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: serious accessibility violations\n${JSON.stringify(violations, null, 2)}`);
  const csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(csp, [], `${name}: CSP violations`);
}

async function tabTo(selector, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const on = await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
    if (on) return;
  }
  throw new Error(`${selector} not reached with ${max} presses of Tab`);
}

test("first render: the sign-in page, measured", async () => {
  const started = Date.now();
  await page.goto("/");
  await page.getByRole("heading", { name: "Sign in to ShapeBlock" }).waitFor();
  figures.firstRenderMs = Date.now() - started;
  figures.paint = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, Math.round(e.startTime)])),
  );
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  figures.navigation = nav;
  await checkPage("01-sign-in");
});

test("sign-in errors stay beside the form; what was typed is kept", async () => {
  await page.getByLabel("E-mail").fill(adminEmail);
  await page.getByLabel("Password").fill("wrong-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "e-mail or password is wrong" }).waitFor();
  assert.equal(await page.getByLabel("E-mail").inputValue(), adminEmail);
});

test("keyboard only: sign in and create a project", async () => {
  await page.goto("/");
  await page.getByRole("heading", { name: "Sign in to ShapeBlock" }).waitFor();
  await tabTo("#email");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(adminEmail);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "password");
  await page.keyboard.type(adminPassword);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
  await page.getByRole("status").filter({ hasText: "Live updates connected" }).waitFor({ state: "attached" });
  await checkPage("02-projects");

  // A bad name: the API's error beside the field, focus on it, the text kept.
  await tabTo("#name");
  await page.keyboard.type("Bad Name!");
  await tabTo("button[type=submit]");
  await page.keyboard.press("Enter");
  const error = page.locator("#name-error");
  await error.waitFor();
  assert.match(await error.innerText(), /name/);
  assert.equal(await page.locator("#name").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "name");
  assert.equal(await page.locator("#name").inputValue(), "Bad Name!");

  await page.keyboard.press("Control+A");
  await page.keyboard.type(projectName);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "clusterId");
  assert.match(await page.locator("#clusterId option:checked").innerText(), /^local \(connected\)/);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: projectName, level: 1 }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1");
  await checkPage("03-project");
});

test("create an app: bad git URL beside its field, then the app page", async () => {
  await page.getByLabel("Name").fill("web");
  await page.getByLabel("Git repository URL").fill("ftp://example.test/web");
  await page.getByRole("button", { name: "Create app" }).click();
  const error = page.locator('[id="git.url-error"]');
  await error.waitFor();
  assert.match(await error.innerText(), /git\.url must be/);
  assert.equal(await page.getByLabel("Name").inputValue(), "web");
  await page.getByLabel("Git repository URL").fill("https://git.example.test/team/web.git");
  await page.getByRole("button", { name: "Create app" }).click();
  await page.getByRole("heading", { name: "web", level: 1 }).waitFor();
  appUrl = new URL(page.url()).pathname;
  await page.getByTestId("app-status").waitFor();
  await checkPage("04-app");
});

test("a build started in one tab appears live in another, and follows the cluster", async () => {
  const watcher = await context.newPage();
  await watcher.goto(appUrl);
  await watcher.getByRole("heading", { name: "Builds" }).waitFor();
  await watcher.getByText("No builds yet.").waitFor();
  await watcher.getByRole("status").filter({ hasText: "Live updates connected" }).waitFor({ state: "attached" });

  await page.getByRole("button", { name: "Start build" }).click();
  const row = page.locator("[data-build]").first();
  await row.waitFor();
  const buildId = await row.getAttribute("data-build");
  await page.getByTestId("build-log").waitFor();

  // The watcher never reloads: the row arrives on the WebSocket.
  const watched = watcher.locator(`[data-build="${buildId}"]`);
  await watched.waitFor({ timeout: 15000 });
  const badge = (row, phase) => row.locator(".badge").filter({ hasText: phase });
  await badge(watched, "Pending").waitFor();

  // The kubelet's part: the clone finished and the build runs, then it succeeds.
  const clone = (image) => `commit=${"a".repeat(40)}\ntype=dockerfile\nimage=${image}\n`;
  await playBuildPod(projectName, `build-${buildId}`, "Running", { clone });
  await badge(watched, "Building").waitFor({ timeout: 30000 });
  await badge(page.locator(`[data-build="${buildId}"]`), "Building").waitFor({ timeout: 30000 });
  await watcher.screenshot({ path: join(artifacts, "05-build-running.png"), fullPage: true });
  await playBuildPod(projectName, `build-${buildId}`, "Succeeded", { clone, build: "sha256:" + "e".repeat(64) });
  await badge(watched, "Completed").waitFor({ timeout: 30000 });
  await watcher.close();
  await checkPage("06-app-built");
});

test("env vars: hidden until revealed, an invalid name beside its row, values kept, saved in one action", async () => {
  await page.getByRole("button", { name: "Reveal and edit values" }).click();
  await page.getByRole("button", { name: "Add variable" }).click();
  await page.locator("[id^=env-key-]").last().fill("DATABASE_URL");
  await page.locator("[id^=env-value-]").last().fill("postgres://db/shop");
  await page.getByRole("button", { name: "Add variable" }).click();
  await page.locator("[id^=env-key-]").last().fill("BAD NAME");
  await page.locator("[id^=env-value-]").last().fill("kept value");
  await page.getByRole("button", { name: "Save variables" }).click();
  const error = page.locator("[id^=env-error-]");
  await error.waitFor();
  assert.match(await error.innerText(), /BAD NAME/);
  assert.equal(await page.locator("[id^=env-value-]").last().inputValue(), "kept value");
  assert.equal(await page.locator("[id^=env-value-]").first().inputValue(), "postgres://db/shop");
  await checkPage("07-env-error");

  await page.locator("[id^=env-key-]").last().fill("GREETING");
  await page.getByRole("button", { name: "Save variables" }).click();
  await page.getByText("Saved 2 variables.").waitFor();

  await page.reload();
  await page.getByRole("heading", { name: "Environment variables" }).waitFor();
  await page.getByText("GREETING").waitFor();
  assert.equal(await page.getByText("kept value").count(), 0, "a value shown before it was revealed");
  await page.getByRole("button", { name: "Reveal and edit values" }).click();
  const values = await page.locator("[id^=env-value-]").evaluateAll((els) => els.map((e) => e.value).sort());
  assert.deepEqual(values, ["kept value", "postgres://db/shop"]);
});

test("clusters: the local cluster connected, its versions, an import command to copy", async () => {
  await page.getByRole("link", { name: "Clusters" }).click();
  await page.getByRole("heading", { name: "Clusters", level: 1 }).waitFor();
  const local = page.locator('[data-cluster="local"]');
  await local.getByText("connected").waitFor();
  assert.match(await local.innerText(), /\d+\.\d+\.\d+/);
  await local.getByRole("button", { name: /Import command/ }).click();
  const command = await page.getByTestId("import-command").innerText();
  assert.match(command, /^kubectl apply -f '.*\/api\/v1\/clusters\/.*\/install\.yaml\?token=/);
  await checkPage("08-clusters");
});

test("a cut WebSocket shows offline, reconnects by itself and the page catches up", async () => {
  await page.goto(appUrl);
  await page.getByRole("status").filter({ hasText: "Live updates connected" }).waitFor({ state: "attached" });
  proxy.cut();
  const banner = page.getByRole("status").filter({ hasText: "Offline" });
  await banner.waitFor();
  await page.screenshot({ path: join(artifacts, "09-offline.png"), fullPage: true });
  // A build started while the page is offline (straight at the server, by
  // API token) shows up after the reconnect: the page reloads what it missed.
  const builds = await page.locator("[data-build]").count();
  const token = readFileSync(join(runDir, "api-token"), "utf8").trim();
  const made = await http("POST", `/api/v1${appUrl}/builds`, { body: {}, headers: { Authorization: `Bearer ${token}` } });
  assert.equal(made.status, 201, made.text);
  proxy.restore();
  await page.getByRole("status").filter({ hasText: "Live updates connected" }).waitFor({ state: "attached", timeout: 20000 });
  assert.equal(await banner.count(), 0);
  await page.locator(`[data-build="${made.json.id}"]`).waitFor();
  // Live again: a build started elsewhere now appears without a reload.
  const live = await http("POST", `/api/v1${appUrl}/builds`, { body: {}, headers: { Authorization: `Bearer ${token}` } });
  assert.equal(live.status, 201, live.text);
  await page.locator(`[data-build="${live.json.id}"]`).waitFor();
  assert.equal(await page.locator("[data-build]").count(), builds + 2);
});

test("phone width: no horizontal scrolling on the app page", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(appUrl);
  await page.getByTestId("app-status").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375px`);
  await page.screenshot({ path: join(artifacts, "10-app-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("API tokens: a bad expiry beside its field, a token shown once, revoked", async () => {
  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByRole("heading", { name: "API tokens", level: 1 }).waitFor();
  await page.getByLabel("Name").fill("ui-test");
  await page.getByLabel(/Expires in days/).fill("0");
  await page.getByRole("button", { name: "Create token" }).click();
  await page.locator("#expiresInDays-error").waitFor();
  assert.equal(await page.getByLabel("Name").inputValue(), "ui-test");
  await page.getByLabel(/Expires in days/).fill("7");
  await page.getByRole("button", { name: "Create token" }).click();
  assert.match(await page.getByTestId("new-token").innerText(), /^sbp_/);
  await checkPage("11-tokens");
  await page.locator('[data-token="ui-test"]').getByRole("button", { name: /Revoke/ }).click();
  await page.locator('[data-token="ui-test"]').waitFor({ state: "detached" });
});

test("members: the owner listed, an unknown e-mail refused beside its field, the last owner kept", async () => {
  await page.getByRole("link", { name: "Members" }).click();
  await page.getByRole("heading", { name: /^Members of/, level: 1 }).waitFor();
  const me = page.locator(`[data-member="${adminEmail}"]`);
  assert.equal(await me.locator("select").inputValue(), "owner");
  await page.getByLabel("E-mail of an existing user").fill("nobody@example.test");
  await page.getByRole("button", { name: "Add member" }).click();
  await page.locator("#email-error").waitFor();
  assert.equal(await page.getByLabel("E-mail of an existing user").inputValue(), "nobody@example.test");
  await me.locator("select").selectOption("viewer");
  await me.getByRole("alert").waitFor();
  assert.match(await me.getByRole("alert").innerText(), /at least one owner/);
  assert.equal(await me.locator("select").inputValue(), "owner");
  await checkPage("12-members");
});

test("sign out: back to the sign-in page, and the session is gone", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to ShapeBlock" }).waitFor();
  const status = await page.evaluate(async () => (await fetch("/api/v1/auth/session")).status);
  assert.equal(status, 401);
  const cookies = await context.cookies();
  assert.equal(cookies.filter((c) => c.name === "sb_session" && c.value).length, 0);
});

test("no console errors and no CSP violation on any page", () => {
  assert.deepEqual(problems, []);
});
