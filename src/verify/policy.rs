//! Identity policy: who may have signed. A policy is a list of rules, and a signer is trusted
//! when one rule holds entirely. A rule constrains the certificate identity and OIDC issuer
//! (exactly, or by a regular expression that must match the whole value), Fulcio claims
//! (source repository, ref, digest, trigger, workflow, any extension by OID), and the trusted
//! signing time (a validity window). Rules come from the command line (cosign's flags), from
//! `sigseal.verify.*` git config, and from a policy file (`sigseal.verify.policyFile`), whose
//! format is documented in docs/verification.md.

use std::borrow::Cow;
use std::path::Path;

use regex::Regex;

use super::claims::{self, Claims};
use crate::config::VerifyPolicy;
use crate::error::{Error, Result};

/// Trust level from the identity policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// A policy is configured and the signer satisfies it.
    Fully,
    /// No policy configured.
    Undefined,
    /// A policy is configured and the signer does not satisfy it.
    Never,
}

/// How one value is matched.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// Equal to this string.
    Exact(String),
    /// The whole value matches this expression (anchored when compiled).
    Regex(Regex),
    /// The whole value matches this expression, which messages name by `text` (what it
    /// requires in words, e.g. `"https://github.com/acme" (any case)`).
    Described {
        /// The anchored expression.
        regex: Regex,
        /// What it requires, for messages.
        text: String,
    },
}

impl Matcher {
    /// An exact matcher.
    pub fn exact(value: &str) -> Self {
        Matcher::Exact(value.to_string())
    }

    /// A regular expression that must match the whole value, never a substring.
    pub fn regex(pattern: &str, what: &str) -> Result<Self> {
        Regex::new(&format!("^(?:{pattern})$"))
            .map(Matcher::Regex)
            .map_err(|e| Error::Config(format!("{what} regular expression {pattern:?}: {e}")))
    }

    /// A regular expression that must match the whole value, named in messages by `text`.
    pub fn described(pattern: &str, what: &str, text: impl Into<String>) -> Result<Self> {
        match Self::regex(pattern, what)? {
            Matcher::Regex(regex) => Ok(Matcher::Described { regex, text: text.into() }),
            other => Ok(other),
        }
    }

    /// A policy-file value: `regexp:PATTERN` or a literal.
    pub fn parse(token: &str, what: &str) -> Result<Self> {
        match token.strip_prefix("regexp:") {
            Some(pattern) => Self::regex(pattern, what),
            None => Ok(Self::exact(token)),
        }
    }

    /// Does the value match?
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(want) => want == value,
            Matcher::Regex(re) | Matcher::Described { regex: re, .. } => re.is_match(value),
        }
    }

    fn describe(&self) -> String {
        match self {
            Matcher::Exact(want) => format!("{want:?}"),
            Matcher::Regex(re) => format!("the expression {}", re.as_str()),
            Matcher::Described { text, .. } => text.clone(),
        }
    }
}

/// One constrained claim: where its value is read from (the first extension present wins) and
/// what it must match.
#[derive(Clone, Debug)]
struct ClaimRule {
    label: String,
    /// (dotted OID, strip scheme and host from a URL value)
    sources: Vec<(String, bool)>,
    matcher: Matcher,
}

impl ClaimRule {
    fn value<'a>(&self, claims: &'a Claims) -> Option<Cow<'a, str>> {
        for (oid, strip_host) in &self.sources {
            if let Some(v) = claims.get(oid) {
                if *strip_host {
                    // https://github.com/owner/repo -> owner/repo
                    let path = v.splitn(4, '/').nth(3).unwrap_or(v);
                    return Some(Cow::Owned(path.to_string()));
                }
                return Some(Cow::Borrowed(v));
            }
        }
        None
    }
}

fn fulcio(n: u32) -> String {
    format!("{}.{n}", claims::FULCIO_ARC)
}

/// The GitHub workflow shorthands (cosign's `--certificate-github-workflow-*`), read from the
/// current Fulcio extension with the deprecated one as fallback.
pub const GITHUB_CLAIMS: [&str; 5] = ["repository", "ref", "sha", "trigger", "name"];

fn github_sources(which: &str) -> Option<Vec<(String, bool)>> {
    Some(match which {
        "repository" => vec![(fulcio(12), true), (fulcio(5), false)],
        "ref" => vec![(fulcio(14), false), (fulcio(6), false)],
        "sha" => vec![(fulcio(13), false), (fulcio(3), false)],
        "trigger" => vec![(fulcio(20), false), (fulcio(2), false)],
        "name" => vec![(fulcio(4), false)],
        _ => return None,
    })
}

/// What is known about a signer when the policy is applied.
#[derive(Clone, Copy, Debug)]
pub struct Signer<'a> {
    /// Certificate identity (SAN).
    pub identity: Option<&'a str>,
    /// OIDC issuer from the certificate.
    pub issuer: Option<&'a str>,
    /// The certificate's Fulcio claims.
    pub claims: &'a Claims,
    /// Trusted signing time (log integration or timestamp), unix seconds.
    pub time: Option<i64>,
}

/// One allowed signer: every constraint must hold.
#[derive(Clone, Debug)]
pub struct Rule {
    origin: String,
    identity: Option<Matcher>,
    issuer: Option<Matcher>,
    claims: Vec<ClaimRule>,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
}

impl Rule {
    /// An empty rule; `origin` says where it came from (e.g. `policy.txt:3`).
    pub fn new(origin: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            identity: None,
            issuer: None,
            claims: Vec::new(),
            valid_after: None,
            valid_before: None,
        }
    }

    /// A rule from the four classic constraints: identity and issuer, each exact or a regular
    /// expression (`what` names where the expressions came from, for errors). A regular
    /// expression given with an exact value replaces it.
    pub fn identity_and_issuer(
        origin: impl Into<String>,
        identity: Option<&str>,
        identity_regexp: Option<(&str, &str)>,
        issuer: Option<&str>,
        issuer_regexp: Option<(&str, &str)>,
    ) -> Result<Self> {
        let mut rule = Rule::new(origin);
        for (value, what) in [
            (identity, "the identity"),
            (identity_regexp.map(|(r, _)| r), "the identity regular expression"),
            (issuer, "the issuer"),
            (issuer_regexp.map(|(r, _)| r), "the issuer regular expression"),
        ] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::Config(format!("{what} is empty; give a value")));
            }
        }
        if let Some(v) = identity {
            rule = rule.identity(Matcher::exact(v));
        }
        if let Some((v, what)) = identity_regexp {
            rule = rule.identity(Matcher::regex(v, what)?);
        }
        if let Some(v) = issuer {
            rule = rule.issuer(Matcher::exact(v));
        }
        if let Some((v, what)) = issuer_regexp {
            rule = rule.issuer(Matcher::regex(v, what)?);
        }
        Ok(rule)
    }

    /// Constrain the identity (a second call replaces the first).
    pub fn identity(mut self, m: Matcher) -> Self {
        self.identity = Some(m);
        self
    }

    /// Constrain the issuer.
    pub fn issuer(mut self, m: Matcher) -> Self {
        self.issuer = Some(m);
        self
    }

    /// Constrain a claim given by name (`source-repository-ref`), `github-workflow-X`
    /// shorthand, or dotted OID.
    pub fn claim(mut self, key: &str, m: Matcher) -> Result<Self> {
        let sources = match key.strip_prefix("github-workflow-").and_then(github_sources) {
            Some(s) => s,
            None => vec![(
                claims::resolve_key(key).ok_or_else(|| {
                    Error::Config(format!(
                        "unknown certificate claim {key:?}: use a dotted OID or one of {}",
                        claims::NAMES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
                    ))
                })?,
                false,
            )],
        };
        self.claims.push(ClaimRule { label: key.to_string(), sources, matcher: m });
        Ok(self)
    }

    /// Only signatures made at or after this time (unix seconds).
    pub fn valid_after(mut self, t: i64) -> Self {
        self.valid_after = Some(t);
        self
    }

    /// Only signatures made at or before this time (unix seconds).
    pub fn valid_before(mut self, t: i64) -> Self {
        self.valid_before = Some(t);
        self
    }

    /// True when the identity and issuer constraints admit any signer from any issuer (both
    /// absent, or regular expressions like `.*` that match every probe) and nothing else
    /// narrows the rule: "anyone" must be said with `--insecure-any-identity`, never spelled
    /// as a pattern.
    pub fn admits_anyone(&self) -> bool {
        const PROBES: [&str; 5] = [
            "mallory@evil.example",
            "https://evil.example/mallory/.github/workflows/x.yml@refs/heads/main",
            "https://evil.example",
            "x",
            "\u{1b}[0m",
        ];
        let any = |m: &Option<Matcher>| match m {
            None => true,
            Some(Matcher::Exact(_)) => false,
            Some(Matcher::Regex(re) | Matcher::Described { regex: re, .. }) => PROBES.iter().all(|p| re.is_match(p)),
        };
        any(&self.identity)
            && any(&self.issuer)
            && self.claims.is_empty()
            && self.valid_after.is_none()
            && self.valid_before.is_none()
    }

    /// True when the rule constrains nothing.
    pub fn is_empty(&self) -> bool {
        self.identity.is_none()
            && self.issuer.is_none()
            && self.claims.is_empty()
            && self.valid_after.is_none()
            && self.valid_before.is_none()
    }

    /// Why the signer does not satisfy this rule (empty when it does).
    fn mismatches(&self, s: &Signer) -> Vec<String> {
        let mut why = Vec::new();
        let id = s.identity.unwrap_or("");
        if let Some(m) = &self.identity {
            if !m.matches(id) {
                why.push(format!("identity {id:?} is not {}", m.describe()));
            }
        }
        let iss = s.issuer.unwrap_or("");
        if let Some(m) = &self.issuer {
            if !m.matches(iss) {
                why.push(format!("issuer {iss:?} is not {}", m.describe()));
            }
        }
        for c in &self.claims {
            match c.value(s.claims) {
                Some(v) if c.matcher.matches(&v) => {}
                Some(v) => why.push(format!("claim {} {v:?} is not {}", c.label, c.matcher.describe())),
                None => why.push(format!("the certificate has no {} claim", c.label)),
            }
        }
        if self.valid_after.is_some() || self.valid_before.is_some() {
            match s.time {
                None => why.push("no trusted signing time to check the rule's validity window against".into()),
                Some(t) => {
                    if let Some(after) = self.valid_after.filter(|a| t < *a) {
                        why.push(format!(
                            "signed at {} before the rule's valid-after {}",
                            crate::iso_time(t),
                            crate::iso_time(after)
                        ));
                    }
                    if let Some(before) = self.valid_before.filter(|b| t > *b) {
                        why.push(format!(
                            "signed at {} after the rule's valid-before {}",
                            crate::iso_time(t),
                            crate::iso_time(before)
                        ));
                    }
                }
            }
        }
        why
    }
}

/// A set of allowed signers.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    rules: Vec<Rule>,
}

impl Policy {
    /// The policy configured for git's verify mode: `sigseal.verify.identity` / `identityRegexp`
    /// / `issuer` / `issuerRegexp` as one rule, plus every rule of `sigseal.verify.policyFile`.
    ///
    /// The keys form a rule only together: an identity without the issuer that vouched for it
    /// (or an issuer without an identity) would trust whoever that issuer or any issuer names,
    /// so a partial rule, an empty value, or a rule that admits anyone is a configuration
    /// error, never a weaker policy.
    pub fn new(p: &VerifyPolicy) -> Result<Self> {
        for (key, value) in [
            ("sigseal.verify.identity", &p.identity),
            ("sigseal.verify.identityRegexp", &p.identity_regexp),
            ("sigseal.verify.issuer", &p.issuer),
            ("sigseal.verify.issuerRegexp", &p.issuer_regexp),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::Config(format!(
                    "{key} is set but empty; give it a value or unset it (`git config --unset {key}`)"
                )));
            }
        }
        if p.policy_file.as_ref().is_some_and(|f| f.as_os_str().is_empty()) {
            return Err(Error::Config(
                "sigseal.verify.policyFile is set but empty; name a policy file or unset it".into(),
            ));
        }
        let mut rules = Vec::new();
        let rule = Rule::identity_and_issuer(
            "git config sigseal.verify.*",
            p.identity.as_deref(),
            p.identity_regexp.as_deref().map(|r| (r, "sigseal.verify.identityRegexp")),
            p.issuer.as_deref(),
            p.issuer_regexp.as_deref().map(|r| (r, "sigseal.verify.issuerRegexp")),
        )?;
        if !rule.is_empty() {
            if rule.identity.is_none() || rule.issuer.is_none() {
                let (set, missing) = if rule.identity.is_none() {
                    ("an issuer", "sigseal.verify.identity or sigseal.verify.identityRegexp")
                } else {
                    ("an identity", "sigseal.verify.issuer or sigseal.verify.issuerRegexp")
                };
                return Err(Error::Config(format!(
                    "sigseal.verify.* names {set} but not {missing}; a policy names both who signed and \
                     the issuer that vouched for them: set the missing key, or use sigseal.verify.policyFile"
                )));
            }
            if rule.admits_anyone() {
                return Err(Error::Config(
                    "sigseal.verify.identityRegexp and issuerRegexp together match any signer from any issuer, \
                     which is no policy; name an identity or an issuer"
                        .into(),
                ));
            }
            rules.push(rule);
        }
        if let Some(path) = &p.policy_file {
            rules.extend(read_file(path)?);
        }
        Ok(Self { rules })
    }

    /// A policy of these rules (empty rules are dropped).
    pub fn from_rules(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self { rules: rules.into_iter().filter(|r| !r.is_empty()).collect() }
    }

    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Judge a signer: trusted when one rule holds entirely.
    pub fn judge(&self, s: &Signer) -> (Trust, String) {
        if self.is_empty() {
            return (Trust::Undefined, "no identity policy configured".into());
        }
        let mut reasons = Vec::new();
        for rule in &self.rules {
            let why = rule.mismatches(s);
            if why.is_empty() {
                return (Trust::Fully, format!("signer satisfies {}", rule.origin));
            }
            reasons.push((rule.origin.as_str(), why.join(", ")));
        }
        let text = match reasons.as_slice() {
            [(_, why)] => why.clone(),
            many => format!(
                "no rule of the policy holds: {}",
                many.iter().take(8).map(|(o, w)| format!("{o}: {w}")).collect::<Vec<_>>().join("; ")
            ),
        };
        (Trust::Never, text)
    }
}

/// What a verifier was told about who may sign, as plain values (the command line's
/// `--certificate-*` flags and `--policy`, or a library caller's own).
#[derive(Clone, Debug, Default)]
pub struct PolicyOptions {
    /// Exact identity (SAN) of the signer.
    pub identity: Option<String>,
    /// Regular expression the whole identity must match.
    pub identity_regexp: Option<String>,
    /// Exact OIDC issuer.
    pub issuer: Option<String>,
    /// Regular expression the whole issuer must match.
    pub issuer_regexp: Option<String>,
    /// GitHub workflow repository claim (exact).
    pub github_workflow_repository: Option<String>,
    /// GitHub workflow ref claim (exact).
    pub github_workflow_ref: Option<String>,
    /// GitHub workflow commit claim (exact).
    pub github_workflow_sha: Option<String>,
    /// GitHub workflow trigger claim (exact).
    pub github_workflow_trigger: Option<String>,
    /// GitHub workflow name claim (exact).
    pub github_workflow_name: Option<String>,
    /// Certificate extensions that must hold a value, as `OID=VALUE`.
    pub extensions: Vec<String>,
    /// A policy file of allowed signers, added to the rule above.
    pub policy_file: Option<std::path::PathBuf>,
    /// Check everything but the signer (no policy at all).
    pub insecure_any_identity: bool,
}

impl Policy {
    /// The policy `options` ask for; with no option at all, the configured one (`configured`,
    /// git config `sigseal.verify.*`). Refuses half a rule (an identity without an issuer or the
    /// reverse), patterns that match anyone, and no policy at all ([`Error::NoPolicy`]) unless
    /// `insecure_any_identity` says so.
    pub fn from_options(o: &PolicyOptions, configured: &VerifyPolicy) -> Result<Self> {
        let mut rule = Rule::identity_and_issuer(
            "the command line",
            o.identity.as_deref(),
            o.identity_regexp.as_deref().map(|r| (r, "--certificate-identity-regexp")),
            o.issuer.as_deref(),
            o.issuer_regexp.as_deref().map(|r| (r, "--certificate-oidc-issuer-regexp")),
        )?;
        for (which, value) in [
            ("repository", &o.github_workflow_repository),
            ("ref", &o.github_workflow_ref),
            ("sha", &o.github_workflow_sha),
            ("trigger", &o.github_workflow_trigger),
            ("name", &o.github_workflow_name),
        ] {
            if let Some(v) = value {
                rule = rule.claim(&format!("github-workflow-{which}"), Matcher::exact(v))?;
            }
        }
        for ext in &o.extensions {
            let (key, value) = ext
                .split_once('=')
                .ok_or_else(|| Error::Usage(format!("--certificate-extension {ext:?}: expected OID=VALUE")))?;
            rule = rule.claim(key, Matcher::exact(value)).map_err(|e| match e {
                Error::Config(m) => Error::Usage(format!("--certificate-extension {ext:?}: {m}")),
                other => other,
            })?;
        }
        let flag_given = !rule.is_empty();
        let id_given = o.identity.is_some() || o.identity_regexp.is_some();
        let issuer_given = o.issuer.is_some() || o.issuer_regexp.is_some();
        if flag_given && !(id_given && issuer_given) {
            // As cosign: an identity means nothing without the issuer that vouched for it.
            return Err(Error::Usage(
                "give both an identity (--certificate-identity or --certificate-identity-regexp) and an issuer \
             (--certificate-oidc-issuer or --certificate-oidc-issuer-regexp); claims only narrow them"
                    .into(),
            ));
        }
        if flag_given && rule.admits_anyone() {
            // As the policy file refuses `* *`: a pattern that matches everyone is no policy.
            return Err(Error::Usage(
            "--certificate-identity-regexp and --certificate-oidc-issuer-regexp together match any signer from any \
             issuer; name who may sign, or say --insecure-any-identity to check everything but the signer"
                .into(),
        ));
        }
        let policy = if flag_given || o.policy_file.is_some() {
            let mut rules = vec![rule];
            if let Some(path) = &o.policy_file {
                rules.extend(read_file(path)?);
            }
            Self::from_rules(rules)
        } else {
            Policy::new(configured)?
        };
        if policy.is_empty() && !o.insecure_any_identity {
            return Err(Error::NoPolicy);
        }
        Ok(policy)
    }
}

/// Read a policy file.
pub fn read_file(path: &Path) -> Result<Vec<Rule>> {
    let text = crate::input::read_capped_string(path, crate::input::POLICY).map_err(|e| match e {
        Error::Io { source, .. } => Error::Config(format!("policy file {}: {source}", path.display())),
        other => other,
    })?;
    let rules = parse_file(&text, &path.display().to_string())?;
    if rules.is_empty() {
        return Err(Error::Config(format!(
            "policy file {} allows no signer (it has no rules); an empty policy would trust anyone",
            path.display()
        )));
    }
    Ok(rules)
}

/// Parse policy-file text: one rule per line, `IDENTITY ISSUER [KEY=VALUE ...]`, `#` comments.
/// IDENTITY and ISSUER are literals, `regexp:PATTERN`, or `*` (any); values may be
/// double-quoted. Keys: `valid-after`, `valid-before` (RFC 3339 or YYYY-MM-DD, UTC), a claim
/// name (`source-repository-ref`, `github-workflow-repository`, …) or a dotted OID.
pub fn parse_file(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{origin}:{}", n + 1);
        let err = |why: String| Error::Config(format!("policy file {at}: {why}"));
        let tokens = tokenize(line).map_err(err)?;
        if tokens.is_empty() {
            continue;
        }
        let [identity, issuer, options @ ..] = tokens.as_slice() else {
            return Err(err("a rule needs an identity and an issuer (`*` for any)".into()));
        };
        if identity == "*" && issuer == "*" && options.is_empty() {
            return Err(err("`* *` with no other constraint trusts anyone; name an identity or an issuer".into()));
        }
        let mut rule = Rule::new(at.clone());
        if identity != "*" {
            rule = rule.identity(Matcher::parse(identity, "identity").map_err(|e| err(e.to_string()))?);
        }
        if issuer != "*" {
            rule = rule.issuer(Matcher::parse(issuer, "issuer").map_err(|e| err(e.to_string()))?);
        }
        for opt in options {
            let (key, value) = opt.split_once('=').ok_or_else(|| err(format!("{opt:?} is not KEY=VALUE")))?;
            rule = match key {
                "valid-after" => rule.valid_after(parse_time(value).map_err(err)?),
                "valid-before" => rule.valid_before(parse_time(value).map_err(err)?),
                _ => rule
                    .claim(key, Matcher::parse(value, key).map_err(|e| err(e.to_string()))?)
                    .map_err(|e| err(e.to_string()))?,
            };
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn parse_time(value: &str) -> std::result::Result<i64, String> {
    if let Ok(t) = value.parse::<jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    value
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_second())
        .ok_or_else(|| format!("{value:?} is not a time (use 2026-01-31 or 2026-01-31T12:00:00Z)"))
}

/// Split a line into whitespace-separated tokens; `"..."` groups (inside, `\"` and `\\` are
/// escapes and any other backslash is kept), `#` outside quotes starts a comment.
fn tokenize(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = line.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                has = true;
            }
            '\\' if quoted => match chars.next() {
                Some(n @ ('"' | '\\')) => cur.push(n),
                // Any other backslash is literal (regular expressions keep theirs).
                Some(n) => {
                    cur.push('\\');
                    cur.push(n);
                }
                None => return Err("a line ends inside an escape".into()),
            },
            '#' if !quoted => break,
            c if c.is_whitespace() && !quoted => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if quoted {
        return Err("unterminated double quote".into());
    }
    if has {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer<'a>(id: &'a str, iss: &'a str, claims: &'a Claims, time: Option<i64>) -> Signer<'a> {
        Signer { identity: Some(id), issuer: Some(iss), claims, time }
    }

    #[test]
    fn regexps_match_the_whole_value_only() {
        let none = Claims::default();
        let p =
            Policy::from_rules([Rule::new("t").identity(Matcher::regex("alice@example\\.com", "identity").unwrap())]);
        assert_eq!(p.judge(&signer("alice@example.com", "i", &none, None)).0, Trust::Fully);
        assert_eq!(p.judge(&signer("alice@example.com.evil", "i", &none, None)).0, Trust::Never);
        assert_eq!(p.judge(&signer("mallory-alice@example.com", "i", &none, None)).0, Trust::Never);
        let p = Policy::from_rules([Rule::new("t").issuer(Matcher::regex("https://a|https://b", "issuer").unwrap())]);
        assert_eq!(p.judge(&signer("x", "https://b", &none, None)).0, Trust::Fully);
        assert_eq!(p.judge(&signer("x", "https://bb", &none, None)).0, Trust::Never);
    }

    #[test]
    fn empty_policy_is_undefined_and_mismatch_names_the_constraint() {
        let none = Claims::default();
        assert_eq!(Policy::default().judge(&signer("x", "y", &none, None)).0, Trust::Undefined);
        let p = Policy::new(&VerifyPolicy {
            identity: Some("bob@example.com".into()),
            issuer: Some("https://i".into()),
            ..Default::default()
        })
        .unwrap();
        let (t, why) = p.judge(&signer("alice@example.com", "https://i", &none, None));
        assert_eq!(t, Trust::Never);
        assert!(why.contains("bob@example.com"), "{why}");
    }

    #[test]
    fn partial_empty_or_anyone_git_config_policies_are_errors() {
        let iss = Some("https://i".to_string());
        let id = Some("alice@example.com".to_string());
        let any = Some(".*".to_string());
        for p in [
            VerifyPolicy { issuer: iss.clone(), ..Default::default() },
            VerifyPolicy { identity: id.clone(), ..Default::default() },
            VerifyPolicy { identity_regexp: any.clone(), ..Default::default() },
            VerifyPolicy { identity: Some(String::new()), ..Default::default() },
            VerifyPolicy { identity: Some(String::new()), issuer: iss.clone(), ..Default::default() },
            VerifyPolicy { identity: id.clone(), issuer_regexp: Some(" ".into()), ..Default::default() },
            VerifyPolicy { identity_regexp: any.clone(), issuer_regexp: Some(".+".into()), ..Default::default() },
            VerifyPolicy { identity_regexp: Some("(?s).*".into()), issuer_regexp: any.clone(), ..Default::default() },
            VerifyPolicy { policy_file: Some(std::path::PathBuf::new()), ..Default::default() },
        ] {
            match Policy::new(&p) {
                Err(Error::Config(_)) => {}
                other => panic!("{p:?} gave {other:?}"),
            }
        }
        // Whole rules still work, including "anyone from this issuer" and "this identity from
        // any issuer matching a pattern".
        for p in [
            VerifyPolicy { identity: id.clone(), issuer: iss.clone(), ..Default::default() },
            VerifyPolicy { identity_regexp: any.clone(), issuer: iss.clone(), ..Default::default() },
            VerifyPolicy { identity: id.clone(), issuer_regexp: any.clone(), ..Default::default() },
        ] {
            assert!(!Policy::new(&p).unwrap().is_empty(), "{p:?}");
        }
    }

    #[test]
    fn invalid_regexp_is_a_config_error() {
        assert!(Policy::new(&VerifyPolicy { identity_regexp: Some("(".into()), ..Default::default() }).is_err());
    }

    #[test]
    fn policy_file_rules_are_alternatives_with_claims_and_windows() {
        let text = r#"
# who may sign releases
alice@example.com  https://accounts.example.com
regexp:https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*  https://token.actions.githubusercontent.com  source-repository-ref="regexp:refs/tags/v.*" valid-after=2026-01-01 valid-before=2026-12-31T23:59:59Z
"#;
        let rules = parse_file(text, "p").unwrap();
        assert_eq!(rules.len(), 2);
        let p = Policy::from_rules(rules);
        let none = Claims::default();
        assert_eq!(p.judge(&signer("alice@example.com", "https://accounts.example.com", &none, None)).0, Trust::Fully);
        let id = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0";
        let iss = "https://token.actions.githubusercontent.com";
        let (t, why) = p.judge(&signer(id, iss, &none, Some(1_780_000_000)));
        assert_eq!(t, Trust::Never);
        assert!(why.contains("no source-repository-ref claim"), "{why}");
        assert!(why.contains("p:3") && why.contains("p:4"), "{why}");
    }

    #[test]
    fn github_shorthands_read_current_claims_then_deprecated_ones() {
        let current = Claims::from_pairs([
            ("1.3.6.1.4.1.57264.1.12", "https://github.com/acme/app"),
            ("1.3.6.1.4.1.57264.1.14", "refs/tags/v1"),
        ]);
        let legacy =
            Claims::from_pairs([("1.3.6.1.4.1.57264.1.5", "acme/app"), ("1.3.6.1.4.1.57264.1.6", "refs/tags/v1")]);
        let rule = Rule::new("flags")
            .claim("github-workflow-repository", Matcher::exact("acme/app"))
            .unwrap()
            .claim("github-workflow-ref", Matcher::exact("refs/tags/v1"))
            .unwrap();
        let p = Policy::from_rules([rule]);
        assert_eq!(p.judge(&signer("x", "y", &current, None)).0, Trust::Fully);
        assert_eq!(p.judge(&signer("x", "y", &legacy, None)).0, Trust::Fully);
        let other = Claims::from_pairs([("1.3.6.1.4.1.57264.1.12", "https://github.com/acme/app-fork")]);
        let (t, why) = p.judge(&signer("x", "y", &other, None));
        assert_eq!(t, Trust::Never);
        assert!(why.contains("github-workflow-repository \"acme/app-fork\""), "{why}");
        let by_oid = Policy::from_rules([Rule::new("f")
            .claim("1.3.6.1.4.1.57264.1.14", Matcher::exact("refs/tags/v1"))
            .unwrap()]);
        assert_eq!(by_oid.judge(&signer("x", "y", &current, None)).0, Trust::Fully);
    }

    #[test]
    fn policy_file_errors_name_the_line() {
        let err = parse_file("alice@example.com\n", "pol").unwrap_err().to_string();
        assert!(err.contains("pol:1"), "{err}");
        assert!(parse_file("* *\n", "pol").is_err());
        assert!(parse_file("a b valid-after=yesterday\n", "pol").unwrap_err().to_string().contains("not a time"));
        assert!(parse_file("a b nonsense=1\n", "pol").unwrap_err().to_string().contains("unknown certificate claim"));
        assert_eq!(tokenize(r#"a "regexp:x\.y \"q\" \\" b"#).unwrap(), vec!["a", r#"regexp:x\.y "q" \"#, "b"]);
    }
}
