//! Small syntactic predicates the JSON-LD algorithms use.

/// The JSON-LD 1.1 keywords.
const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

pub(crate) fn is_keyword(s: &str) -> bool {
    s.starts_with('@') && KEYWORDS.contains(&s)
}

/// `"@" 1*ALPHA`: reserved for future keywords, ignored with a warning.
pub(crate) fn has_keyword_form(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

pub(crate) fn is_blank(s: &str) -> bool {
    s.starts_with("_:")
}

/// An absolute IRI in form: a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), a colon,
/// and no white space. Full syntax is checked when the IRI becomes an RDF term.
pub(crate) fn is_absolute_iri(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s.as_bytes()[..colon];
    let Some((first, rest)) = scheme.split_first() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && rest
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !s.chars().any(char::is_whitespace)
}

/// An IRI that may become an RDF term: absolute and valid by RFC 3987.
pub(crate) fn is_well_formed_iri(s: &str) -> bool {
    is_absolute_iri(s) && oxiri::Iri::parse(s).is_ok()
}

/// A subject, object or graph name that may become an RDF term.
pub(crate) fn is_well_formed_node(s: &str) -> bool {
    if let Some(label) = s.strip_prefix("_:") {
        !label.is_empty()
    } else {
        is_well_formed_iri(s)
    }
}

/// BCP 47 in the loose form JSON-LD processors check: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
pub(crate) fn is_well_formed_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    (1..=8).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Ends with one of RFC 3986's gen-delims: `: / ? # [ ] @`.
pub(crate) fn ends_with_gen_delim(s: &str) -> bool {
    matches!(
        s.as_bytes().last(),
        Some(b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
    )
}

/// The position of the first `:` after the first character, if any.
pub(crate) fn colon_after_first(s: &str) -> Option<usize> {
    s.as_bytes()
        .iter()
        .skip(1)
        .position(|b| *b == b':')
        .map(|p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates() {
        assert!(is_keyword("@id") && !is_keyword("@ignoreMe") && !is_keyword("id"));
        assert!(
            has_keyword_form("@ignoreMe") && !has_keyword_form("@") && !has_keyword_form("@a1")
        );
        assert!(is_absolute_iri("urn:uuid:1") && is_absolute_iri("https://a.example/x"));
        assert!(
            !is_absolute_iri("relative/path") && !is_absolute_iri("1a:b") && !is_absolute_iri(":x")
        );
        assert!(!is_absolute_iri("http://a.example/with space"));
        assert!(
            is_well_formed_iri("https://a.example/x#y")
                && !is_well_formed_iri("https://a.example/<x>")
        );
        assert!(is_well_formed_language("en-us") && is_well_formed_language("zh-Hant-TW"));
        assert!(
            !is_well_formed_language("en_US")
                && !is_well_formed_language("toolongtag")
                && !is_well_formed_language("")
        );
        assert!(
            ends_with_gen_delim("http://a.example/") && !ends_with_gen_delim("http://a.example/x")
        );
        assert_eq!(colon_after_first(":a:b"), Some(2));
        assert_eq!(colon_after_first("ex:b"), Some(2));
        assert_eq!(colon_after_first("é:b"), Some(2));
        assert_eq!(colon_after_first("nocolon"), None);
    }
}
