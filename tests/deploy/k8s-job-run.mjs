// k8s-job-run.mjs — runs the pods of a rendered Kubernetes Job with a local Docker engine, as a
// stand-in for a cluster where none can run: the container's real image, command, args, env and
// limits, so the sharding (JOB_COMPLETION_INDEX) and the image are exercised for real. No API
// server, scheduler, probes or disruptions. What it honours, as the Job controller does:
//   completions, parallelism, completionMode Indexed (JOB_COMPLETION_INDEX), backoffLimit (failed
//   pods of the Job) or backoffLimitPerIndex (retries of one index), maxFailedIndexes,
//   podFailurePolicy onExitCodes rules (FailJob, FailIndex, Ignore, Count; first match wins),
//   env (value, fieldRef, resourceFieldRef), envFrom (ConfigMap and Secret of the same stream),
//   $(VAR) in command/args, limits cpu/memory (--cpus/--memory), runAsUser/runAsGroup, runAsNonRoot,
//   readOnlyRootFilesystem, allowPrivilegeEscalation, capabilities.drop, imagePullPolicy Never,
//   volumes emptyDir (a fresh folder per pod), hostPath (under --host-root), secret (files).
// usage: node k8s-job-run.mjs MANIFESTS.yaml JOB_NAME [--host-root DIR] [--status FILE]
// Exit 0 when the Job succeeds, 1 when it fails, 2 for input it cannot run.
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH.split(':')[0] + '/');
const YAML = require('yaml');

const argv = process.argv.slice(2), opt = k => { const i = argv.indexOf(k); return i >= 0 ? argv.splice(i, 2)[1] : undefined; };
const hostRoot = opt('--host-root') ?? '/', statusFile = opt('--status');
const [src, jobName] = argv;
const docker = process.env.DOCKER || '/usr/bin/docker';
const die = m => { console.error(`k8s-job-run: ${m}`); process.exit(2); };
const docs = YAML.parseAllDocuments(fs.readFileSync(src === '-' ? 0 : src, 'utf8')).map(d => d.toJS()).filter(Boolean);
const job = docs.find(d => d.kind === 'Job' && d.metadata.name === jobName) || die(`no Job ${jobName} in ${src}`);
const byKind = k => Object.fromEntries(docs.filter(d => d.kind === k).map(d => [d.metadata.name, d]));
const configMaps = byKind('ConfigMap'), secrets = byKind('Secret');
const secretData = s => ({ ...Object.fromEntries(Object.entries(s.data || {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])), ...(s.stringData || {}) });

const spec = job.spec, pod = spec.template.spec, c = pod.containers[0], ns = job.metadata.namespace || 'default';
if (pod.containers.length !== 1) die('only one container per pod is supported');
if (pod.restartPolicy !== 'Never' && pod.restartPolicy !== 'OnFailure') die('a Job needs restartPolicy Never or OnFailure');
const indexed = spec.completionMode === 'Indexed';
const completions = spec.completions ?? 1, parallelism = Math.min(spec.parallelism ?? 1, completions);
const perIndex = indexed && spec.backoffLimitPerIndex !== undefined;
if (spec.podFailurePolicy && pod.restartPolicy !== 'Never') die('podFailurePolicy needs restartPolicy Never');
const cpus = q => String(q).endsWith('m') ? Number(String(q).slice(0, -1)) / 1000 : Number(q);
const bytes = q => { const m = /^(\d+(?:\.\d+)?)([KMGTE]i?)?$/.exec(String(q)) || die(`bad quantity ${q}`);
  return Math.round(Number(m[1]) * ({ K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[m[2]] || 1)); };
const sc = { ...(pod.securityContext || {}), ...(c.securityContext || {}) };
const uid = sc.runAsUser, gid = sc.runAsGroup ?? uid;
if (sc.runAsNonRoot && (uid === undefined || uid === 0)) die('runAsNonRoot needs a numeric runAsUser other than 0 here');
if (c.imagePullPolicy === 'Never' && spawnSync(docker, ['image', 'inspect', c.image], { stdio: 'ignore' }).status !== 0)
  die(`imagePullPolicy Never and no local image ${c.image} (ErrImageNeverPull)`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), `k8s-job-${jobName}-`));

function podEnv(podName, index) {
  const env = {};
  for (const ef of c.envFrom || []) {
    if (ef.configMapRef) Object.assign(env, (configMaps[ef.configMapRef.name] || (ef.configMapRef.optional ? {} : die(`no ConfigMap ${ef.configMapRef.name}`))).data || {});
    if (ef.secretRef) Object.assign(env, secretData(secrets[ef.secretRef.name] || (ef.secretRef.optional ? {} : die(`no Secret ${ef.secretRef.name}`))));
  }
  for (const e of c.env || []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef) env[e.name] = { 'metadata.name': podName, 'metadata.namespace': ns,
      "metadata.annotations['batch.kubernetes.io/job-completion-index']": String(index) }[e.valueFrom.fieldRef.fieldPath] ?? '';
    else if (e.valueFrom?.resourceFieldRef) {
      const r = e.valueFrom.resourceFieldRef, [kind, res] = r.resource.split('.'), v = c.resources?.[kind]?.[res];
      env[e.name] = String(res === 'cpu' ? Math.ceil(cpus(v ?? os.cpus().length) / cpus(r.divisor ?? 1)) : Math.ceil(bytes(v ?? os.totalmem()) / bytes(r.divisor ?? 1)));
    } else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMaps[e.valueFrom.configMapKeyRef.name]?.data?.[e.valueFrom.configMapKeyRef.key] ?? '';
    else die(`env ${e.name}: unsupported source`);
  }
  if (indexed) env.JOB_COMPLETION_INDEX = String(index);
  return env;
}
const expand = (s, env) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => env[n] ?? m);

function dockerArgs(index, attempt) {
  const podName = `${jobName}-${indexed ? index + '-' : ''}${attempt}`;
  const env = podEnv(podName, index);
  const a = ['run', '--rm', '--name', `${podName}-${process.pid}`, '--hostname', podName];
  const lim = c.resources?.limits || {};
  if (lim.cpu !== undefined) a.push('--cpus', String(cpus(lim.cpu)));
  if (lim.memory !== undefined) a.push('--memory', String(bytes(lim.memory)));
  if (uid !== undefined) a.push('--user', `${uid}:${gid}`);
  if (pod.securityContext?.fsGroup !== undefined) a.push('--group-add', String(pod.securityContext.fsGroup));
  if (sc.readOnlyRootFilesystem) a.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) a.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities?.drop || []) a.push('--cap-drop', cap);
  for (const [k, v] of Object.entries(env)) a.push('-e', `${k}=${v}`);
  const vols = Object.fromEntries((pod.volumes || []).map(v => [v.name, v]));
  for (const m of c.volumeMounts || []) {
    const v = vols[m.name] || die(`volumeMount ${m.name} has no volume`);
    let host;
    if (v.hostPath) {
      host = path.join(hostRoot, v.hostPath.path);
      if (v.hostPath.type === 'Directory' && !fs.statSync(host, { throwIfNoEntry: false })?.isDirectory()) die(`hostPath ${host} is not a directory`);
      if (v.hostPath.type === 'DirectoryOrCreate') fs.mkdirSync(host, { recursive: true });
    } else if (v.emptyDir) {
      host = fs.mkdtempSync(path.join(work, `${podName}-${m.name}-`));
      fs.chownSync(host, uid ?? 0, pod.securityContext?.fsGroup ?? gid ?? 0);
    } else if (v.secret) {
      host = fs.mkdtempSync(path.join(work, `${podName}-${m.name}-`));
      const s = secrets[v.secret.secretName];
      if (!s && !v.secret.optional) die(`no Secret ${v.secret.secretName}`);
      for (const [k, val] of Object.entries(s ? secretData(s) : {})) fs.writeFileSync(path.join(host, k), val, { mode: 0o644 });
    } else die(`volume ${m.name}: only emptyDir, hostPath and secret are supported`);
    a.push('-v', `${host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  }
  if (c.workingDir) a.push('-w', c.workingDir);
  if (c.command) a.push('--entrypoint', expand(c.command[0], env));
  a.push(c.image, ...(c.command || []).slice(1).map(s => expand(s, env)), ...(c.args || []).map(s => expand(String(s), env)));
  return [podName, a];
}

function runPod(index, attempt) {
  const [podName, args] = dockerArgs(index, attempt);
  return new Promise(res => {
    const t0 = Date.now(), p = spawn(docker, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pipe = s => s.on('data', d => String(d).split('\n').filter(Boolean).forEach(l => console.log(`[${podName}] ${l}`)));
    pipe(p.stdout); pipe(p.stderr);
    p.on('close', code => { console.log(`[${podName}] exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`); res(code); });
  });
}

// The first podFailurePolicy rule matching an exit code (onPodConditions never match: no disruptions here).
function ruleFor(code) {
  for (const r of spec.podFailurePolicy?.rules || []) {
    const e = r.onExitCodes;
    if (!e || (e.containerName && e.containerName !== c.name)) continue;
    if ((e.operator === 'In') === e.values.includes(code)) return r.action;
  }
  return 'Count';
}

const queue = [...Array(completions).keys()], status = {};
let jobFailed = '', failedPods = 0;
const failedIndexes = () => Object.values(status).filter(s => s.result === 'failed').length;
async function worker() {
  while (queue.length && !jobFailed) {
    const i = queue.shift(), s = status[i] = { exits: [], result: 'running' };
    for (let attempt = 0, counted = 0; ; attempt++) {
      const code = await runPod(i, attempt);
      s.exits.push(code);
      if (code === 0) { s.result = 'succeeded'; break; }
      const action = ruleFor(code);
      if (action === 'FailJob') { s.result = 'failed'; jobFailed = `pod of index ${i} exited ${code} (FailJob)`; break; }
      if (action === 'FailIndex') { s.result = 'failed'; break; }
      if (action === 'Count') { counted++; failedPods++; }
      const limit = perIndex ? spec.backoffLimitPerIndex : (spec.backoffLimit ?? 6);
      if ((perIndex ? counted : failedPods) > limit) {
        s.result = 'failed';
        if (!perIndex) jobFailed = `backoffLimit ${limit} exceeded`;
        break;
      }
    }
    if (perIndex && spec.maxFailedIndexes !== undefined && failedIndexes() > spec.maxFailedIndexes)
      jobFailed = `${failedIndexes()} failed indexes > maxFailedIndexes ${spec.maxFailedIndexes}`;
  }
}
const t0 = Date.now();
await Promise.all([...Array(parallelism)].map(worker));
const ok = Object.values(status).filter(s => s.result === 'succeeded').length;
if (!jobFailed && ok < completions) jobFailed = `failed indexes ${Object.keys(status).filter(i => status[i].result === 'failed').join(',')}`;
console.log(`job ${jobName}: ${ok}/${completions} succeeded in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
  `(parallelism ${parallelism})${jobFailed ? ', FAILED: ' + jobFailed : ''}`);
if (statusFile) fs.writeFileSync(statusFile, JSON.stringify({ succeeded: !jobFailed, indexes: status }, null, 1));
fs.rmSync(work, { recursive: true, force: true });
process.exit(jobFailed ? 1 : 0);
