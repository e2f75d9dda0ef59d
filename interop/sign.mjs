// Signs an Open Badges 3.0 credential with Digital Bazaar's eddsa-rdfc-2022 implementation.
// Usage: node sign.mjs SECRET_KEY_MULTIBASE PUBLIC_KEY_MULTIBASE OUT.json
import {writeFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {documentLoader} from './loader.mjs';

const [secretKeyMultibase, publicKeyMultibase, out] = process.argv.slice(2);
const did = `did:key:${publicKeyMultibase}`;
const keyPair = await Ed25519Multikey.from({
  id: `${did}#${publicKeyMultibase}`, controller: did, publicKeyMultibase, secretKeyMultibase
});
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'urn:uuid:2f9d3b5a-8c1e-4e7a-9b0d-6a4c2e1f8d37',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: {id: did, type: ['Profile'], name: 'Digital Bazaar Test Issuer'},
  validFrom: '2026-01-01T00:00:00Z',
  name: 'Interop badge',
  credentialSubject: {
    id: 'did:example:learner',
    type: ['AchievementSubject'],
    achievement: {
      id: 'urn:uuid:7c3e9a1d-4b6f-4d2a-8e5c-1f0b9d7a3c62', type: ['Achievement'], name: 'Interop',
      description: 'Signed by another implementation.', criteria: {narrative: 'Be verifiable.'}
    }
  }
};
const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite});
const signed = await vc.issue({credential, suite, documentLoader});
writeFileSync(out, JSON.stringify(signed, null, 2));
