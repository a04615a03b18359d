// Renders ZPL files to PNG with zpl-renderer-js, an independent ZPL
// renderer, so tests can check labels without a printer.
//
// Usage: node render-zpl.mjs IN.zpl OUT.png WIDTH_MM HEIGHT_MM DPMM [IN.zpl OUT.png WIDTH_MM HEIGHT_MM DPMM ...]
//
// DPMM is the print density in dots per millimetre: 8 for a 203 dpi
// printer, 12 for 300 dpi. Each input contains one label (^XA ... ^XZ).
// Loading the renderer takes most of the time, so one run renders many
// files.
import { readFileSync, writeFileSync } from "node:fs";
import { ready } from "zpl-renderer-js";

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 5 !== 0) {
  console.error("usage: node render-zpl.mjs IN.zpl OUT.png WIDTH_MM HEIGHT_MM DPMM [...]");
  process.exit(2);
}

const { api } = await ready;
for (let i = 0; i < args.length; i += 5) {
  const [input, output, widthMm, heightMm, dpmm] = args.slice(i, i + 5);
  // The labels start with ^CI28 (UTF-8), and the renderer takes the
  // format as text, so the file is read as UTF-8.
  const zpl = readFileSync(input, "utf8");
  const png = await api.zplToBase64Async(zpl, Number(widthMm), Number(heightMm), Number(dpmm));
  writeFileSync(output, Buffer.from(png, "base64"));
}
