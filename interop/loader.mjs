// Document loader for the interop scripts: contexts come only from badgesafe's pinned set
// (crates/contexts/data, path = URL without the scheme); did:key documents are derived locally.
// Nothing is fetched from the network.
import {readFileSync, existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {dirname, join} from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const contexts = join(here, '..', 'crates', 'contexts', 'data');

export function contextFile(url) {
  if(!url.startsWith('https://')) {
    return null;
  }
  const base = join(contexts, url.slice('https://'.length));
  for(const candidate of [base, base + '.jsonld', base + '.json']) {
    if(existsSync(candidate) && !candidate.endsWith('/')) {
      try {
        return JSON.parse(readFileSync(candidate, 'utf8'));
      } catch {
        // a folder, or not JSON: try the next candidate
      }
    }
  }
  return null;
}

function didKeyDocument(url) {
  const [did, fragment] = url.split('#');
  const mk = did.slice('did:key:'.length);
  const vmId = `${did}#${mk}`;
  const vm = {id: vmId, type: 'Multikey', controller: did, publicKeyMultibase: mk};
  if(fragment) {
    return {'@context': 'https://w3id.org/security/multikey/v1', ...vm};
  }
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [vm],
    assertionMethod: [vmId],
    authentication: [vmId]
  };
}

export async function documentLoader(url) {
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: didKeyDocument(url)};
  }
  const document = contextFile(url);
  if(document) {
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`document ${url} is not in the pinned set (nothing is fetched)`);
}
