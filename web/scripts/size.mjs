// The first page's weight: every JS and CSS file index.html loads, gzipped
// (level 9, as the server sends them). Prints one line per file and the
// total; exits 1 above the budget (150 KB of JS gzipped) so CI fails.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = process.argv[2] ?? "dist";
const budgetJs = 150 * 1024;
const html = readFileSync(join(dir, "index.html"), "utf8");
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let js = 0, css = 0;
for (const ref of refs) {
  const raw = readFileSync(join(dir, ref));
  const gz = gzipSync(raw, { level: 9 }).length;
  if (ref.endsWith(".js")) js += gz;
  else css += gz;
  console.log(`${ref}\t${raw.length} B raw\t${gz} B gzipped`);
}
console.log(`first page: JS ${js} B gzipped, CSS ${css} B gzipped, total ${js + css} B (budget: JS < ${budgetJs} B)`);
if (refs.length === 0) {
  console.error("index.html loads no /assets/ JS or CSS: is this a Vite build?");
  process.exit(1);
}
if (js >= budgetJs) {
  console.error(`over budget: ${js} B of JS gzipped >= ${budgetJs} B`);
  process.exit(1);
}
