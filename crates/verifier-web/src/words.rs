//! The report in plain words: each badge as a card (image, name, description, criteria,
//! issuer, date) with its checks as sentences in Dutch or English, the technical detail below.

use badgesafe_pages::Lang;
use badgesafe_verify::{Outcome, Report, Verification};
use maud::{Markup, html};
use serde_json::Value;

pub(crate) const EXTRA_CSS: &str = ".verdict{font-size:1.4rem;font-weight:700;padding:.6rem 1rem;border-radius:6px}\
.verdict.ok{background:#e6f4ea}.verdict.error{background:#fce8e6}.card{border:2px solid #888;border-radius:8px;padding:1rem;margin:1rem 0}\
.card img{width:10rem;height:10rem;object-fit:contain;float:right;margin-left:1rem}.checks{list-style:none;padding:0;clear:both}\
.checks li{margin:.4rem 0}.detail{color:#444;font-size:.9rem;display:block}";

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("narrative")
            .or_else(|| m.get("@value"))
            .or_else(|| m.get("en"))
            .and_then(|v| text(Some(v))),
        Value::Array(a) => text(a.first()),
        _ => None,
    }
}

fn achievement(doc: &Value) -> Value {
    let subject = match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    subject
        .get("achievement")
        .cloned()
        .or_else(|| doc.get("badge").filter(|b| b.is_object()).cloned())
        .unwrap_or(Value::Null)
}

fn image(a: &Value) -> Option<String> {
    let v = a.get("image")?;
    let url = v.as_str().or_else(|| v.get("id").and_then(Value::as_str))?;
    // Only images inside the badge: the page loads nothing from elsewhere.
    url.starts_with("data:image/").then(|| url.to_owned())
}

/// A sentence for a check, by its family and outcome.
fn sentence(l: Lang, id: &str, outcome: Outcome) -> String {
    let ok = outcome == Outcome::Passed;
    let skipped = outcome == Outcome::Skipped;
    let (nl, en) = if id.starts_with("proof") || id == "ob2.signature" || id == "ob2.hosted" {
        match (ok, skipped) {
            (true, _) => (
                "Ondertekend door de uitgever en niet veranderd sinds de uitgifte",
                "Signed by the issuer and not changed since it was issued",
            ),
            (_, true) => ("Handtekening niet gecontroleerd", "Signature not checked"),
            _ => (
                "Handtekening klopt niet: de badge is veranderd of niet van deze uitgever",
                "The signature does not hold: the badge was changed or is not from this issuer",
            ),
        }
    } else if id == "identity.issuer_key" {
        match (ok, skipped) {
            (true, _) => (
                "De sleutel hoort bij de uitgever",
                "The key belongs to the issuer",
            ),
            (_, true) => (
                "Sleutel van de uitgever niet gecontroleerd",
                "The issuer's key was not checked",
            ),
            _ => (
                "De sleutel hoort niet (aantoonbaar) bij de uitgever",
                "The key does not (provably) belong to the issuer",
            ),
        }
    } else if id.starts_with("anchor") {
        match (ok, skipped) {
            (true, _) => (
                "Vastgelegd (verankerd) op het aangegeven moment",
                "Anchored at the time shown",
            ),
            (_, true) => ("Verankering niet gecontroleerd", "Anchor not checked"),
            _ => ("Verankering klopt niet", "The anchor does not hold"),
        }
    } else if id == "status.revocation" {
        match (ok, skipped) {
            (true, _) => ("Niet ingetrokken", "Not revoked"),
            (_, true) => ("Intrekking niet gecontroleerd", "Revocation not checked"),
            _ => (
                "Ingetrokken of geschorst door de uitgever",
                "Revoked or suspended by the issuer",
            ),
        }
    } else if id == "status.validity" {
        match (ok, skipped) {
            (true, _) => ("Geldig: niet verlopen", "Valid: not expired"),
            (_, true) => ("Geldigheid niet gecontroleerd", "Validity not checked"),
            _ => ("Verlopen, of nog niet geldig", "Expired, or not yet valid"),
        }
    } else if id == "issuer.trusted" {
        match (ok, skipped) {
            (true, _) => (
                "De uitgever staat op je lijst van vertrouwde organisaties",
                "The issuer is on your list of trusted organisations",
            ),
            _ => (
                "Uitgegeven door een organisatie die je niet als vertrouwd hebt gemarkeerd",
                "Issued by an organisation you have not marked as trusted",
            ),
        }
    } else if id.starts_with("presentation.proof") {
        match (ok, skipped) {
            (true, _) => (
                "Getoond door de eigenaar zelf, voor jou, tot de datum hieronder",
                "Shown by its owner, for you, until the date below",
            ),
            (_, true) => (
                "Niet ondertekend door de eigenaar",
                "Not signed by its owner",
            ),
            _ => (
                "De presentatie klopt niet (verlopen, voor iemand anders, of veranderd)",
                "The presentation does not hold (expired, for someone else, or changed)",
            ),
        }
    } else if id.starts_with("credential.") {
        match ok {
            true => ("Deze badge is in orde", "This badge holds"),
            false => ("Deze badge is niet in orde", "This badge does not hold"),
        }
    } else if id.starts_with("format") || id.starts_with("presentation") {
        match (ok, skipped) {
            (true, _) => ("Het bestand is in orde", "The file is well-formed"),
            (_, true) => (
                "Bestand niet volledig gecontroleerd",
                "The file was not fully checked",
            ),
            _ => ("Het bestand is niet in orde", "The file is not well-formed"),
        }
    } else if id == "recipient" {
        match (ok, skipped) {
            (true, _) => (
                "Uitgegeven aan de opgegeven persoon",
                "Issued to the person given",
            ),
            (_, true) => ("Ontvanger niet vergeleken", "Recipient not compared"),
            _ => (
                "Niet uitgegeven aan de opgegeven persoon",
                "Not issued to the person given",
            ),
        }
    } else {
        return id.to_owned();
    };
    l.t(nl, en).to_owned()
}

fn checks(l: Lang, report: &Report) -> Markup {
    html! {
        ul.checks {
            @for c in &report.checks {
                li {
                    @match c.outcome {
                        Outcome::Passed => { span.ok { "✔ " } }
                        Outcome::Failed => { span.error { "✘ " } }
                        Outcome::Skipped => { span { "– " } }
                    }
                    (sentence(l, &c.check, c.outcome))
                    span.detail { code { (c.check) } ": " (c.detail) }
                }
            }
        }
    }
}

fn verdict(l: Lang, report: &Report) -> Markup {
    let first_failed = report.checks.iter().find(|c| c.outcome == Outcome::Failed);
    html! {
        @if report.verified {
            p.verdict.ok role="status" { "✔ " (l.t("Echt en in orde", "Genuine and valid")) }
        } @else {
            p.verdict.error role="status" {
                "✘ " (l.t("Niet in orde", "Not valid"))
                @if let Some(c) = first_failed { ": " (sentence(l, &c.check, c.outcome)) }
            }
        }
    }
}

fn card(l: Lang, doc: Option<&Value>, report: &Report) -> Markup {
    let a = doc.map(achievement).unwrap_or(Value::Null);
    let name = text(a.get("name")).or_else(|| doc.and_then(|d| text(d.get("name"))));
    let issuer = doc.and_then(|d| match d.get("issuer").or_else(|| a.get("issuer")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(o) => text(o.get("name")).or_else(|| text(o.get("id"))),
        None => None,
    });
    let date = doc.and_then(|d| {
        text(
            d.get("validFrom")
                .or_else(|| d.get("issuanceDate"))
                .or_else(|| d.get("issuedOn")),
        )
    });
    html! {
        section.card {
            @if let Some(src) = image(&a) { img src=(src) alt=(name.clone().unwrap_or_default()); }
            h2 { (name.clone().unwrap_or_else(|| l.t("(badge zonder naam)", "(badge without a name)").to_owned())) }
            @if let Some(d) = text(a.get("description")) { p { (d) } }
            @if let Some(c) = text(a.get("criteria")) { p { strong { (l.t("Eisen: ", "Criteria: ")) } (c) } }
            @if let Some(i) = issuer { p { strong { (l.t("Uitgegeven door: ", "Issued by: ")) } (i) } }
            @if let Some(d) = date { p { strong { (l.t("Datum: ", "Date: ")) } (d.get(..10).unwrap_or(&d)) } }
            (verdict(l, report))
            (checks(l, report))
        }
    }
}

/// The whole result.
pub(crate) fn result(l: Lang, v: &Verification) -> Markup {
    html! {
        @if v.presentation {
            (verdict(l, &v.report))
            (checks(l, &v.report))
            @for (i, r) in v.credentials.iter().enumerate() {
                (card(l, v.documents.get(i), r))
            }
        } @else {
            (card(l, v.documents.first(), &v.report))
        }
    }
}
