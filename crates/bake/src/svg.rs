//! SVG credential elements (OB 3.0 §Baked Badge, OB 2.0 Baking 1.0).

use crate::{Baked, Error, MAX_CREDENTIAL_BYTES, MAX_IMAGE_BYTES, Payload, Standard};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

const NS_OB3: &str = "https://purl.imsglobal.org/ob/v3p0";
const NS_CLR: &str = "https://purl.imsglobal.org/clr/v2p0";
const NS_OB2: &str = "http://openbadges.org";

struct Found {
    standard: Standard,
    payload: Option<Payload>,
    span: std::ops::Range<usize>,
}

struct Scan {
    found: Vec<Found>,
    /// Byte offsets of the root `<svg …>` start tag.
    svg_start: Option<(usize, usize)>,
    /// Whether the root start tag declares the `openbadges` prefix (to any namespace), as its
    /// attributes parse; `None` when they do not parse.
    root_declares_prefix: Option<bool>,
}

fn standard_of(ns: &str, local: &str) -> Option<Standard> {
    match (ns, local) {
        (NS_OB3, "credential") => Some(Standard::OpenBadges3),
        (NS_CLR, "credential") => Some(Standard::Clr2),
        (NS_OB2, "assertion") => Some(Standard::OpenBadges2),
        _ => None,
    }
}

fn svg_text(bytes: &[u8]) -> Result<&str, Error> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Error::ImageTooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidSvg("not UTF-8".into()))?;
    // All leading byte order marks: quick-xml skips one more without counting it in its
    // positions, which would shift every span (found by the `bake_roundtrip` fuzz target).
    Ok(text.trim_start_matches('\u{feff}'))
}

fn scan(text: &str) -> Result<Scan, Error> {
    let mut reader = NsReader::from_str(text);
    let mut found = Vec::new();
    let mut svg_start = None;
    let mut root_declares_prefix = None;
    let mut depth = 0usize;
    // The element being collected: (standard, verify attribute, text, start offset, depth).
    let mut open: Option<(Standard, Option<String>, String, usize, usize)> = None;
    let bad = |e: quick_xml::Error, pos: u64| Error::InvalidSvg(format!("{e} (near byte {pos})"));
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), event)) => (Some(n.0.to_owned()), event),
            // `openbadges:` used without a declaration: read it as the badge namespace it
            // obviously means, so that baking (which declares it) replaces it.
            Ok((ResolveResult::Unknown(p), event)) if &*p == "openbadges" => {
                let assertion = match &event {
                    Event::Start(e) | Event::Empty(e) => e.local_name().as_ref() == "assertion",
                    _ => false,
                };
                let ns = if assertion { NS_OB2 } else { NS_OB3 };
                (Some(ns.to_owned()), event)
            }
            Ok((_, event)) => (None, event),
            Err(e) => return Err(bad(e, reader.error_position())),
        };
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let local = e.local_name();
                let local: &str = local.as_ref();
                if depth == 0 && svg_start.is_none() {
                    if local != "svg" {
                        return Err(Error::NotAnImage("SVG"));
                    }
                    if is_empty {
                        return Err(Error::InvalidSvg("the <svg> element is empty".into()));
                    }
                    svg_start = Some((before, after));
                    root_declares_prefix = e
                        .attributes()
                        .map(|a| a.map(|a| a.key.as_ref() == "xmlns:openbadges"))
                        .collect::<Result<Vec<bool>, _>>()
                        .ok()
                        .map(|keys| keys.contains(&true));
                }
                let standard = ns.as_deref().and_then(|n| standard_of(n, local));
                if let Some(standard) = standard
                    && open.is_none()
                {
                    let mut verify = None;
                    for attr in e.attributes() {
                        let attr = attr.map_err(|e| Error::InvalidSvg(e.to_string()))?;
                        if attr.key.local_name().as_ref() == "verify" {
                            let v = quick_xml::escape::unescape(&attr.value)
                                .map_err(|e| Error::InvalidSvg(e.to_string()))?;
                            verify = Some(v.into_owned());
                        }
                    }
                    if is_empty {
                        found.push(Found {
                            standard,
                            payload: verify.map(Payload::classify),
                            span: before..after,
                        });
                    } else {
                        open = Some((standard, verify, String::new(), before, depth));
                    }
                }
                if !is_empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some((standard, verify, body, start, d)) = open.take_if(|o| o.4 == depth) {
                    let _ = d;
                    let body = body.trim().to_owned();
                    let payload = if body.is_empty() {
                        verify.map(Payload::classify)
                    } else {
                        Some(Payload::classify(body))
                    };
                    found.push(Found {
                        standard,
                        payload,
                        span: start..after,
                    });
                }
            }
            Event::Text(t) => {
                if let Some(o) = open.as_mut() {
                    let raw = t.xml10_content();
                    let s = quick_xml::escape::unescape(&raw)
                        .map_err(|e| Error::InvalidSvg(e.to_string()))?;
                    o.2.push_str(&s);
                }
            }
            Event::CData(c) => {
                if let Some(o) = open.as_mut() {
                    o.2.push_str(&c.xml10_content());
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if let Some(o) = &open
            && o.2.len() > MAX_CREDENTIAL_BYTES
        {
            return Err(Error::CredentialTooLarge(o.2.len()));
        }
    }
    if svg_start.is_none() {
        return Err(Error::NotAnImage("SVG"));
    }
    if depth != 0 || open.is_some() {
        return Err(Error::InvalidSvg(
            "the document ends before its elements are closed (truncated)".into(),
        ));
    }
    Ok(Scan {
        found,
        svg_start,
        root_declares_prefix,
    })
}

/// Extracts the credential from an SVG.
pub fn unbake_svg(bytes: &[u8]) -> Result<Option<Baked>, Error> {
    let mut scan = scan(svg_text(bytes)?)?;
    match scan.found.len() {
        0 => Ok(None),
        1 => {
            let f = scan.found.remove(0);
            let payload = f.payload.ok_or_else(|| {
                Error::InvalidSvg(
                    "the credential element has neither content nor a verify attribute".into(),
                )
            })?;
            Ok(Some(Baked {
                standard: f.standard,
                payload,
            }))
        }
        n => Err(Error::SeveralCredentials(n)),
    }
}

/// Bakes `credential` into an SVG, replacing any credential element it had.
pub fn bake_svg(image: &[u8], credential: &str) -> Result<Vec<u8>, Error> {
    if credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(Error::CredentialTooLarge(credential.len()));
    }
    let text = svg_text(image)?;
    let scan = scan(text)?;
    let Some((tag_start, tag_end)) = scan.svg_start else {
        return Err(Error::NotAnImage("SVG"));
    };
    // The element always declares its namespace itself, so it means the same whatever the rest
    // of the document binds; the root also gets the declaration, as in the specification's
    // example, when it has none and its attributes parse.
    let declared = format!("xmlns:openbadges=\"{NS_OB3}\"");
    let element = if credential.trim_start().starts_with('{') {
        format!(
            "<openbadges:credential {declared}><![CDATA[{}]]></openbadges:credential>",
            credential.replace("]]>", "]]]]><![CDATA[>")
        )
    } else {
        format!(
            "<openbadges:credential {declared} verify=\"{}\"/>",
            quick_xml::escape::escape(credential.trim())
        )
    };
    let mut out = String::with_capacity(text.len() + element.len() + 64);
    let start_tag = &text[tag_start..tag_end];
    if scan.root_declares_prefix == Some(false) && start_tag.ends_with('>') {
        out.push_str(&text[..tag_start]);
        out.push_str(start_tag.trim_end_matches('>'));
        out.push(' ');
        out.push_str(&declared);
        out.push('>');
    } else {
        out.push_str(&text[..tag_end]);
    }
    out.push_str(&element);
    let mut pos = tag_end;
    for f in &scan.found {
        if f.span.start >= pos {
            out.push_str(&text[pos..f.span.start]);
            pos = f.span.end;
        }
    }
    out.push_str(&text[pos..]);
    Ok(out.into_bytes())
}
