// The production build: hashed assets under /assets, no inline scripts or
// styles (the server's Content-Security-Policy has no 'unsafe-inline'), no
// source maps shipped. `npm run dev` proxies the API to a local server.
import { defineConfig } from "vite";

const server = process.env.SB_DEV_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: process.env.SB_UI_OUT_DIR ?? "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": { target: server, ws: true, changeOrigin: false },
    },
  },
});
