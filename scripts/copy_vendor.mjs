// Copies the front-end files the portal serves from node_modules into static/vendor/.
// Run after `npm install` (the Makefile does both). Nothing is fetched from a CDN at run time.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

// [from (inside node_modules), to (inside static/vendor)]
const copies = [
  ["@uswds/uswds/dist/css/uswds.min.css", "uswds/css/uswds.min.css"],
  ["@uswds/uswds/dist/js/uswds.min.js", "uswds/js/uswds.min.js"],
  ["@uswds/uswds/dist/js/uswds-init.min.js", "uswds/js/uswds-init.min.js"],
  ["@uswds/uswds/dist/fonts", "uswds/fonts"],
  ["@uswds/uswds/dist/img", "uswds/img"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["chart.js/dist/chart.umd.min.js", "chartjs/chart.umd.min.js"],
];

rmSync(vendor, { recursive: true, force: true });
let missing = 0;
for (const [from, to] of copies) {
  const src = join(modules, from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run npm install first`);
    missing += 1;
    continue;
  }
  const dest = join(vendor, to);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true });
}
if (missing) process.exit(1);
console.log(`copied ${copies.length} front-end assets into static/vendor/`);
