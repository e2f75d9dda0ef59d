//! The pinned JSON-LD contexts badgesafe embeds.
//!
//! Contexts are never fetched at run time: a document that names a context outside this set
//! cannot be processed. Every file is pinned by its SHA-256, and a test checks the pins.
//! The files come from `shared/data/contexts` (see its MANIFEST for source and licence), except
//! the older Blockcerts contexts (`w3id.org/blockcerts/v2`, `v3`, `v3.0-beta`, `v3.1`), which
//! come from the PyPI package `cert-schema` 3.10.0 (`cert_schema/{2.0,3.0,3.0-beta,3.1}/context.json`,
//! MIT, licence in `data/w3id.org/blockcerts/LICENSE-cert-schema`); its `3.2/context.json` is
//! byte-identical to the `shared/data` copy. They let badgesafe read Blockcerts v2
//! (MerkleProof2017) and v3 credentials.

/// One pinned context document.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The URL the context is published at.
    pub url: &'static str,
    /// Lower-case hex SHA-256 of `body`.
    pub sha256: &'static str,
    /// The document, byte for byte as published.
    pub body: &'static str,
}

/// Every pinned context, sorted by URL.
pub static CONTEXTS: &[Context] = &[
    Context {
        url: "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        sha256: "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
        body: include_str!("../data/purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        sha256: "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167",
        body: include_str!("../data/purl.imsglobal.org/spec/clr/v2p0/context.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        sha256: "d582f3564282fb3b709136d28412e78e70b678b4dbc2f0221f67d84932748355",
        body: include_str!("../data/purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        sha256: "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
        body: include_str!("../data/purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        sha256: "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
        body: include_str!("../data/purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        sha256: "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
        body: include_str!("../data/purl.imsglobal.org/spec/ob/v3p0/context.json"),
    },
    Context {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        sha256: "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3",
        body: include_str!("../data/purl.imsglobal.org/spec/ob/v3p0/extensions.json"),
    },
    Context {
        url: "https://w3id.org/blockcerts/v2",
        sha256: "9aeb82c65913f2b727170778a81b9f882254b12d4b66c7aca1c8ee4765d4fc57",
        body: include_str!("../data/w3id.org/blockcerts/v2.json"),
    },
    Context {
        url: "https://w3id.org/blockcerts/v3",
        sha256: "7b5a4f9771640918b6e3169af29374b38a9f914dcfed77675db7944c8f1a1152",
        body: include_str!("../data/w3id.org/blockcerts/v3.json"),
    },
    Context {
        url: "https://w3id.org/blockcerts/v3.0-beta",
        sha256: "23caf3aaa35cefdf6444550bb39edb1eaf2d12d2d0128aab56322ad6a592e2b7",
        body: include_str!("../data/w3id.org/blockcerts/v3.0-beta.json"),
    },
    Context {
        url: "https://w3id.org/blockcerts/v3.1",
        sha256: "2fc073679f0e05bba5984a3110c0bfcfbc9401c2a5874115e9a9bb12204001f3",
        body: include_str!("../data/w3id.org/blockcerts/v3.1.json"),
    },
    Context {
        url: "https://w3id.org/blockcerts/v3.2",
        sha256: "fa5afe993720de6d030dc78cb8d33085e4e8a58704e26c8eefa536f4ab7b9731",
        body: include_str!("../data/w3id.org/blockcerts/v3.2.json"),
    },
    Context {
        url: "https://w3id.org/openbadges/v1",
        sha256: "406ec07d0e758a41e84bac6361d29e391188492eb25f7efc51bfa19d8b2db810",
        body: include_str!("../data/w3id.org/openbadges/v1.json"),
    },
    Context {
        url: "https://w3id.org/openbadges/v2",
        sha256: "3c0c25a0e581c64cbe632197377c4f334c6c0b95f0d90e3b74449781612b153d",
        body: include_str!("../data/w3id.org/openbadges/v2.json"),
    },
    Context {
        url: "https://w3id.org/security/data-integrity/v1",
        sha256: "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
        body: include_str!("../data/w3id.org/security/data-integrity/v1.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/data-integrity/v2",
        sha256: "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
        body: include_str!("../data/w3id.org/security/data-integrity/v2.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/jwk/v1",
        sha256: "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
        body: include_str!("../data/w3id.org/security/jwk/v1.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/multikey/v1",
        sha256: "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
        body: include_str!("../data/w3id.org/security/multikey/v1.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/suites/ed25519-2020/v1",
        sha256: "67646fbc0d6582ad7fbf08ccf0d3a4bedbb4177fd2d63385de52dc1b092ed6c5",
        body: include_str!("../data/w3id.org/security/suites/ed25519-2020/v1.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/v1",
        sha256: "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
        body: include_str!("../data/w3id.org/security/v1.jsonld"),
    },
    Context {
        url: "https://w3id.org/security/v2",
        sha256: "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b",
        body: include_str!("../data/w3id.org/security/v2.jsonld"),
    },
    Context {
        url: "https://www.w3.org/2018/credentials/examples/v1",
        sha256: "2070ae4e75bc3b4c2cfe2b8b6e86ec45119672bbb5da283f0399ea96c60a0104",
        body: include_str!("../data/www.w3.org/2018/credentials/examples/v1.jsonld"),
    },
    Context {
        url: "https://www.w3.org/2018/credentials/v1",
        sha256: "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
        body: include_str!("../data/www.w3.org/2018/credentials/v1.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/cid/v1",
        sha256: "ea216ecc1cb02cd39b693dba2250141e270ba0bf95890be107dd9a9e8e43de85",
        body: include_str!("../data/www.w3.org/ns/cid/v1.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/credentials/examples/v2",
        sha256: "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
        body: include_str!("../data/www.w3.org/ns/credentials/examples/v2.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/credentials/status/v1",
        sha256: "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
        body: include_str!("../data/www.w3.org/ns/credentials/status/v1.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/credentials/undefined-terms/v2",
        sha256: "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581",
        body: include_str!("../data/www.w3.org/ns/credentials/undefined-terms/v2.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/credentials/v2",
        sha256: "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        body: include_str!("../data/www.w3.org/ns/credentials/v2.jsonld"),
    },
    Context {
        url: "https://www.w3.org/ns/did/v1",
        sha256: "adefa50311393eb1bd788a38ac9fe2696c65367928f6996812cd54577394f4da",
        body: include_str!("../data/www.w3.org/ns/did/v1.jsonld"),
    },
];

/// URLs that serve the same document as a pinned one (alias, pinned target).
pub static ALIASES: &[(&str, &str)] = &[
    (
        "https://w3id.org/blockcerts/schema/2.0/context.json",
        "https://w3id.org/blockcerts/v2",
    ),
    (
        "https://w3id.org/blockcerts/schema/3.0/context.json",
        "https://w3id.org/blockcerts/v3",
    ),
    (
        "https://w3id.org/blockcerts/schema/3.1/context.json",
        "https://w3id.org/blockcerts/v3.1",
    ),
    (
        "https://w3id.org/blockcerts/schema/3.2/context.json",
        "https://w3id.org/blockcerts/v3.2",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    ),
    (
        "https://w3id.org/openbadges/v2.json",
        "https://w3id.org/openbadges/v2",
    ),
    (
        "https://w3id.org/security/data-integrity/v2.jsonld",
        "https://w3id.org/security/data-integrity/v2",
    ),
];

/// The VC Data Model 2.0 base context.
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC Data Model 1.1 base context.
pub const VC_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The Open Badges 3.0 context badgesafe emits.
pub const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// 1EdTech extension types (status, refresh, schema validator).
pub const OB_EXTENSIONS: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
/// The Open Badges 2.0 context.
pub const OB_V2: &str = "https://w3id.org/openbadges/v2";

/// Looks up a pinned context by URL, following [`ALIASES`].
///
/// A URL with a trailing fragment is looked up without it.
pub fn get(url: &str) -> Option<&'static Context> {
    let url = url.split('#').next().unwrap_or(url);
    let url = ALIASES
        .iter()
        .find(|(alias, _)| *alias == url)
        .map_or(url, |(_, target)| *target);
    CONTEXTS
        .binary_search_by(|c| c.url.cmp(url))
        .ok()
        .and_then(|i| CONTEXTS.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn every_pin_matches_the_embedded_bytes() {
        for c in CONTEXTS {
            let got = hex::encode(Sha256::digest(c.body.as_bytes()));
            assert_eq!(got, c.sha256, "pin of {}", c.url);
        }
    }

    #[test]
    fn table_is_sorted_so_lookup_finds_every_entry() {
        for c in CONTEXTS {
            assert_eq!(get(c.url).map(|f| f.url), Some(c.url));
        }
        assert!(CONTEXTS.windows(2).all(|w| w[0].url < w[1].url));
    }

    #[test]
    fn aliases_and_unknown_urls() {
        let alias = get("https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld");
        assert_eq!(
            alias.map(|c| c.url),
            Some("https://purl.imsglobal.org/spec/ob/v3p0/context.json")
        );
        assert!(get("https://example.com/evil-context.json").is_none());
        assert!(get(OB_V3).is_some() && get(VC_V2).is_some() && get(VC_V1).is_some());
    }

    #[test]
    fn pinned_vc_and_ob_hashes_are_the_ones_the_standards_name() {
        // shared/spec/STANDARDS.md §1.2 names these two pins.
        assert_eq!(
            get(VC_V2).map(|c| c.sha256),
            Some("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734")
        );
        assert_eq!(
            get(OB_V3).map(|c| c.sha256),
            Some("ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761")
        );
    }
}
