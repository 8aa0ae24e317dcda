// Build the account page into the Python package: the script bundled with the Firebase JS SDK
// (no CDN at run time), the page and its style copied as they are. The output is committed, so a
// server installs with pip alone; tests/account/test_bundle.py rebuilds it and compares.
// Usage: node build.mjs [OUTDIR]   (default: ../discovery_server/account/static)
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, "..", "discovery_server", "account", "static"));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, "src", "account.js")],
  outfile: join(out, "account.js"),
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["es2020"],
  legalComments: "eof",
  logLevel: "warning",
});
for (const file of ["index.html", "account.css"]) copyFileSync(join(here, "src", file), join(out, file));
