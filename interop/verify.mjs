// Verifies one credential file with Digital Bazaar's implementation.
// Prints {"verified": bool, "error": ...} and exits 0 when verified, 1 when not.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {documentLoader} from './loader.mjs';

const credential = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const result = await vc.verifyCredential({credential, suite, documentLoader});
const error = result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : null;
console.log(JSON.stringify({verified: result.verified, error}));
process.exit(result.verified ? 0 : 1);
