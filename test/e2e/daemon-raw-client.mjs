// A hand-made shim for the daemon tests: sends the request bytes in a file to the daemon's
// socket and prints the answer as hex. Run as its own process so that the daemon judges it
// (its namespaces, capabilities), whatever the request claims. With a third argument "half",
// sends half the request and exits: a shim killed before its request was complete.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [socket, file, mode] = process.argv.slice(2);
const bytes = readFileSync(file);
const c = connect(socket);
const out = [];
c.on('data', (b) => out.push(b));
c.on('error', (e) => process.stderr.write(`${e.message}\n`));
c.on('close', () => process.stdout.write(Buffer.concat(out).toString('hex')));
// no end(): the shim never half-closes, and the daemon reads EOF as "the client is gone"
if (mode === 'half') c.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => process.exit(0), 100));
else c.write(bytes);
