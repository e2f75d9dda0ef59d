use super::*;

fn sample(rel: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/data/samples/1edtech-validator/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A minimal valid 1×1 PNG, built here so tests do not depend on any image file.
pub(crate) fn tiny_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut out = png::SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    // zlib stream of one filter byte + one grey pixel, stored (uncompressed) block.
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x80, 0x00, 0x81, 0x00, 0x81,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn onedtech_baked_pngs_unbake() {
    let json = unbake(&sample("ob30/simple-json.png")).unwrap().unwrap();
    assert_eq!(json.standard, Standard::OpenBadges3);
    assert!(matches!(&json.payload, Payload::Json(s) if s.contains("OpenBadgeCredential")));
    for f in ["ob30/simple-jwt.png", "ob30/simple-jwt_v1.png"] {
        let jwt = unbake(&sample(f)).unwrap().unwrap();
        assert!(
            matches!(jwt.payload, Payload::Jws(ref s) if s.split('.').count() == 3),
            "{f}"
        );
    }
    let ob2 = unbake(&sample("ob20/simple-badge.png")).unwrap().unwrap();
    assert_eq!(ob2.standard, Standard::OpenBadges2);
    assert_eq!(
        unbake(&sample("ob20/assets/robotics-badge.png")).unwrap(),
        None
    );
}

#[test]
fn onedtech_baked_svgs_unbake() {
    let json = unbake(&sample("ob30/simple-json.svg")).unwrap().unwrap();
    assert!(matches!(&json.payload, Payload::Json(s) if s.contains("OpenBadgeCredential")));
    for f in ["ob30/simple-jwt.svg", "ob30/simple-jwt_v1.svg"] {
        let jwt = unbake(&sample(f)).unwrap().unwrap();
        assert!(matches!(jwt.payload, Payload::Jws(_)), "{f}");
    }
}

#[test]
fn png_bake_round_trips_and_rebake_replaces() {
    let img = tiny_png();
    let first = bake(&img, r#"{"a":1}"#).unwrap();
    assert_eq!(
        unbake(&first).unwrap().unwrap().payload,
        Payload::Json(r#"{"a":1}"#.into())
    );
    let second = bake(&first, "aaa.bbb.ccc").unwrap();
    let got = unbake(&second).unwrap().unwrap();
    assert_eq!(got.payload, Payload::Jws("aaa.bbb.ccc".into()));
    // Only one credential chunk, and the image chunks are untouched.
    assert_eq!(second.windows(4).filter(|w| w == b"iTXt").count(), 1);
    assert!(second.windows(4).any(|w| w == b"IDAT"));
    // Re-baking a 1EdTech badge also leaves exactly one.
    let rebaked = bake(&sample("ob30/simple-json.png"), r#"{"b":2}"#).unwrap();
    assert_eq!(
        unbake(&rebaked).unwrap().unwrap().payload,
        Payload::Json(r#"{"b":2}"#.into())
    );
}

#[test]
fn svg_bake_round_trips_and_rebake_replaces() {
    let img = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;
    let tricky = r#"{"name":"a ]]> b <c> & d"}"#;
    let baked = bake(img, tricky).unwrap();
    assert_eq!(
        unbake(&baked).unwrap().unwrap().payload,
        Payload::Json(tricky.into())
    );
    let rebaked = bake(&baked, "h.p.s").unwrap();
    let text = String::from_utf8(rebaked.clone()).unwrap();
    assert_eq!(text.matches("openbadges:credential").count(), 1, "{text}");
    assert_eq!(
        unbake(&rebaked).unwrap().unwrap().payload,
        Payload::Jws("h.p.s".into())
    );
    let from_fixture = bake(&sample("ob30/simple-json.svg"), r#"{"c":3}"#).unwrap();
    assert_eq!(
        unbake(&from_fixture).unwrap().unwrap().payload,
        Payload::Json(r#"{"c":3}"#.into())
    );
}

/// Found by the `bake_roundtrip` fuzz target: a credential element whose `openbadges:` prefix
/// was never declared became a second credential once baking declared the prefix.
#[test]
fn undeclared_openbadges_prefix_is_replaced_not_duplicated() {
    let img = br#"<svg xmlns="http://www.w3.org/2000/svg"><openbadges:credential verify="old.jws.sig"></openbadges:credential><rect/></svg>"#;
    assert_eq!(
        unbake(img).unwrap().unwrap().payload,
        Payload::Jws("old.jws.sig".into())
    );
    let baked = bake(img, r#"{"new":1}"#).unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert_eq!(text.matches("<openbadges:credential").count(), 1, "{text}");
    assert_eq!(
        unbake(&baked).unwrap().unwrap().payload,
        Payload::Json(r#"{"new":1}"#.into())
    );
}

/// Found by the `bake_roundtrip` fuzz target: with two byte order marks, positions were off by
/// three bytes and the namespace declaration landed inside an attribute.
#[test]
fn leading_byte_order_marks_do_not_shift_the_insertion() {
    let img = "\u{feff}\u{feff}<svg xmlns=\"http://www.w3.org/2000/svg\" xml:space=\"preserve\"><rect/></svg>";
    let baked = bake(img.as_bytes(), r#"{"a":1}"#).unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(
        text.contains(r#"xml:space="preserve" xmlns:openbadges="#),
        "{text}"
    );
    assert_eq!(
        unbake(&baked).unwrap().unwrap().payload,
        Payload::Json(r#"{"a":1}"#.into())
    );
}

#[test]
fn two_credentials_are_refused() {
    let once = bake(&tiny_png(), r#"{"a":1}"#).unwrap();
    // Insert a second chunk by hand before IEND.
    let iend = once.len() - 12;
    let mut twice = once[..iend].to_vec();
    let chunk_start = once.windows(4).position(|w| w == b"iTXt").unwrap() - 4;
    twice.extend_from_slice(&once[chunk_start..iend]);
    twice.extend_from_slice(&once[iend..]);
    assert!(matches!(unbake(&twice), Err(Error::SeveralCredentials(2))));
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a.b.c"/><openbadges:credential verify="d.e.f"/></svg>"#;
    assert!(matches!(unbake(svg), Err(Error::SeveralCredentials(2))));
}

#[test]
fn truncated_and_corrupt_files_are_named() {
    let baked = bake(&tiny_png(), r#"{"a":1}"#).unwrap();
    for cut in [10, 20, 40, baked.len() - 1] {
        let err = unbake(&baked[..cut]).unwrap_err();
        assert!(matches!(err, Error::CorruptPng(_)), "{cut}: {err}");
    }
    let mut flipped = baked.clone();
    let last_data = flipped.len() - 20;
    flipped[last_data] ^= 0xff;
    assert!(matches!(unbake(&flipped), Err(Error::CorruptPng(m)) if m.contains("CRC")));
    assert!(matches!(unbake(b"GIF89a...."), Err(Error::NotAnImage(_))));
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><g>"#;
    assert!(matches!(unbake(svg), Err(Error::InvalidSvg(_))));
}

#[test]
fn oversized_inputs_are_refused() {
    let big = "x".repeat(MAX_CREDENTIAL_BYTES + 1);
    assert!(matches!(
        bake(&tiny_png(), &big),
        Err(Error::CredentialTooLarge(_))
    ));
    let mut huge = tiny_png();
    huge.resize(MAX_IMAGE_BYTES + 1, 0);
    assert!(matches!(unbake(&huge), Err(Error::ImageTooLarge(_))));
}

#[test]
fn compressed_credential_chunk_is_refused() {
    let baked = bake(&tiny_png(), r#"{"a":1}"#).unwrap();
    // Set the compression flag and fix the CRC.
    let pos = baked.windows(4).position(|w| w == b"iTXt").unwrap();
    let len = u32::from_be_bytes(baked[pos - 4..pos].try_into().unwrap()) as usize;
    let mut data = baked[pos + 4..pos + 4 + len].to_vec();
    data["openbadgecredential".len() + 1] = 1;
    let mut h = crc32fast::Hasher::new();
    h.update(b"iTXt");
    h.update(&data);
    let mut out = baked[..pos + 4].to_vec();
    out.extend_from_slice(&data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out.extend_from_slice(&baked[pos + 8 + len..]);
    assert!(matches!(unbake(&out), Err(Error::Compressed)));
}
