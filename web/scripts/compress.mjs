// After `vite build`: a .gz beside every text asset (gzip -9), which the
// server sends to clients accepting gzip, so it never compresses per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = process.argv[2] ?? "dist";
const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;
function walk(d) {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (compressible.test(name)) writeFileSync(path + ".gz", gzipSync(readFileSync(path), { level: 9 }));
  }
}
walk(dir);
