//! Results in: a school's export (CSV) or another application's JSON, checked row by row into
//! [`Row`]s, with every bad row named by its line and reason.
//!
//! The CSV may be UTF-8 with or without a byte-order mark, comma- or semicolon-separated (Dutch
//! Excel writes `;`). Column names are matched without regard to case, spaces, `-` and `_`, in
//! English or Dutch: see [`COLUMNS`].
//!
//! Pure: the catalogue look-up and today's date are passed in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Rows accepted in one file or request.
pub const MAX_ROWS: usize = 100_000;
/// Longest name, result or achievement key, in characters.
pub const MAX_TEXT: usize = 200;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest evidence URL.
pub const MAX_URL: usize = 2048;

/// The columns: the field, whether it is required, and the header names accepted.
pub const COLUMNS: [(Field, bool, &[&str]); 6] = [
    (
        Field::Email,
        true,
        &[
            "email",
            "e-mail",
            "recipient email",
            "recipient",
            "mail",
            "e-mailadres",
            "emailadres",
        ],
    ),
    (
        Field::Name,
        true,
        &["name", "recipient name", "naam", "student", "leerling"],
    ),
    (
        Field::Achievement,
        true,
        &["achievement", "badge", "prestatie", "behaald", "code"],
    ),
    (
        Field::Date,
        true,
        &["date", "datum", "awarded", "behaald op"],
    ),
    (
        Field::Result,
        false,
        &["result", "resultaat", "score", "cijfer"],
    ),
    (
        Field::Evidence,
        false,
        &["evidence", "evidence url", "bewijs", "bewijs url", "url"],
    ),
];

/// A column of the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    Achievement,
    Date,
    Result,
    Evidence,
}

impl Field {
    /// The column's documented name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::Achievement => "achievement",
            Field::Date => "date",
            Field::Result => "result",
            Field::Evidence => "evidence",
        }
    }
}

/// A problem with the whole input: nothing in it can be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("the file is empty")]
    Empty,
    #[error("the header line is not UTF-8 text; save the file as \"CSV UTF-8\"")]
    HeaderNotUtf8,
    #[error("the header has no {0} column (accepted names: {1})")]
    MissingColumn(&'static str, String),
    #[error("the header names the {0} column twice")]
    RepeatedColumn(&'static str),
    #[error("the file has more than {MAX_ROWS} rows; split it")]
    TooManyRows,
    #[error("the CSV cannot be read at line {line}: {why}")]
    Csv { line: u64, why: String },
    #[error("{0}")]
    Json(String),
}

/// One valid result: a student earned an achievement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The line in the file (1 is the header), or the position in a JSON list (from 1).
    pub line: u64,
    /// Lower-cased e-mail address.
    pub email: String,
    pub name: String,
    /// The catalogue key of the achievement.
    pub achievement: String,
    pub date: NaiveDate,
    pub result: Option<String>,
    pub evidence: Option<String>,
}

impl Row {
    /// What makes a result the same result on a second import: the student, the achievement
    /// and the date, hashed (SHA-256, hex).
    pub fn key(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.email.as_str(),
            self.achievement.as_str(),
            &self.date.to_string(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// A row that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// The checked input: the rows that can be issued and the ones that cannot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

/// What the check needs to know from outside.
pub struct Context<'a> {
    /// Whether an achievement key is in the catalogue and not retired.
    pub known: &'a dyn Fn(&str) -> bool,
    /// Today: dates after it are refused.
    pub today: NaiveDate,
}

fn norm_header(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn column_of(header: &str) -> Option<Field> {
    let h = norm_header(header);
    COLUMNS
        .iter()
        .find(|(_, _, names)| names.iter().any(|n| norm_header(n) == h))
        .map(|(f, _, _)| *f)
}

/// `;` when the header line has more semicolons than commas outside quotes, else `,`.
fn delimiter(first_line: &[u8]) -> u8 {
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for &b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma { b';' } else { b',' }
}

/// Checks a CSV export.
pub fn check_csv(bytes: &[u8], cx: &Context<'_>) -> Result<Checked, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty);
    }
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(first))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(Error::Empty),
        Some(Err(e)) => {
            return Err(Error::Csv {
                line: 1,
                why: e.to_string(),
            });
        }
        Some(Ok(h)) => h,
    };
    let mut columns: Vec<Option<Field>> = Vec::new();
    for cell in header.iter() {
        let text = std::str::from_utf8(cell).map_err(|_| Error::HeaderNotUtf8)?;
        let field = column_of(text);
        if let Some(f) = field
            && columns.contains(&Some(f))
        {
            return Err(Error::RepeatedColumn(f.name()));
        }
        columns.push(field);
    }
    for (field, required, names) in COLUMNS {
        if required && !columns.contains(&Some(field)) {
            return Err(Error::MissingColumn(field.name(), names.join(", ")));
        }
    }
    let mut raw = Vec::new();
    // csv counts a CRLF line end into the next record, so lines are counted here from the
    // byte offsets.
    let mut lines = LineCounter::new(bytes);
    for record in records {
        let record = record.map_err(|e| Error::Csv {
            line: e.position().map_or(0, |p| lines.at(p.byte())),
            why: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if raw.len() == MAX_ROWS {
            return Err(Error::TooManyRows);
        }
        if record.len() > columns.len() {
            raw.push((
                line,
                Err(format!(
                    "has {} cells but the header has {} columns",
                    record.len(),
                    columns.len()
                )),
            ));
            continue;
        }
        let mut fields = Fields::default();
        let mut bad = None;
        for (cell, field) in record.iter().zip(&columns) {
            let Some(field) = field else { continue };
            match std::str::from_utf8(cell) {
                Ok(text) => fields.set(*field, text),
                Err(_) => {
                    bad = Some(format!(
                        "the {} cell is not UTF-8 text; save the file as \"CSV UTF-8\"",
                        field.name()
                    ));
                    break;
                }
            }
        }
        raw.push((line, bad.map_or(Ok(fields), Err)));
    }
    Ok(finish(raw, cx))
}

/// Whether byte `i` ends a line: LF, or a CR not followed by LF (csv ends records there too).
pub fn is_line_end(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(b'\n') => true,
        Some(b'\r') => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of byte `offset`; offsets must not decrease.
    fn at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // After a CRLF, csv's offset points at the LF.
        if self.bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        if end > self.offset {
            self.line += (self.offset..end)
                .filter(|&i| is_line_end(self.bytes, i))
                .count() as u64;
            self.offset = end;
        }
        self.line
    }
}

/// Checks results pushed as JSON: `{"results": [{"email", "name", "achievement", "date",
/// "result"?, "evidence"?}, …]}`. Rows are numbered from 1.
pub fn check_json(value: &Value, cx: &Context<'_>) -> Result<Checked, Error> {
    let list = value
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Json("the body must be an object with a \"results\" array".into()))?;
    if list.len() > MAX_ROWS {
        return Err(Error::TooManyRows);
    }
    let mut raw = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let line = i as u64 + 1;
        let Some(obj) = item.as_object() else {
            raw.push((line, Err("is not a JSON object".to_string())));
            continue;
        };
        let mut fields = Fields::default();
        let mut bad = None;
        for (k, v) in obj {
            let Some(field) = column_of(k) else {
                bad = Some(format!("has an unknown field {k:?}"));
                break;
            };
            match v {
                Value::String(s) => fields.set(field, s),
                Value::Null => {}
                _ => {
                    bad = Some(format!("{k} must be a string"));
                    break;
                }
            }
        }
        raw.push((line, bad.map_or(Ok(fields), Err)));
    }
    Ok(finish(raw, cx))
}

#[derive(Default)]
struct Fields {
    email: String,
    name: String,
    achievement: String,
    date: String,
    result: String,
    evidence: String,
}

impl Fields {
    fn set(&mut self, f: Field, text: &str) {
        let slot = match f {
            Field::Email => &mut self.email,
            Field::Name => &mut self.name,
            Field::Achievement => &mut self.achievement,
            Field::Date => &mut self.date,
            Field::Result => &mut self.result,
            Field::Evidence => &mut self.evidence,
        };
        text.trim().clone_into(slot);
    }
}

fn finish(raw: Vec<(u64, Result<Fields, String>)>, cx: &Context<'_>) -> Checked {
    let mut out = Checked::default();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for (line, fields) in raw {
        let row = fields.and_then(|f| row(line, f, cx));
        match row {
            Err(reason) => out.errors.push(RowError { line, reason }),
            Ok(row) => {
                if let Some(first) = seen.get(&row.key()) {
                    out.errors.push(RowError {
                        line,
                        reason: format!(
                            "repeats line {first} (same student, achievement and date)"
                        ),
                    });
                } else {
                    seen.insert(row.key(), line);
                    out.rows.push(row);
                }
            }
        }
    }
    out
}

fn text(what: &str, value: &str, required: bool) -> Result<Option<String>, String> {
    if value.is_empty() {
        return if required {
            Err(format!("{what} is empty"))
        } else {
            Ok(None)
        };
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("{what} is longer than {MAX_TEXT} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(Some(value.to_owned()))
}

fn row(line: u64, f: Fields, cx: &Context<'_>) -> Result<Row, String> {
    let email = check_email(&f.email)?;
    let name = text("name", &f.name, true)?.unwrap_or_default();
    let achievement = text("achievement", &f.achievement, true)?.unwrap_or_default();
    if !(cx.known)(&achievement) {
        return Err(format!(
            "achievement {achievement:?} is not in the catalogue (or is retired)"
        ));
    }
    let date = parse_date(&f.date)?;
    if date > cx.today {
        return Err(format!("date {date} is in the future"));
    }
    let result = text("result", &f.result, false)?;
    let evidence = if f.evidence.is_empty() {
        None
    } else {
        Some(check_url(&f.evidence)?)
    };
    Ok(Row {
        line,
        email,
        name,
        achievement,
        date,
        result,
        evidence,
    })
}

/// Checks an e-mail address's shape (`local@domain.tld`, no spaces, RFC 5321 lengths) and
/// lower-cases it.
pub fn check_email(value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err("email is empty".into());
    }
    let bad = |why: &str| Err(format!("email {value:?} {why}"));
    if value.len() > MAX_EMAIL {
        return bad("is too long");
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return bad("has no @");
    };
    if local.is_empty() || local.len() > 64 {
        return bad("has no valid part before the @");
    }
    if value.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
            )
    }) || local.contains('@')
    {
        return bad("contains characters an address cannot have");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return bad("has no valid domain after the @");
    }
    Ok(value.to_lowercase())
}

/// `YYYY-MM-DD`, `DD-MM-YYYY`, `DD/MM/YYYY` or `DD.MM.YYYY` (days first, as Dutch exports
/// write them), or an RFC 3339 date-time.
pub fn parse_date(value: &str) -> Result<NaiveDate, String> {
    if value.is_empty() {
        return Err("date is empty".into());
    }
    for fmt in ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(value, fmt) {
            return Ok(d);
        }
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(dt.date_naive());
    }
    Err(format!(
        "date {value:?} is not a date (write 2026-06-30 or 30-06-2026)"
    ))
}

fn check_url(value: &str) -> Result<String, String> {
    if value.len() > MAX_URL {
        return Err(format!("evidence URL is longer than {MAX_URL} characters"));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(r)
            if !r.is_empty()
                && !r.starts_with('/')
                && !value.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"')
                }) =>
        {
            Ok(value.to_owned())
        }
        _ => Err(format!("evidence {value:?} is not an http(s) URL")),
    }
}

#[cfg(test)]
mod tests;
