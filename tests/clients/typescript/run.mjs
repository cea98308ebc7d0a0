// Transpile scenario.ts (already type-checked by `tsc --noEmit`) to JavaScript and run it.
// Usage: node run.mjs DIR   (DIR holds scenario.ts and a node_modules with typescript, openapi-fetch)
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? ".");
const require = createRequire(join(dir, "package.json"));
const ts = require("typescript");
const source = readFileSync(join(dir, "scenario.ts"), "utf8");
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  fileName: "scenario.ts",
});
const out = join(dir, "scenario.mjs");
writeFileSync(out, outputText);
await import(pathToFileURL(out).href);
