// esbuild's API (not its command-line binary, whose install step npm may skip): one IIFE bundle.
import { buildSync } from "esbuild";

const outdir = process.argv[2] || "static/editor";
buildSync({
  entryPoints: ["editor/src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "linked",
  logLevel: "warning",
  outfile: `${outdir}/editor.js`,
});
