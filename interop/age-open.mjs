// Opens a badgesafe vault the way a student could without badgesafe: with an independent age
// implementation (typage, npm `age-encryption`, by age's author). Block 1 (or 2, for the
// recovery code) gives the vault key; block 3, decrypted with it, is the wallet JSON.
//
//   node age-open.mjs VAULT_FILE passphrase|recovery SECRET
//
// Prints the wallet JSON.
import * as age from 'age-encryption';
import fs from 'node:fs';

const [file, which, secret] = process.argv.slice(2);
const blocks = fs.readFileSync(file, 'utf8')
  .match(/-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----\n/g);
const keyBlock = blocks[which === 'recovery' ? 1 : 0];
const unlock = new age.Decrypter();
unlock.addPassphrase(secret);
const identity = (await unlock.decrypt(age.armor.decode(keyBlock), 'text')).trim();
const open = new age.Decrypter();
open.addIdentity(identity);
process.stdout.write(await open.decrypt(age.armor.decode(blocks[2]), 'text'));
