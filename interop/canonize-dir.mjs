// Canonical N-Quads (RDFC-1.0) of every JSON file in a folder, by jsonld.js, over badgesafe's
// pinned contexts only. Prints {"file": "nquads"} or {"file": {"error": "..."}} as JSON.
// Used by fuzz/compare-with-jsonld-js to compare badgesafe's processor with the reference
// implementation on a fuzz corpus.
import jsonld from 'jsonld';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {documentLoader} from './loader.mjs';

const dir = process.argv[2];
const out = {};
for(const name of readdirSync(dir).sort()) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch {
    continue;
  }
  if(doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    continue;
  }
  try {
    out[name] = await jsonld.canonize(doc, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true
    });
  } catch(e) {
    out[name] = {error: String(e && e.message || e) + (e && e.details && e.details.event ? ' [' + e.details.event.code + ']' : '')};
  }
}
process.stdout.write(JSON.stringify(out));
