// The UI in Debian's chromium against the real server with the local
// control plane and the real operator connected (scripts/run): sign in and
// create a project with the keyboard only, bad input shown beside its
// field with what was typed kept, an app, a build followed live in a second
// tab while the test plays the kubelet, env vars, releases, the project's
// quota, scale and autoscale with quota refusals beside their fields,
// restart/stop/start, domains (by keyboard), a rollback confirmed in a
// dialog (by keyboard), services bound and unbound, runtime logs followed,
// the clusters page, a cut WebSocket shown offline and recovered, phone
// width, licence and usage, the app deleted after typing its name, sign out.
// axe-core on every page, no CSP violation anywhere, screenshots of each
// page in SB_UI_ARTIFACTS.
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

// The app page's sections are links in their own navigation.
async function openSection(name) {
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name, exact: true }).click();
  await page.locator('nav.tabs a[aria-current="page"]', { hasText: name }).waitFor();
}
const projectUrl = () => appUrl.replace(/\/apps\/[^/]+$/, "");

test("releases: the build's release and the env change, newest first", async () => {
  await openSection("Releases");
  const rows = page.locator("[data-release]");
  await page.locator('[data-release][data-kind="env"]').first().waitFor();
  const versions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-release")));
  assert.ok(versions.length >= 2, `releases: ${versions}`);
  assert.deepEqual(versions, [...versions].sort((a, b) => Number(b.slice(1)) - Number(a.slice(1))), "newest first");
  await page.locator('[data-release][data-kind="build"]').first().waitFor();
  await checkPage("13-releases");
});

test("project quota: saved on the project page", async () => {
  await page.goto(projectUrl());
  await page.getByRole("heading", { name: "Quota" }).waitFor();
  await page.getByLabel("Pods").fill("4");
  await page.getByLabel("Memory").fill("2 gigs");
  await page.getByRole("button", { name: "Save quota" }).click();
  await page.locator('[id="quota.memory-error"]').waitFor();
  assert.equal(await page.getByLabel("Memory").inputValue(), "2 gigs");
  await page.getByLabel("Memory").fill("1Gi");
  await page.getByRole("button", { name: "Save quota" }).click();
  await page.getByText("Quota saved.").waitFor();
  await checkPage("14-project-quota");
});

test("scale: replicas and resources saved; quota refusals beside the field they name, what was typed kept", async () => {
  await page.goto(appUrl + "/scale");
  await page.getByRole("heading", { name: "Change the scale" }).waitFor();
  const now = page.getByTestId("scale-now");
  await now.getByText("memory 1Gi, 4 pods").waitFor();

  await page.getByLabel("Replicas", { exact: true }).fill("2");
  await page.getByLabel("Memory limit").fill("256Mi");
  await page.getByRole("button", { name: "Save scale" }).click();
  await page.getByText(/^Saved as release v\d+\.$/).waitFor();
  await now.getByText("2 replicas").waitFor();
  await now.getByText("limits memory 256Mi").waitFor();

  // More pods than the quota: blamed on the replica count.
  await page.getByLabel("Replicas", { exact: true }).fill("6");
  await page.getByRole("button", { name: "Save scale" }).click();
  const replicasError = page.locator("#replicas-error");
  await replicasError.waitFor();
  assert.match(await replicasError.innerText(), /6 pods exceed the project's pod quota 4/);
  assert.equal(await page.locator("#replicas").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "replicas");
  assert.equal(await page.locator("#replicas").inputValue(), "6");
  await checkPage("15-scale-quota-refused");

  // Only the per-pod limit changed: blamed on that limit.
  await page.getByLabel("Replicas", { exact: true }).fill("2");
  await page.getByLabel("Memory limit").fill("1Gi");
  await page.getByRole("button", { name: "Save scale" }).click();
  const memoryError = page.locator('[id="resources.limits.memory-error"]');
  await memoryError.waitFor();
  assert.match(await memoryError.innerText(), /2 × 1Gi = 2Gi exceeds the project's memory quota 1Gi/);
  assert.equal(await replicasError.count(), 0);
  assert.equal(await page.getByLabel("Memory limit").inputValue(), "1Gi");
  await page.getByLabel("Memory limit").fill("256Mi");

  // Autoscaling, by keyboard only: tick it, fill the maximum and a target, submit with Enter.
  await page.locator("#autoscaling").focus();
  await page.keyboard.press("Space");
  await page.locator('[id="autoscaling.minReplicas"]').waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "autoscaling.minReplicas");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "autoscaling.maxReplicas");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("3");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("70");
  await page.keyboard.press("Enter");
  await now.getByText("1–3 replicas, autoscaled at CPU 70%").waitFor();
  await checkPage("16-scale");
});

test("restart, stop (confirmed first), start: the remembered replica count shown while stopped", async () => {
  await openSection("Overview");
  const state = page.getByTestId("run-state");
  await state.getByText("Started:").waitFor();
  await page.getByRole("button", { name: "Restart", exact: true }).click();
  await page.getByText("Restart requested").first().waitFor();

  await page.getByRole("button", { name: "Stop", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: /^Stop web\?/ });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Cancel", "the safe choice is focused first");
  await checkPage("17-stop-confirm");
  await dialog.getByRole("button", { name: "Stop app" }).click();
  await dialog.waitFor({ state: "detached" });
  await state.getByText("Stopped:").waitFor();
  assert.match(await state.innerText(), /starting brings back 1–3 replicas, autoscaled at CPU 70%/);
  assert.match(await page.getByTestId("app-replicas").innerText(), /^stopped \(1–3 replicas/);
  await checkPage("18-stopped");

  await page.getByRole("button", { name: "Start", exact: true }).click();
  await state.getByText("Started:").waitFor();
  await page.getByRole("button", { name: "Stop", exact: true }).waitFor();
});

test("domains, by keyboard: a bad host beside its field, then the domain with its DNS target and certificate state", async () => {
  await openSection("Domains");
  await page.getByRole("heading", { name: "Custom domains" }).waitFor();
  await page.getByText("No custom domains.").waitFor();
  await tabTo("#host");
  await page.keyboard.type("not a host!");
  await page.keyboard.press("Enter");
  const error = page.locator("#host-error");
  await error.waitFor();
  assert.match(await error.innerText(), /host is not a valid host name/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "host");
  assert.equal(await page.locator("#host").inputValue(), "not a host!");

  const host = `shop-${suffix}.example.test`;
  await page.keyboard.press("Control+A");
  await page.keyboard.type(host.toUpperCase());
  await page.keyboard.press("Enter");
  const row = page.locator(`[data-domain="${host}"]`);
  await row.waitFor();
  assert.match(await row.locator("[data-certificate]").getAttribute("data-certificate"), /^(pending|none|issued|failed)$/);
  assert.match(await row.innerText(), /Certificate:\s*\S+ (pending|none|issued|failed)/);
  await page.getByRole("status").filter({ hasText: `Added ${host}` }).waitFor();
  await checkPage("19-domains");
});

test("releases: roll back to the build's release, confirmed in a dialog with the keyboard", async () => {
  await openSection("Releases");
  const build = page.locator('[data-release][data-kind="build"]').last();
  const version = await build.getAttribute("data-release");
  const before = await page.locator("[data-release]").count();
  await build.getByRole("button", { name: `Roll back to ${version}` }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Roll web back to ${version}?` });
  await dialog.waitFor();
  await checkPage("20-rollback-confirm");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Cancel");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), `Roll back to ${version}`);
  await page.keyboard.press("Enter");
  await dialog.waitFor({ state: "detached" });
  // The rollback's release arrives on the WebSocket, on top.
  const top = page.locator("[data-release]").first();
  await top.and(page.locator('[data-kind="rollback"]')).filter({ hasText: `rollback to ${version}` }).waitFor();
  assert.equal(await page.locator("[data-release]").count(), before + 1);
  await page.getByRole("status").filter({ hasText: `Rolling back to ${version}` }).waitFor();
  // Image and config together: the build's release had one replica and no domain.
  await openSection("Overview");
  await page.getByTestId("app-replicas").getByText(/^1 replica/).waitFor();
});

test("services: a bad name beside its field, one created and bound, connection details on request, unbound", async () => {
  await openSection("Services");
  await page.getByRole("heading", { name: "Create a service" }).waitFor();
  await page.getByLabel("Name").fill("Bad_Name");
  await page.getByLabel("Type").selectOption("redis");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.locator("#name-error").waitFor();
  assert.equal(await page.getByLabel("Name").inputValue(), "Bad_Name");
  assert.equal(await page.getByLabel("Type").inputValue(), "redis");

  await page.getByLabel("Name").fill("cache");
  await page.getByRole("button", { name: "Create service" }).click();
  const row = page.locator('[data-service="cache"]');
  await row.locator('[data-bound="yes"]').waitFor();
  await page.getByText("Created cache and bound it to web.").waitFor();
  const details = row.getByRole("button", { name: /Show connection details/ });
  assert.equal(await details.getAttribute("aria-expanded"), "false");
  await details.click();
  await row.getByText("cache-connection").first().waitFor();
  await checkPage("21-services");

  await row.getByRole("button", { name: "Unbind cache" }).click();
  const dialog = page.getByRole("dialog", { name: "Unbind cache from web?" });
  await dialog.getByRole("button", { name: "Unbind" }).click();
  await row.locator('[data-bound="no"]').waitFor();
  await row.getByRole("button", { name: "Bind cache" }).click();
  await row.locator('[data-bound="yes"]').waitFor();
});

test("runtime logs: a bad option beside its field, then followed through the streamed route", async () => {
  await openSection("Logs");
  await page.getByLabel("Since (optional)").fill("yesterday");
  await page.getByRole("button", { name: "Follow logs" }).click();
  const error = page.locator("#since-error");
  await error.waitFor();
  assert.match(await error.innerText(), /since/);
  assert.equal(await page.getByLabel("Since (optional)").inputValue(), "yesterday");

  await page.getByLabel("Since (optional)").fill("");
  await page.getByLabel("Last lines of each pod").fill("20");
  const asked = page.waitForRequest((r) => r.url().includes("/logs?"));
  await page.getByRole("button", { name: "Follow logs" }).click();
  const url = new URL((await asked).url());
  assert.equal(url.searchParams.get("tail"), "20");
  assert.equal(url.searchParams.get("follow"), "true");
  assert.equal(url.searchParams.get("pod"), null, "all pods");
  // This stack has no kubelet to serve pod logs: the stream is either
  // open (following) or has ended saying why; both are shown in text.
  const state = page.getByTestId("log-state");
  await state.filter({ hasText: /Following live|The log stream ended/ }).waitFor();
  await checkPage("22-logs");
  if (await page.getByRole("button", { name: "Stop", exact: true }).count()) {
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await state.getByText("Stopped.").waitFor();
  }
});

test("clusters: the local cluster connected, its versions and nodes, an import command copied", async () => {
  await page.getByRole("link", { name: "Clusters" }).click();
  await page.getByRole("heading", { name: "Clusters", level: 1 }).waitFor();
  const local = page.locator('[data-cluster="local"]');
  await local.getByText("connected").waitFor();
  const cells = await local.locator("td").allInnerTexts();
  assert.match(cells[2], /^v?\d+\.\d+\.\d+/, `Kubernetes version: ${cells[2]}`);
  assert.match(cells[3], /\d+\.\d+\.\d+/, `agent version: ${cells[3]}`);
  assert.match(cells[4], /^(\d+ nodes?( \(.*allocatable\))?|—)$/, `nodes: ${cells[4]}`);
  await local.getByRole("button", { name: /Import command/ }).click();
  const command = await page.getByTestId("import-command").innerText();
  assert.match(command, /^kubectl apply -f '.*\/api\/v1\/clusters\/.*\/install\.yaml\?token=/);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: proxy.url });
  await page.getByRole("button", { name: "Copy command" }).click();
  await page.getByRole("status").filter({ hasText: "Copied to the clipboard." }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
  await checkPage("08-clusters");
});

test("a cut WebSocket shows offline, reconnects by itself and the page catches up", async () => {
  await page.goto(appUrl);
  await page.getByRole("status").filter({ hasText: "Live updates connected" }).waitFor({ state: "attached" });
  await page.locator("[data-build]").first().waitFor(); // the list loaded before it is counted below
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

test("phone width: the new app sections without sideways scrolling", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [section, heading] of [
    ["releases", "Releases"],
    ["scale", "Change the scale"],
    ["domains", "Custom domains"],
    ["services", "Create a service"],
    ["logs", "Runtime logs"],
  ]) {
    await page.goto(`${appUrl}/${section}`);
    await page.getByRole("heading", { name: heading, exact: true }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${section} scrolls sideways by ${overflow}px at 375px`);
  }
  await page.goto(`${appUrl}/scale`);
  await page.getByRole("heading", { name: "Change the scale" }).waitFor();
  await page.screenshot({ path: join(artifacts, "23-scale-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("dark mode from the system setting: the app's sections in dark colours, axe-clean", async () => {
  await page.emulateMedia({ colorScheme: "dark" });
  for (const [section, heading] of [
    ["", "Status"],
    ["/releases", "Releases"],
    ["/scale", "Change the scale"],
    ["/domains", "Custom domains"],
    ["/services", "Create a service"],
    ["/logs", "Runtime logs"],
    ["/settings", "Delete this app"],
  ]) {
    await page.goto(appUrl + section);
    await page.getByRole("heading", { name: heading, exact: true }).waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(15, 18, 22)");
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${section || "/"} in dark mode\n${JSON.stringify(violations, null, 2)}`);
  }
  await page.goto(appUrl + "/releases");
  await page.locator("[data-release]").first().waitFor();
  await checkPage("26-releases-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("licence and usage: the limits against what is used, the team's usage, a bad licence beside its field", async () => {
  await page.getByRole("link", { name: "Licence" }).click();
  await page.getByRole("heading", { name: "Licence and usage", level: 1 }).waitFor();
  const licence = page.getByTestId("licence");
  await licence.getByText(/^\d+ of \d+ clusters/).waitFor();
  assert.match(await licence.innerText(), /\d+ of \d+ users/);
  const totals = page.getByTestId("usage-totals");
  await totals.waitFor();
  assert.match(await totals.innerText(), /Apps created\s+[1-9]/);
  assert.match(await totals.innerText(), /Build minutes\s+[1-9]/);
  const usage = page.getByTestId("usage");
  await usage.getByText("Apps", { exact: true }).first().waitFor();
  await page.getByLabel("Show").selectOption("build_minutes");
  await usage.getByText("Apps", { exact: true }).first().waitFor({ state: "detached" });
  await usage.getByText("Build minutes").first().waitFor();
  await page.getByLabel("Signed licence document").fill("not a licence");
  await page.getByRole("button", { name: "Install licence" }).click();
  await page.locator("#document-error").waitFor();
  assert.equal(await page.getByLabel("Signed licence document").inputValue(), "not a licence");
  await checkPage("24-licence");
});

test("delete the app: refused until its name is typed, then gone from the project", async () => {
  await page.goto(`${appUrl}/settings`);
  await page.getByRole("heading", { name: "Delete this app" }).waitFor();
  await checkPage("25-delete");
  const field = page.getByLabel("Type web to confirm");
  await field.fill("wbe");
  await field.press("Enter");
  await page.locator("#confirm-name-error").waitFor();
  assert.equal(await field.inputValue(), "wbe");
  assert.equal(await page.evaluate(() => document.activeElement.id), "confirm-name");
  // Nothing was deleted.
  const still = await page.evaluate(async (path) => (await fetch(`/api/v1${path}`)).status, appUrl);
  assert.equal(still, 200);
  await field.fill("web");
  await page.getByRole("button", { name: "Delete web" }).click();
  await page.getByRole("heading", { name: projectName, level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, projectUrl());
  await page.getByText("No apps yet.").waitFor();
  const gone = await page.evaluate(async (path) => (await fetch(`/api/v1${path}`)).status, appUrl);
  assert.equal(gone, 404);
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
