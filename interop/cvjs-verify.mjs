// Verifies a credential with @blockcerts/cert-verifier-js, the Blockcerts reference verifier,
// with no network: badgesafe's pinned contexts and the files given with --serve answer HTTPS
// requests, and Ethereum transactions are looked up on the JSON-RPC endpoint given with --rpc
// (a custom explorer: the one way cert-verifier-js reads a local node).
//
//   node cvjs-verify.mjs [--rpc URL] [--serve https://host/path=FILE]... CREDENTIAL
//
// Prints {"status": "success"|"failure", "message": ..., "steps": [...]} as JSON.
import {readFileSync} from 'node:fs';
import {Certificate} from '@blockcerts/cert-verifier-js/dist/verifier-node/index.js';
import {contextFile} from './loader.mjs';

const args = process.argv.slice(2);
const served = new Map();
let rpc = null;
let file = null;
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--rpc') {
    rpc = args[++i];
  } else if(args[i] === '--serve') {
    const spec = args[++i];
    const at = spec.lastIndexOf('=');
    served.set(spec.slice(0, at), spec.slice(at + 1));
  } else {
    file = args[i];
  }
}

const realFetch = globalThis.fetch;
const json = body => new Response(typeof body === 'string' ? body : JSON.stringify(body),
  {status: 200, headers: {'content-type': 'application/json'}});
globalThis.fetch = async (url, opts) => {
  const u = typeof url === 'string' ? url : url.url;
  const base = u.split('?')[0].split('#')[0];
  if(served.has(base)) {
    return json(readFileSync(served.get(base), 'utf8'));
  }
  if(rpc && u.startsWith(rpc)) {
    return realFetch(url, opts);
  }
  const ctx = contextFile(base);
  if(ctx) {
    return json(ctx);
  }
  throw new Error('offline: nothing serves ' + u);
};

async function call(method, params) {
  const r = await realFetch(rpc, {
    method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify({jsonrpc: '2.0', id: 1, method, params})
  });
  const j = await r.json();
  if(j.error) {
    throw new Error(j.error.message);
  }
  return j.result;
}

const explorerAPIs = rpc ? [{
  apiType: 'rpc', chainType: 'eth', priority: 0, serviceURL: rpc,
  parsingFunction: async ({transactionId}) => {
    const tx = await call('eth_getTransactionByHash', [transactionId]);
    const block = await call('eth_getBlockByNumber', [tx.blockNumber, false]);
    return {
      remoteHash: tx.input.replace(/^0x/, ''),
      issuingAddress: tx.from,
      time: new Date(parseInt(block.timestamp, 16) * 1000),
      revokedAddresses: []
    };
  }
}] : [];

// cert-verifier-js logs progress on the console; keep stdout for the result.
console.log = (...a) => console.error(...a);
const cert = new Certificate(JSON.parse(readFileSync(file, 'utf8')), {explorerAPIs});
await cert.init();
const steps = [];
const result = await cert.verify(({code, status, errorMessage}) => steps.push({code, status, errorMessage}));
process.stdout.write(JSON.stringify({status: result.status, message: result.message, steps}) + '\n');
