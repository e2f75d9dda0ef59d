//! Base58 (Bitcoin alphabet) for long inputs.
//!
//! The common crates convert one base-58 digit per pass over the number, which is quadratic
//! with a large constant: a 1.2 KB MerkleProof2019 `proofValue` took about 1 ms to encode, most
//! of the time of anchoring a batch. Here the number is held in limbs of 58⁵ (encoding) or 2³²
//! (decoding), so each pass moves five digits or four bytes with plain `u64` arithmetic: about
//! twenty times fewer steps. Still quadratic, but bounded inputs keep that harmless. The
//! `bs58` crate is the reference in the tests.

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 58⁵, the encoding limb.
const R5: u64 = 58 * 58 * 58 * 58 * 58;

/// The value of each ASCII byte as a base-58 digit, 255 for bytes outside the alphabet.
const DIGIT: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 58 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Encodes `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    let rest = &bytes[zeros..];
    // Limbs of 58⁵, least significant first.
    let mut limbs: Vec<u64> = Vec::with_capacity(rest.len() * 138 / 500 + 2);
    // The first chunk takes the odd bytes so that the rest come in fours.
    let head = rest.len() % 4;
    let mut push = |value: u64, shift: u32| {
        let mut carry = value;
        for limb in &mut limbs {
            let x = (*limb << shift) | carry;
            *limb = x % R5;
            carry = x / R5;
        }
        while carry > 0 {
            limbs.push(carry % R5);
            carry /= R5;
        }
    };
    if head > 0 {
        let v = rest[..head]
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        push(v, 8 * head as u32);
    }
    for chunk in rest[head..].chunks_exact(4) {
        let v = u64::from(u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        push(v, 32);
    }
    let mut out = Vec::with_capacity(zeros + limbs.len() * 5);
    out.resize(zeros, b'1');
    let mut digits = Vec::with_capacity(limbs.len() * 5);
    for (i, limb) in limbs.iter().enumerate() {
        let mut v = *limb;
        let last = i + 1 == limbs.len();
        for _ in 0..5 {
            if last && v == 0 {
                break;
            }
            digits.push(ALPHABET[(v % 58) as usize]);
            v /= 58;
        }
    }
    out.extend(digits.iter().rev());
    // Only ASCII from the alphabet was pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Why a string is not base58.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} at position {1} is not a base58 character")]
pub struct InvalidCharacter(pub char, pub usize);

/// Decodes `text`.
pub fn decode(text: &str) -> Result<Vec<u8>, InvalidCharacter> {
    let bytes = text.as_bytes();
    let mut values = Vec::with_capacity(bytes.len());
    for (i, b) in bytes.iter().enumerate() {
        let d = DIGIT[usize::from(*b)];
        if d == 255 {
            let c = text[i..].chars().next().unwrap_or('?');
            return Err(InvalidCharacter(c, i));
        }
        values.push(u64::from(d));
    }
    let zeros = values.iter().take_while(|v| **v == 0).count();
    let rest = &values[zeros..];
    // Limbs of 2³², least significant first.
    let mut limbs: Vec<u64> = Vec::with_capacity(rest.len() * 733 / 4000 + 2);
    let mut push = |value: u64, base: u64| {
        let mut carry = value;
        for limb in &mut limbs {
            let x = *limb * base + carry;
            *limb = x & 0xffff_ffff;
            carry = x >> 32;
        }
        while carry > 0 {
            limbs.push(carry & 0xffff_ffff);
            carry >>= 32;
        }
    };
    let head = rest.len() % 5;
    if head > 0 {
        let v = rest[..head].iter().fold(0u64, |acc, d| acc * 58 + d);
        push(v, 58u64.pow(head as u32));
    }
    for chunk in rest[head..].chunks_exact(5) {
        let v = chunk.iter().fold(0u64, |acc, d| acc * 58 + d);
        push(v, R5);
    }
    let mut out = vec![0u8; zeros];
    let mut body: Vec<u8> = Vec::with_capacity(limbs.len() * 4);
    for limb in limbs.iter().rev() {
        body.extend_from_slice(&(*limb as u32).to_be_bytes());
    }
    let lead = body.iter().take_while(|b| **b == 0).count();
    out.extend_from_slice(&body[lead..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn agrees_with_bs58_on_every_shape() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0, 0, 0],
            vec![0, 0, 1],
            vec![255; 33],
            vec![0, 255, 0, 255],
        ];
        for len in 0..300 {
            let zeros = (next() % 4) as usize;
            let mut v = vec![0u8; zeros.min(len)];
            while v.len() < len {
                v.push(next() as u8);
            }
            inputs.push(v);
        }
        inputs.push((0..2000).map(|_| next() as u8).collect());
        for input in inputs {
            let ours = encode(&input);
            assert_eq!(ours, bs58::encode(&input).into_string(), "{input:?}");
            assert_eq!(decode(&ours).unwrap(), input);
        }
    }

    #[test]
    fn decoding_names_the_bad_character() {
        assert_eq!(decode("abc0def"), Err(InvalidCharacter('0', 3)));
        assert_eq!(decode("zé"), Err(InvalidCharacter('é', 1)));
        assert_eq!(decode("111").unwrap(), vec![0, 0, 0]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
        // Leading ones only count as zero bytes; a later 1 is a digit.
        assert_eq!(
            decode("1z").unwrap(),
            bs58::decode("1z").into_vec().unwrap()
        );
    }
}
