// The React comparison page of `cargo xtask bench` (xtask/src/bench.rs builds it): a plain
// production build, minified, every file at the top of the output folder (the bench's server
// serves one flat folder, as it does the app's Trunk build). The output and Vite's cache go
// under target/, where no watcher looks; xtask passes --outDir.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  cacheDir: fileURLToPath(new URL("../../target/bench/vite-cache", import.meta.url)),
  logLevel: "warn",
  build: {
    assetsDir: "",
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
