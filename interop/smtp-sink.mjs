// A real SMTP server for badgesafe's tests (Nodemailer's smtp-server): every message it accepts
// is written to DIR as <n>.eml (atomically: written to a temporary name, then renamed).
//
//   node smtp-sink.mjs PORT DIR [--user U --password P] [--tls CERT KEY]
//
// With --user, AUTH is required. With --tls, STARTTLS is offered (and required with --user).
// Prints "ready" once listening.
import { SMTPServer } from 'smtp-server';
import fs from 'node:fs';
import path from 'node:path';

const [port, dir, ...rest] = process.argv.slice(2);
const opt = (name) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : undefined; };
const user = opt('--user');
const password = opt('--password');
const tls = rest.indexOf('--tls');
fs.mkdirSync(dir, { recursive: true });
let n = 0;

const options = {
  authOptional: !user,
  allowInsecureAuth: tls < 0,
  logger: false,
  onAuth(auth, session, cb) {
    if (auth.username === user && auth.password === password) cb(null, { user });
    else cb(new Error('Invalid username or password'));
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      n += 1;
      const name = `${Date.now()}-${process.pid}-${n}`;
      const tmp = path.join(dir, `.${name}.tmp`);
      fs.writeFileSync(tmp, Buffer.concat(chunks));
      fs.renameSync(tmp, path.join(dir, `${name}.eml`));
      cb();
    });
  },
};
if (tls >= 0) {
  options.key = fs.readFileSync(rest[tls + 2]);
  options.cert = fs.readFileSync(rest[tls + 1]);
} else {
  options.disabledCommands = ['STARTTLS'];
}
const server = new SMTPServer(options);
server.on('error', (e) => console.error('smtp-sink:', e.message));
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
