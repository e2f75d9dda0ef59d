//! Recovery codes: 160 random bits as 32 base32 characters in groups of four.

use crate::Error;

const GROUP: usize = 4;
const CHARS: usize = 32;

/// A fresh recovery code, such as `ABCD-EFGH-…` (8 groups).
pub fn new_code() -> Result<String, Error> {
    let bytes = badgesafe_crypto::random_bytes::<20>().map_err(|e| Error::Crypto(e.to_string()))?;
    Ok(group(&data_encoding::BASE32_NOPAD.encode(&bytes)))
}

fn group(plain: &str) -> String {
    plain
        .as_bytes()
        .chunks(GROUP)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as it was printed, from what the student typed: any case, with or without dashes
/// and spaces. A code that cannot be one is refused with what is wrong.
pub fn normalize(typed: &str) -> Result<String, Error> {
    let plain: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some(bad) = plain.chars().find(|c| !matches!(c, 'A'..='Z' | '2'..='7')) {
        return Err(Error::BadRecoveryCode(format!(
            "{bad:?} does not occur in recovery codes (they use A–Z and 2–7)"
        )));
    }
    if plain.chars().count() != CHARS {
        return Err(Error::BadRecoveryCode(format!(
            "a recovery code has {CHARS} letters and digits, this one has {}",
            plain.chars().count()
        )));
    }
    Ok(group(&plain))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_are_grouped_and_typed_forms_normalize_to_them() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 39, "{code}");
        assert_eq!(code.split('-').count(), 8);
        assert_eq!(
            normalize(&code.to_lowercase().replace('-', " ")).unwrap(),
            code
        );
        assert_ne!(new_code().unwrap(), code);
        let e = normalize("ABCD-EFGH").unwrap_err().to_string();
        assert!(e.contains("this one has 8"), "{e}");
        let e = normalize(&code.replace('A', "0").replacen(
            |c: char| c.is_ascii_uppercase(),
            "0",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("'0'"), "{e}");
    }
}
