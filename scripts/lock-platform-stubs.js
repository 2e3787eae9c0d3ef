#!/usr/bin/env node
// The registry reachable here serves only Linux builds of native packages, so npm leaves the other
// platforms' optional packages out of package-lock.json, and `npm ci` then refuses the lock as out
// of sync. A lock made elsewhere lists them as optional entries tagged with os/cpu, which npm skips
// on this platform without fetching. This adds such entries for every missing optional dependency.
// Run after `npm install` changes the lock: node scripts/lock-platform-stubs.js
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = [
  'darwin',
  'win32',
  'linux',
  'android',
  'freebsd',
  'openharmony',
  'sunos',
  'openbsd',
  'netbsd',
  'aix',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];

let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${key ? `${key}/` : ''}node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
    const parts = name.split(/[/-]/);
    const os = OS.find((o) => parts.includes(o));
    const cpu = CPU.find((c) => parts.includes(c) || name.includes(`-${c}`));
    if (!os || !cpu) continue; // not a platform build: leave it to npm
    const stub = { version, cpu: [cpu], os: [os], optional: true };
    if (os === 'linux') stub.libc = [name.includes('musl') ? 'musl' : 'glibc'];
    lock.packages[`node_modules/${name}`] = stub;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  ),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entries added`);
