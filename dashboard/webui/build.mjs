// Build the front end into dist/ (committed, so serving needs no npm): `npm ci && npm run build`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: "dist/app.js", // the CSS main.ts imports lands in dist/app.css
  legalComments: "none",
  logLevel: "info",
});
copyFileSync("src/index.html", "dist/index.html");
