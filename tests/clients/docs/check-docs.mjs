// The API documentation page in a real browser: headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core opens /docs/, waits for Swagger UI to render the document the
// server serves at /openapi.json, checks that every operation of that document is on the page,
// that the page loaded nothing from outside the loopback address and logged no error, and saves
// a full-page screenshot.
//
// Usage: node check-docs.mjs BASE_URL SCREENSHOT.png
// Resolves playwright-core from NODE_PATH (the tools cache). Exit status 0 when all checks pass.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [baseUrl, screenshot] = process.argv.slice(2);
if (!baseUrl || !screenshot) {
  console.error("usage: node check-docs.mjs BASE_URL SCREENSHOT.png");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

const failures = [];
const check = (condition, message) => {
  console.log(`${condition ? "ok  " : "FAIL"} ${message}`);
  if (!condition) failures.push(message);
};
const isLoopback = (url) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:" || protocol === "about:") return true;
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
};

// What the page should show: the operations of the document the server serves.
const spec = await (await fetch(`${baseUrl}/openapi.json`)).json();
const expected = [];
for (const [path, item] of Object.entries(spec.paths ?? {})) {
  for (const method of METHODS) if (item[method]) expected.push({ method, path });
}
// OpenAPI 3.1 webhooks render as operations too (Swagger UI's "Webhooks" section).
const webhookCount = Object.values(spec.webhooks ?? {}).reduce((n, item) => n + METHODS.filter((m) => item[m]).length, 0);

const userDataDir = mkdtempSync(join(tmpdir(), "rogatory-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: flags,
  viewport: { width: 1280, height: 900 },
});
const outside = [];
const consoleErrors = [];
try {
  // Nothing leaves the machine: requests to anything but loopback are recorded and aborted.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));

  const response = await page.goto(`${baseUrl}/docs/`, { waitUntil: "load", timeout: 30_000 });
  check(response?.status() === 200, `GET /docs/ answered ${response?.status()}`);
  await page.waitForSelector(".opblock", { timeout: 30_000 });
  await page.waitForLoadState("networkidle", { timeout: 30_000 });

  const title = (await page.textContent(".information-container .title"))?.trim() ?? "";
  check(title.startsWith(spec.info.title), `the page shows the document's title "${spec.info.title}" (got "${title}")`);
  check(title.includes(spec.info.version), `the page shows the document's version ${spec.info.version}`);

  const rendered = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => ({
      method: (b.querySelector(".opblock-summary-method")?.textContent ?? "").trim().toLowerCase(),
      path: (b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "").trim(),
    })),
  );
  const seen = new Set(rendered.map((o) => `${o.method} ${o.path}`));
  const missing = expected.filter((o) => !seen.has(`${o.method} ${o.path}`));
  check(
    missing.length === 0 && rendered.length === expected.length + webhookCount,
    `all ${expected.length} operations and ${webhookCount} webhooks of /openapi.json render (${rendered.length} on the page${
      missing.length ? `; missing: ${missing.map((o) => `${o.method.toUpperCase()} ${o.path}`).join(", ")}` : ""
    })`,
  );
  // Open one operation, as a reader would, so the screenshot shows its parameters too.
  await page.click(".opblock-summary-control >> nth=0");
  await page.waitForSelector(".opblock.is-open", { timeout: 10_000 });
  await page.screenshot({ path: screenshot });
  const full = screenshot.replace(/\.png$/, "") + "-full.png";
  await page.screenshot({ path: full, fullPage: true });
  console.log(`screenshots: ${screenshot} (first screen), ${full} (whole page)`);

  // Swagger UI resolves $refs when an operation is opened. Ask it to resolve every operation
  // (what opening them all does, without rendering them) and read the errors it records
  // ("Resolver error at paths…"), which name references the document cannot resolve.
  const errorsText = await page.evaluate(async (operations) => {
    const ui = window.ui;
    // One request for the whole `paths` subtree: resolution is asynchronous, so wait for it.
    ui.specActions.requestResolvedSubtree(["paths"]);
    const deadline = Date.now() + 30_000;
    const done = () => operations.every((o) => ui.specSelectors.specResolvedSubtree(["paths", o.path, o.method]));
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!done()) return "timed out resolving the operations";
    return ui.errSelectors
      .allErrors()
      .toJS()
      .map((e) => `${e.message}${e.path ? ` at ${[].concat(e.path).join(".")}` : ""}`)
      .join("; ");
  }, expected);
  check(!errorsText, `Swagger UI resolves every operation without error${errorsText ? `: ${errorsText.slice(0, 400)}` : ""}`);

  check(outside.length === 0, `no request left loopback${outside.length ? `: ${[...new Set(outside)].join(", ")}` : ""}`);
  check(consoleErrors.length === 0, `no error in the browser console${consoleErrors.length ? `: ${consoleErrors.join(" | ").slice(0, 500)}` : ""}`);
} catch (error) {
  failures.push(String(error));
  console.log(`FAIL ${error instanceof Error ? error.message : error}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`docs page: ${failures.length === 0 ? "all checks passed" : `${failures.length} failed`}`);
process.exit(failures.length === 0 ? 0 : 1);
