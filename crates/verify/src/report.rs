//! The verification report: named checks, each passed, failed or skipped with a reason.

use serde::Serialize;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The check ran and passed.
    Passed,
    /// The check ran and failed, or could not be run when it had to be (never a pass).
    Failed,
    /// The check did not apply, or was not run (offline, or blocked by another check).
    Skipped,
}

/// One named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable dotted id, such as `proof.1` or `status.revocation`.
    pub check: String,
    /// What happened.
    pub outcome: Outcome,
    /// Plain-words detail: what was checked, or why it failed or was skipped.
    pub detail: String,
    /// Whether passing this check ties the credential to its issuer (a signature by the
    /// issuer's key, an anchor the issuer made). A Merkle receipt alone does not.
    #[serde(skip)]
    pub(crate) authenticates: bool,
}

/// All checks of one input, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True when no check failed and at least one passed check ties the credential to its
    /// issuer: a proof by the issuer's key, or an anchor the issuer made.
    pub verified: bool,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    pub(crate) fn new() -> Self {
        Self {
            verified: false,
            checks: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        check: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
    ) {
        let check = check.into();
        let authenticates = outcome == Outcome::Passed
            && (check.starts_with("proof.") || check == "ob2.signature" || check == "ob2.hosted");
        self.checks.push(Check {
            check,
            outcome,
            detail: detail.into(),
            authenticates,
        });
    }

    /// A pass that does not by itself tie the credential to its issuer (a Merkle receipt).
    pub(crate) fn pass_integrity(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Outcome::Passed, detail);
        if let Some(last) = self.checks.last_mut() {
            last.authenticates = false;
        }
    }

    /// A pass that ties the credential to its issuer (an anchor the issuer made).
    pub(crate) fn pass_authentic(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Outcome::Passed, detail);
        if let Some(last) = self.checks.last_mut() {
            last.authenticates = true;
        }
    }

    pub(crate) fn pass(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Outcome::Passed, detail);
    }

    pub(crate) fn fail(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Outcome::Failed, detail);
    }

    pub(crate) fn skip(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Outcome::Skipped, detail);
    }

    pub(crate) fn finish(mut self) -> Self {
        let any_failed = self.checks.iter().any(|c| c.outcome == Outcome::Failed);
        let authentic = self
            .checks
            .iter()
            .any(|c| c.outcome == Outcome::Passed && c.authenticates);
        self.verified = !any_failed && authentic;
        self
    }

    /// The check with this id, if it ran.
    pub fn get(&self, check: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == check)
    }

    /// The report as readable lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = match c.outcome {
                Outcome::Passed => "PASS",
                Outcome::Failed => "FAIL",
                Outcome::Skipped => "SKIP",
            };
            out.push_str(&format!("  [{mark}] {:<22} {}\n", c.check, c.detail));
        }
        let failed = self.checks.iter().any(|c| c.outcome == Outcome::Failed);
        out.push_str(match (self.verified, failed) {
            (true, _) => "  => VERIFIED\n",
            (false, true) => "  => NOT VERIFIED\n",
            (false, false) => {
                "  => NOT VERIFIED: no check that ran ties the credential to its issuer\n"
            }
        });
        out
    }
}
