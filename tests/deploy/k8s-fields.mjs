// k8s-fields.mjs — strict check of rendered manifests: every document becomes a TypeScript
// constant typed with kubernetes-models' interface for its kind, and `tsc --strict` rejects
// unknown fields (typos such as backofLimit), wrong types and missing required fields.
// usage: kubectl kustomize DIR | node k8s-fields.mjs -     (NODE_PATH: the npm cache's node_modules)
import fs from 'node:fs'; import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
const modules = process.env.NODE_PATH.split(':')[0];
const require = createRequire(modules + '/');
const YAML = require('yaml');
const text = fs.readFileSync(process.argv[2] === '-' || !process.argv[2] ? 0 : process.argv[2], 'utf8');
const docs = YAML.parseAllDocuments(text).map(d => d.toJS()).filter(Boolean);
// tsc resolves "kubernetes-models" from the file's folder upwards: write it beside node_modules
const dir = fs.mkdtempSync(path.join(path.dirname(modules), '.fields-'));
let src = '', bad = 0;
const names = docs.map((o, i) => {
  const [g, v] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod = `kubernetes-models/${g ? g + '/' : ''}${v}/${o.kind}`;
  try { require.resolve(mod); } catch { bad++; console.log(`${o.kind}/${o.metadata?.name}: unknown kind or apiVersion`); return null; }
  src += `import type { I${o.kind} as T${i} } from "${mod}";\nexport const d${i}: T${i} =\n${JSON.stringify(o, null, 1)};\n`;
  return `${o.kind}/${o.metadata?.name}`;
});
fs.writeFileSync(path.join(dir, 'm.ts'), src);
let out = '';
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', path.join(dir, 'm.ts')],
  { encoding: 'utf8' });
} catch (e) { out = e.stdout || String(e); }
fs.rmSync(dir, { recursive: true, force: true });
// "m.ts(LINE,COL): error ..." -> the document that line belongs to
const docAt = []; let cur = -1;
src.split('\n').forEach((l, i) => { const m = /^export const d(\d+)/.exec(l); if (m) cur = +m[1]; docAt[i + 1] = cur; });
const errs = {};
for (const m of out.matchAll(/m\.ts\((\d+),\d+\): error (TS\d+): ([^\n]*(?:\n  [^\n]*)*)/g))
  (errs[docAt[+m[1]]] ||= []).push(m[3].replace(/\s+/g, ' ').slice(0, 300));
if (out && !Object.keys(errs).length) { console.log(out); bad++; }   // tsc failed for another reason
names.forEach((nm, i) => {
  if (!nm) return;
  if (errs[i]) { bad++; console.log(`${nm}: INVALID ${errs[i].join(' | ')}`); } else console.log(`${nm}: ok`);
});
console.log(`fields: ${docs.length - bad} of ${docs.length} documents valid`);
process.exit(bad || !docs.length ? 1 : 0);
