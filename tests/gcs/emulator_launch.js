// emulator_launch.js — starts Google's Firebase Storage emulator (npm firebase-tools) offline,
// for tests/gcs/emulator.sh: only its HTTP layer (the GCS JSON API routes go through the admin
// layer, which needs no security rules), so its Java rules runtime is never started or
// downloaded. Listens on 127.0.0.1 on a free port and writes the port (decimal + newline)
// atomically to PORT_FILE once listening; exits on SIGTERM/SIGINT.
//   node emulator_launch.js FIREBASE_TOOLS_DIR PORT_FILE
// Test hooks of this launcher (not the emulator's; they sit in front of its request handler, so
// the emulator itself is unchanged): GET /_stats -> {"requests": {"all", "media_get"}} (the
// shape of gcs_test_server's), counted as the requests arrive (media_get: GETs with
// alt=media); POST /_stats/reset zeroes them;
// POST /_stall?seconds=S delays every upload request (/upload/...) by S seconds before the
// emulator sees it, DELETE /_stall ends that (tests/store/gcs_e2e.sh uses it so that its
// SIGKILL lands mid-grid, as the fault injection of our own server does there).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const [toolsDir, portFile] = process.argv.slice(2);
if (!toolsDir || !portFile) {
  console.error('usage: node emulator_launch.js FIREBASE_TOOLS_DIR PORT_FILE');
  process.exit(2);
}
const lib = path.join(toolsDir, 'node_modules', 'firebase-tools', 'lib', 'emulator');
const { StorageEmulator } = require(path.join(lib, 'storage', 'index.js'));
const { createApp } = require(path.join(lib, 'storage', 'server.js'));
const { EmulatorRegistry } = require(path.join(lib, 'registry.js'));

const host = '127.0.0.1';
const server = http.createServer();
server.listen(0, host, async () => {
  try {
    const port = server.address().port;
    const emu = new StorageEmulator({ projectId: 'mlac-test', host, port, rules: undefined,
                                      auto_download: false });
    EmulatorRegistry.set('storage', emu); // bucket metadata and upload URLs need host:port
    const app = await createApp('mlac-test', emu);
    const stats = { all: 0, media_get: 0 };
    let stall = 0;
    server.on('request', (req, res) => {
      const u = new URL(req.url, 'http://' + host);
      const hook = (code, body) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (u.pathname === '/_stats' && req.method === 'GET') return hook(200, { requests: stats });
      if (u.pathname === '/_stats/reset' && req.method === 'POST') {
        stats.all = stats.media_get = 0;
        return hook(200, { requests: stats });
      }
      if (u.pathname === '/_stall') {
        stall = req.method === 'POST' ? Number(u.searchParams.get('seconds')) || 0 : 0;
        return hook(200, { stall });
      }
      stats.all++;
      if (req.method === 'GET' && u.searchParams.get('alt') === 'media') stats.media_get++;
      if (stall > 0 && u.pathname.startsWith('/upload/')) {
        // (the body waits in the request stream, unread, until the emulator reads it)
        setTimeout(() => app(req, res), stall * 1000);
        return;
      }
      app(req, res);
    });
    const stop = () => {
      server.close();
      Promise.resolve(emu._persistence.deleteAll()).finally(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    fs.writeFileSync(portFile + '.tmp', port + '\n');
    fs.renameSync(portFile + '.tmp', portFile);
  } catch (e) {
    console.error('emulator_launch: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  }
});
server.on('error', (e) => {
  console.error('emulator_launch: ' + e.message);
  process.exit(1);
});
