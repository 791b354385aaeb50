// k8s-types.mjs — schema check of rendered manifests with kubernetes-models (OpenAPI-derived JSON
// schemas): types, enums, required fields, quantities. Unknown kinds fail.
// usage: kubectl kustomize DIR | node k8s-types.mjs -     (NODE_PATH: the npm cache's node_modules)
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH.split(':')[0] + '/');
const YAML = require('yaml');
let bad = 0, n = 0;
const text = fs.readFileSync(process.argv[2] === '-' || !process.argv[2] ? 0 : process.argv[2], 'utf8');
for (const doc of YAML.parseAllDocuments(text)) {
  const o = doc.toJS();
  if (!o) continue;
  n++;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod = `kubernetes-models/${group ? group + '/' : ''}${version}/${o.kind}`;
  let M;
  try { M = require(mod)[o.kind]; } catch { M = undefined; }
  const name = `${o.kind}/${o.metadata?.name}`;
  if (!M) { bad++; console.log(`${name}: unknown kind or apiVersion ${o.apiVersion}`); continue; }
  try { new M(o).validate(); console.log(`${name}: ok`); }
  catch (e) { bad++; console.log(`${name}: INVALID ${e.message}`); }
}
console.log(`types: ${n - bad} of ${n} documents valid`);
process.exit(bad || !n ? 1 : 0);
