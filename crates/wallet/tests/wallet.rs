#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The wallet library against the shared fixtures: the vault format, every import source,
//! e-mail extraction, presentations and merging.

use badgesafe_verify::{Fetcher, Options, Outcome as Check};
use badgesafe_wallet::import::{self, Candidate, Outcome};
use badgesafe_wallet::{Contents, Error, Secret, Vault};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

const NOW: &str = "2026-12-04T12:00:00Z";

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(NOW).unwrap().into()
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(badgesafe_testkit::data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Answers for the URLs the 1EdTech OB 2.0 fixtures name, and nothing else.
struct FixtureWeb(HashMap<String, Vec<u8>>);

impl Fetcher for FixtureWeb {
    fn get(&self, url: &str, _accept: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(url)
            .cloned()
            .ok_or_else(|| format!("connection refused ({url})"))
    }
}

fn ob2_web() -> FixtureWeb {
    let a = |f: &str| read(&format!("samples/1edtech-validator/ob20/assets/{f}"));
    let mut m: HashMap<String, Vec<u8>> = HashMap::new();
    for (url, file) in [
        ("http://example.org/key1.json", "key1.json"),
        ("http://example.org/key2.json", "key2.json"),
        ("http://example.org/key3.json", "key3.json"),
        (
            "https://example.org/robotics-badge.json",
            "robotics-badge.json",
        ),
        ("https://example.org/organization.json", "organization.json"),
        (
            "https://example.org/organization-with-revocation-list.json",
            "organization-with-revocation-list.json",
        ),
        (
            "http://example.org/revocation-list.json",
            "revocation-list.json",
        ),
        (
            "http://example.org/empty-revocation-list.json",
            "empty-revocation-list.json",
        ),
        (
            "https://example.org/badge-from-organization-with-empty-revocation-list.json",
            "badge-from-organization-with-empty-revocation-list.json",
        ),
        (
            "https://example.org/organization-with-empty-revocation-list.json",
            "organization-with-empty-revocation-list.json",
        ),
        (
            "https://example.org/badge-from-organization-with-revocation-list.json",
            "badge-from-organization-with-revocation-list.json",
        ),
    ] {
        m.insert(url.into(), a(file));
    }
    m.insert(
        "https://example.org/beths-robotics-badge.json".into(),
        read("samples/1edtech-validator/ob20/basic-assertion.json"),
    );
    FixtureWeb(m)
}

fn opts(web: Option<&dyn Fetcher>) -> Options<'_> {
    Options {
        fetcher: web,
        now: now(),
        recipient_email: None,
        rpc: &[],
        confirmations: 1,
    }
}

fn new_vault(dir: &Path) -> (Vault, String) {
    Vault::create(&dir.join("w.vault"), "correct horse", NOW).unwrap()
}

fn add(contents: &mut Contents, rel: &str, web: Option<&dyn Fetcher>) -> Outcome {
    let c = Candidate {
        source: rel.into(),
        bytes: read(rel),
    };
    import::import_one(contents, &c, &opts(web), false, NOW).outcome
}

#[test]
fn a_vault_opens_with_its_passphrase_or_recovery_code_and_with_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = new_vault(dir.path());
    let path = vault.path().to_owned();
    let did = vault.contents.holder.did.clone();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    add(
        &mut vault.contents,
        "samples/1edtech-validator/ob30/simple.json",
        None,
    );
    vault.save().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("badgesafe-vault 1\n"), "{text}");
    assert_eq!(
        text.matches("-----BEGIN AGE ENCRYPTED FILE-----").count(),
        3
    );
    assert!(
        !text.contains("did:key"),
        "the holder is inside the encryption"
    );

    let v = Vault::open(&path, Secret::Passphrase("correct horse")).unwrap();
    assert_eq!(
        (v.contents.badges.len(), v.contents.holder.did.as_str()),
        (1, did.as_str())
    );
    let e = Vault::open(&path, Secret::Passphrase("correct horsE")).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase), "{e}");
    assert_eq!(
        e.to_string(),
        "wrong passphrase: it does not open this vault"
    );
    // The recovery code, typed loosely, opens it too; then the passphrase can be replaced.
    let mut v = Vault::open(
        &path,
        Secret::RecoveryCode(&code.to_lowercase().replace('-', " ")),
    )
    .unwrap();
    assert_eq!(v.contents.badges.len(), 1);
    let other_code = badgesafe_wallet::recovery::new_code().unwrap();
    let e = Vault::open(&path, Secret::RecoveryCode(&other_code)).unwrap_err();
    assert!(matches!(e, Error::WrongRecoveryCode), "{e}");
    let e = Vault::open(&path, Secret::RecoveryCode("1234")).unwrap_err();
    assert!(e.to_string().contains("not a recovery code"), "{e}");
    let e = v.change_passphrase("short").unwrap_err();
    assert!(e.to_string().contains("at least 8"), "{e}");
    v.change_passphrase("battery staple").unwrap();
    assert!(matches!(
        Vault::open(&path, Secret::Passphrase("correct horse")).unwrap_err(),
        Error::WrongPassphrase
    ));
    Vault::open(&path, Secret::Passphrase("battery staple")).unwrap();
    Vault::open(&path, Secret::RecoveryCode(&code)).unwrap();
    // A vault is never overwritten by init.
    let e = Vault::create(&path, "correct horse", NOW).unwrap_err();
    assert!(matches!(e, Error::Exists(_)), "{e}");
}

#[test]
fn damaged_cut_newer_and_foreign_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = new_vault(dir.path());
    vault.save().unwrap();
    let good = std::fs::read_to_string(vault.path()).unwrap();
    let p = dir.path().join("case.vault");
    let lines: Vec<&str> = good.lines().collect();
    let last_block_line = lines.len() - 3;
    let mut flipped = lines.clone();
    let l = flipped[last_block_line].to_owned();
    let changed: String = l
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 5 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    flipped[last_block_line] = &changed;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "not a badgesafe vault"),
        (
            "a PNG",
            read("samples/1edtech-validator/ob30/simple-json.png"),
            "not a badgesafe vault",
        ),
        (
            "cut in half",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "cut short",
        ),
        (
            "newer",
            good.replacen("badgesafe-vault 1", "badgesafe-vault 2", 1)
                .into_bytes(),
            "newer badgesafe (format 2)",
        ),
        (
            "no number",
            good.replacen("badgesafe-vault 1", "badgesafe-vault x", 1)
                .into_bytes(),
            "no format number",
        ),
        (
            "a byte changed",
            (flipped.join("\n") + "\n").into_bytes(),
            "block 3 (the wallet) cannot be read",
        ),
        (
            "a block missing",
            {
                let cut = good.find("-----BEGIN AGE ENCRYPTED FILE-----").unwrap();
                let end = good[cut..]
                    .find("-----END AGE ENCRYPTED FILE-----")
                    .unwrap()
                    + cut
                    + 33;
                format!("{}{}", &good[..cut], &good[end..]).into_bytes()
            },
            "3 blocks, this file has 2",
        ),
        (
            "text between blocks",
            good.replacen(
                "-----END AGE ENCRYPTED FILE-----\n",
                "-----END AGE ENCRYPTED FILE-----\nhello\n",
                1,
            )
            .into_bytes(),
            "unexpected text",
        ),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(&p, &bytes).unwrap();
        let e = Vault::open(&p, Secret::Passphrase("correct horse"))
            .map(|_| ())
            .expect_err(name)
            .to_string();
        assert!(e.contains(want), "{name}: {e}");
        assert_eq!(
            std::fs::read(&p).unwrap(),
            bytes,
            "{name}: the file is untouched"
        );
    }
    // A wallet JSON of a newer version inside a sound vault.
    vault.contents.version = 2;
    vault.save().unwrap();
    let e = Vault::open(vault.path(), Secret::Passphrase("correct horse")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Newer {
                found: 2,
                supported: 1
            }
        ),
        "{e}"
    );
}

#[test]
fn every_import_source_is_verified_and_a_duplicate_is_recognised() {
    let mut c = Contents::new(NOW).unwrap();
    let web = ob2_web();
    // The OB 3.0 fixtures name issuers at example addresses: their keys are did:key, so they
    // verify offline (the issuer profile look-up is skipped).
    for (rel, web) in [
        ("samples/1edtech-validator/ob30/simple-json.png", None),
        ("samples/1edtech-validator/ob30/complete.json", None),
        ("samples/1edtech-validator/clr20/simple.jwt", None),
        (
            "samples/1edtech-validator/ob30/simple-eddsa-2022.json",
            None,
        ),
        ("interop/ssi-eddsa-jcs-2022.json", None),
        (
            "samples/1edtech-validator/ob20/simple-not-revoked.jwt",
            Some(&web as &dyn Fetcher),
        ),
    ] {
        let out = add(&mut c, rel, web);
        assert!(
            matches!(out, Outcome::Added { verified: true, .. }),
            "{rel}: {out:?}"
        );
    }
    // The same credential again, as JSON or baked into an SVG, is recognised.
    for rel in [
        "samples/1edtech-validator/ob30/simple-json.svg",
        "samples/1edtech-validator/ob30/simple-json.png",
    ] {
        let again = add(&mut c, rel, None);
        assert!(
            matches!(again, Outcome::Duplicate { .. }),
            "{rel}: {again:?}"
        );
    }
    // Another credential under an id the wallet has already is not silently dropped or mixed.
    let clash = add(
        &mut c,
        "samples/1edtech-validator/ob30/simple-jwt.png",
        None,
    );
    assert!(
        matches!(&clash, Outcome::Skipped(w) if w.contains("same id")),
        "{clash:?}"
    );
    let kinds: Vec<_> = c.badges.iter().map(|b| b.kind).collect();
    assert!(kinds.contains(&badgesafe_wallet::Kind::Vc));
    assert!(kinds.contains(&badgesafe_wallet::Kind::VcJwt));
    assert!(kinds.contains(&badgesafe_wallet::Kind::Ob2));
    // An OB 2.0 hosted badge, fetched from its address; the badge class gives its name.
    // (The signed fixtures reuse its id, so it goes into a wallet of its own.)
    let mut other = Contents::new(NOW).unwrap();
    let hosted = import::fetch("https://example.org/beths-robotics-badge.json", &web).unwrap();
    let r = import::import_one(&mut other, &hosted, &opts(Some(&web)), false, NOW);
    assert!(
        matches!(r.outcome, Outcome::Added { verified: true, .. }),
        "{r:?}"
    );
    let ob2 = other
        .find("https://example.org/beths-robotics-badge.json")
        .unwrap();
    assert_eq!(ob2.name, "Awesome Robotics Badge", "{ob2:?}");
    assert_eq!(ob2.kind, badgesafe_wallet::Kind::Ob2);
    // An OB 2.0 baked image.
    let mut baked = Contents::new(NOW).unwrap();
    let out = add(
        &mut baked,
        "samples/1edtech-validator/ob20/simple-badge.png",
        Some(&web),
    );
    assert!(
        matches!(out, Outcome::Added { verified: true, .. }),
        "{out:?}"
    );
    assert_eq!(baked.badges[0].kind, badgesafe_wallet::Kind::Ob2);
    let e = import::fetch("https://example.org/nothing-here.json", &web).unwrap_err();
    assert!(e.contains("connection refused"), "{e}");
    // A revoked OB 2.0 badge and a tampered OB 3.0 badge are refused with their reasons…
    let mut fresh = Contents::new(NOW).unwrap();
    let revoked = add(
        &mut fresh,
        "samples/1edtech-validator/ob20/simple-revoked.jwt",
        Some(&web),
    );
    assert!(
        matches!(&revoked, Outcome::Refused(why) if why.contains("status.revocation")),
        "{revoked:?}"
    );
    let n = fresh.badges.len();
    let tampered = add(
        &mut fresh,
        "samples/1edtech-validator/ob30/simple-err-proof-value.json",
        None,
    );
    assert!(
        matches!(&tampered, Outcome::Refused(why) if why.contains("proof")),
        "{tampered:?}"
    );
    assert_eq!(fresh.badges.len(), n, "nothing added");
    // …unless the student keeps one explicitly: then it is marked.
    let cand = Candidate {
        source: "kept.json".into(),
        bytes: read("samples/1edtech-validator/ob30/simple-err-proof-value.json"),
    };
    let kept = import::import_one(&mut fresh, &cand, &opts(None), true, NOW);
    assert!(
        matches!(
            kept.outcome,
            Outcome::Added {
                verified: false,
                ..
            }
        ),
        "{kept:?}"
    );
    assert_eq!(fresh.badges.last().unwrap().status(), "not verified");
    // Not badges at all.
    for (bytes, want) in [
        (b"\x89PNG\r\n\x1a\nrest".to_vec(), "PNG"),
        (b"[1,2]".to_vec(), "not an object"),
        (vec![0xff, 0xfe, 0x00], "not a PNG, SVG, JSON or JWT"),
        (b"{\"a\":".to_vec(), "not JSON"),
    ] {
        let cand = Candidate {
            source: "x".into(),
            bytes,
        };
        let r = import::import_one(&mut c, &cand, &opts(None), true, NOW);
        assert!(
            matches!(&r.outcome, Outcome::Skipped(why) if why.contains(want)),
            "{want}: {r:?}"
        );
    }
    // Summaries: name, issuer, date, skills; filters.
    let complete = c
        .badges
        .iter()
        .find(|b| b.source.ends_with("complete.json"))
        .unwrap();
    assert!(
        !complete.issuer.is_empty() && !complete.issued.is_empty(),
        "{complete:?}"
    );
    let by_issuer: Vec<_> = c.filter(Some(&complete.issuer), None).collect();
    assert!(by_issuer.iter().any(|b| b.id == complete.id));
    let skill = complete
        .skills
        .first()
        .expect("complete.json names alignments and an achievement type");
    assert!(c.filter(None, Some(skill)).any(|b| b.id == complete.id));
    assert_eq!(c.filter(Some("no such school anywhere"), None).count(), 0);
}

fn delivery_mail(badges: &[(&str, Vec<u8>, String)]) -> Vec<u8> {
    let badges: Vec<badgesafe_mail::Badge> = badges
        .iter()
        .map(|(name, png, json)| badgesafe_mail::Badge {
            name: (*name).into(),
            file_stem: name.replace(' ', "-"),
            image: png.clone(),
            image_type: "image/png".into(),
            json: json.clone(),
        })
        .collect();
    badgesafe_mail::compose(&badgesafe_mail::Letter {
        from: "School <noreply@school.example>",
        to: "bram@school.example",
        name: Some("Bram"),
        school: "School",
        message_id: "m1@school.example",
        wallet_url: "https://school.example/wallet",
        badges: &badges,
    })
    .unwrap()
    .formatted()
}

#[test]
fn a_delivery_email_gives_its_badges_and_a_hostile_one_gives_nothing() {
    let png = read("samples/1edtech-validator/ob30/simple-json.png");
    let json = String::from_utf8(read("samples/1edtech-validator/ob30/simple.json")).unwrap();
    let clr = read("samples/1edtech-validator/clr20/simple.json");
    let clr_png = badgesafe_bake::bake(&png, std::str::from_utf8(&clr).unwrap()).unwrap();
    let eml = delivery_mail(&[
        ("Simple", png.clone(), json.clone()),
        ("CLR", clr_png, String::from_utf8(clr).unwrap()),
    ]);
    let (found, notes) = import::candidates("delivery.eml", &eml);
    let names: Vec<&str> = found.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?} {notes:?}");
    assert!(names[0].starts_with("delivery.eml › "), "{names:?}");
    let mut c = Contents::new(NOW).unwrap();
    let _ = json;
    let outcomes: Vec<Outcome> = found
        .iter()
        .map(|f| import::import_one(&mut c, f, &opts(None), false, NOW).outcome)
        .collect();
    assert_eq!(c.badges.len(), 2, "{outcomes:?}");
    // Saved without the .eml extension, it is still recognised as an e-mail.
    let (again, _) = import::candidates("saved-message", &eml);
    assert_eq!(again.len(), 4);

    // A zip attachment is named, not opened; text parts are reported as not badges.
    let zip = "From: a@b.example\r\nTo: c@d.example\r\nSubject: z\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=badges.zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n--XX--\r\n";
    let (found, notes) = import::candidates("z.eml", zip.as_bytes());
    assert!(found.is_empty());
    assert!(
        notes.iter().any(|n| matches!(&n.outcome, Outcome::Skipped(w) if w.contains("zip archives are not opened"))),
        "{notes:?}"
    );
    // Messages attached inside messages, deeper than allowed: nothing is taken.
    let mut nested = String::from_utf8(eml.clone()).unwrap();
    for i in 0..4 {
        nested = format!(
            "From: a@b.example\r\nSubject: fwd {i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=N{i}\r\n\r\n--N{i}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd{i}.eml\r\n\r\n{nested}\r\n--N{i}--\r\n"
        );
    }
    let (found, notes) = import::candidates("nested.eml", nested.as_bytes());
    assert!(found.is_empty(), "{found:?}");
    assert!(
        notes
            .iter()
            .any(|n| matches!(&n.outcome, Outcome::Skipped(w) if w.contains("deep"))),
        "{notes:?}"
    );
    // Too many attachments.
    let mut many = String::from(
        "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n",
    );
    for i in 0..=import::MAX_ATTACHMENTS {
        many.push_str(&format!("--M\r\nContent-Type: application/json\r\nContent-Disposition: attachment; filename=b{i}.json\r\n\r\n{{}}\r\n"));
    }
    many.push_str("--M--\r\n");
    let (found, notes) = import::candidates("many.eml", many.as_bytes());
    assert!(found.is_empty());
    assert!(
        notes.iter().any(
            |n| matches!(&n.outcome, Outcome::Skipped(w) if w.contains("attachments; at most"))
        ),
        "{notes:?}"
    );
}

fn badges_for_presenting(c: &mut Contents) -> Vec<String> {
    for rel in [
        "samples/1edtech-validator/ob30/simple-json.png",
        "samples/1edtech-validator/ob30/complete.json",
        "samples/1edtech-validator/ob30/simple-eddsa-2022.json",
    ] {
        let out = add(c, rel, None);
        assert!(
            matches!(out, Outcome::Added { verified: true, .. }),
            "{rel}: {out:?}"
        );
    }
    c.badges.iter().map(|b| b.id.clone()).collect()
}

#[test]
fn presentations_are_bound_to_one_verifier_until_their_expiry() {
    let mut c = Contents::new(NOW).unwrap();
    let ids = badges_for_presenting(&mut c);
    let audience = badgesafe_wallet::present::Audience {
        domain: "werkgever.example",
        challenge: Some("n-0S6_WzA2Mj"),
        created: NOW,
        expires: "2026-12-11T12:00:00Z",
    };
    let chosen = [ids[0].as_str(), &c.badges[2].short_id()];
    let vp = badgesafe_wallet::present::present(&c, &chosen, &audience).unwrap();
    assert_eq!(vp["verifiableCredential"].as_array().unwrap().len(), 2);
    assert_eq!(vp["holder"], c.holder.did.as_str());
    assert_eq!(vp["proof"]["proofPurpose"], "authentication");
    assert_eq!(vp["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(vp["proof"]["expires"], "2026-12-11T12:00:00Z");
    let expect = badgesafe_verify::presentation::Expect {
        challenge: Some("n-0S6_WzA2Mj"),
        domain: Some("werkgever.example"),
    };
    let check = |vp: &Value, at: &str, expect: &badgesafe_verify::presentation::Expect<'_>| {
        let o = Options {
            now: chrono::DateTime::parse_from_rfc3339(at).unwrap().into(),
            ..opts(None)
        };
        badgesafe_verify::presentation::verify_presentation(vp, &o, expect).0
    };
    let r = check(&vp, NOW, &expect);
    assert!(r.verified, "{}", r.to_text());
    let fails = |r: &badgesafe_verify::Report, id: &str, want: &str| {
        let c = r.get(id).unwrap_or_else(|| panic!("{id}: {}", r.to_text()));
        assert!(
            c.outcome == Check::Failed && c.detail.contains(want) && !r.verified,
            "{id} should fail with {want:?}: {}",
            r.to_text()
        );
    };
    fails(
        &check(&vp, "2026-12-12T00:00:00Z", &expect),
        "presentation.proof.1",
        "expired",
    );
    fails(
        &check(
            &vp,
            NOW,
            &badgesafe_verify::presentation::Expect {
                domain: Some("andere.example"),
                ..expect
            },
        ),
        "presentation.proof.1",
        "domain is \"werkgever.example\", not \"andere.example\"",
    );
    fails(
        &check(
            &vp,
            NOW,
            &badgesafe_verify::presentation::Expect {
                challenge: Some("other"),
                ..expect
            },
        ),
        "presentation.proof.1",
        "challenge",
    );
    // The presentation changed: another holder.
    let mut t = vp.clone();
    t["holder"] = json!("did:example:mallory");
    fails(
        &check(&t, NOW, &expect),
        "presentation.proof.1",
        "not to the holder",
    );
    // A badge inside changed: its own proof and the holder's both fail.
    let mut t = vp.clone();
    t["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] =
        json!("Brain surgery");
    let r = check(&t, NOW, &expect);
    fails(&r, "credential.1", "proof");
    fails(&r, "presentation.proof.1", "");
    // What cannot be presented.
    for (ids, audience_domain, want) in [
        (vec![], "werkgever.example", "at least one badge"),
        (vec!["nope"], "werkgever.example", "no badge nope"),
        (vec![ids[0].as_str()], " ", "who the presentation is for"),
    ] {
        let a = badgesafe_wallet::present::Audience {
            domain: audience_domain,
            ..audience.clone()
        };
        let e = badgesafe_wallet::present::present(&c, &ids, &a)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
    let past = badgesafe_wallet::present::Audience {
        expires: "2026-12-01T00:00:00Z",
        ..audience.clone()
    };
    assert!(badgesafe_wallet::present::present(&c, &[ids[0].as_str()], &past).is_err());
    let jwt = add(&mut c, "samples/1edtech-validator/clr20/simple.jwt", None);
    let Outcome::Added { id, .. } = jwt else {
        panic!("{jwt:?}")
    };
    let e = badgesafe_wallet::present::present(&c, &[id.as_str()], &audience)
        .unwrap_err()
        .to_string();
    assert!(e.contains("JWT badge"), "{e}");
    // Expiry input.
    let now = now();
    assert_eq!(
        badgesafe_wallet::present::expiry("7d", now)
            .unwrap()
            .to_rfc3339(),
        "2026-12-11T12:00:00+00:00"
    );
    for bad in ["0d", "7y", "soon", "2020-01-01T00:00:00Z", "99999w"] {
        assert!(
            badgesafe_wallet::present::expiry(bad, now).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn merging_joins_by_credential_id_and_loses_nothing() {
    let mut phone = Contents::new(NOW).unwrap();
    let mut laptop = Contents::new(NOW).unwrap();
    add(
        &mut phone,
        "samples/1edtech-validator/ob30/simple-json.png",
        None,
    );
    add(
        &mut phone,
        "samples/1edtech-validator/ob30/complete.json",
        None,
    );
    add(
        &mut laptop,
        "samples/1edtech-validator/ob30/complete.json",
        None,
    );
    add(
        &mut laptop,
        "samples/1edtech-validator/ob30/simple-eddsa-2022.json",
        None,
    );
    // The laptop has another credential under the phone's simple-json id: kept as well.
    add(
        &mut laptop,
        "samples/1edtech-validator/ob30/simple-jwt.png",
        None,
    );
    let laptop_did = laptop.holder.did.clone();
    let (added, replaced) = phone.merge(laptop.clone());
    assert_eq!((added, replaced), (2, 0));
    assert_eq!(phone.badges.len(), 4);
    assert!(
        phone
            .badges
            .iter()
            .any(|b| b.id.starts_with("http://example.com/credentials/3527~"))
    );
    assert_eq!(phone.other_holders.len(), 1);
    assert_eq!(phone.other_holders[0].did, laptop_did);
    // Merging again changes nothing.
    assert_eq!(phone.merge(laptop), (0, 0));
    assert_eq!((phone.badges.len(), phone.other_holders.len()), (4, 1));
}

#[test]
fn a_badge_exports_to_a_baked_image_that_verifies() {
    let mut c = Contents::new(NOW).unwrap();
    for rel in [
        "samples/1edtech-validator/ob30/simple-json.png",
        "samples/1edtech-validator/ob30/simple-jwt.svg",
    ] {
        add(&mut c, rel, None);
    }
    for b in &c.badges {
        let (bytes, ext) = import::export_baked(b).unwrap();
        let r = badgesafe_verify::verify_bytes(&bytes, &opts(None));
        assert!(r.verified, "{ext}: {}", r.to_text());
        assert!(
            r.get("format.file")
                .unwrap()
                .detail
                .contains(&ext.to_uppercase())
        );
    }
    let mut c = Contents::new(NOW).unwrap();
    add(
        &mut c,
        "samples/1edtech-validator/ob30/simple-eddsa-2022.json",
        None,
    );
    let e = import::export_baked(&c.badges[0]).unwrap_err().to_string();
    assert!(e.contains("no image"), "{e}");
}
