// emulator_launch.js — starts Google's Firebase Storage emulator (npm firebase-tools) offline,
// for tests/gcs/emulator.sh: only its HTTP layer (the GCS JSON API routes go through the admin
// layer, which needs no security rules), so its Java rules runtime is never started or
// downloaded. Listens on 127.0.0.1 on a free port and writes the port (decimal + newline)
// atomically to PORT_FILE once listening; exits on SIGTERM/SIGINT.
//   node emulator_launch.js FIREBASE_TOOLS_DIR PORT_FILE
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
    server.on('request', app);
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
