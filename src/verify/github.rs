//! GitHub artifact attestations, checked as `gh attestation verify` checks them: its flags
//! (`--owner`, `--repo`, `--signer-repo`, `--signer-workflow`, `--signer-digest`,
//! `--source-ref`, `--source-digest`, `--deny-self-hosted-runners`, `--hostname`,
//! `--cert-oidc-issuer`) become one identity-policy [`Rule`] on the certificate's identity,
//! issuer and Fulcio claims, with gh's defaults and comparisons: repository, owner, issuer, ref
//! and digests equal in any case, the signer identity matched as a URL prefix, the issuer of
//! GitHub Actions (or of the GHE.com tenant) unless another is named. The predicate type gh
//! requires unless told otherwise is [`PROVENANCE_V1`].

use super::policy::{Matcher, Policy, PolicyOptions, Rule};
use crate::error::{Error, Result};

/// The predicate type gh requires by default: SLSA provenance v1.
pub const PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The OIDC issuer of GitHub Actions on github.com.
pub const ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The host attestations come from unless `--hostname` names another.
pub const DEFAULT_HOST: &str = "github.com";
/// The runner-environment claim of a GitHub-hosted runner.
pub const GITHUB_HOSTED: &str = "github-hosted";

/// Where the rule comes from, as policy reports name it.
const ORIGIN: &str = "the GitHub attestation flags";

/// gh's policy flags, as plain values. Any of them set asks for a GitHub policy, which then
/// needs `owner` or `repo` (as gh does: an attestation is trusted for the repository or the
/// organization it was made in, never for anyone's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitHubOptions {
    /// The organization or user the source repository belongs to (`--owner`).
    pub owner: Option<String>,
    /// The source repository, `OWNER/REPO` (`--repo`); implies its owner.
    pub repo: Option<String>,
    /// The repository of the (reusable) workflow that signed, `OWNER/REPO` (`--signer-repo`).
    pub signer_repo: Option<String>,
    /// The workflow that signed, `[HOST/]OWNER/REPO/PATH` (`--signer-workflow`), read as gh
    /// reads it: a regular expression the signer identity must start with.
    pub signer_workflow: Option<String>,
    /// The commit of the signer workflow (`--signer-digest`, the build-signer-digest claim).
    pub signer_digest: Option<String>,
    /// The git ref the workflow ran on (`--source-ref`, e.g. `refs/tags/v1.2.0`).
    pub source_ref: Option<String>,
    /// The commit the workflow ran on (`--source-digest`).
    pub source_digest: Option<String>,
    /// Refuse attestations made on self-hosted runners (`--deny-self-hosted-runners`).
    pub deny_self_hosted_runners: bool,
    /// github.com or a GHE.com tenant's host, `TENANT.ghe.com` (`--hostname`).
    pub hostname: Option<String>,
    /// The OIDC issuer (`--cert-oidc-issuer`; default: GitHub Actions' for the host).
    pub cert_oidc_issuer: Option<String>,
}

impl GitHubOptions {
    /// True when any GitHub flag is given: the attestation is then judged by [`policy`].
    pub fn is_set(&self) -> bool {
        self.owner.is_some()
            || self.repo.is_some()
            || self.signer_repo.is_some()
            || self.signer_workflow.is_some()
            || self.signer_digest.is_some()
            || self.source_ref.is_some()
            || self.source_digest.is_some()
            || self.deny_self_hosted_runners
            || self.hostname.is_some()
            || self.cert_oidc_issuer.is_some()
    }

    /// The predicate type an attestation must have: the one asked for, else with GitHub flags
    /// gh's default [`PROVENANCE_V1`], else none (any predicate type).
    pub fn predicate_type(&self, explicit: Option<String>) -> Option<String> {
        explicit.or_else(|| self.is_set().then(|| PROVENANCE_V1.to_string()))
    }
}

/// The GitHub instance attestations come from: github.com, or a GHE.com tenant (data
/// residency), whose URLs are `https://TENANT.ghe.com/...` and whose Actions issuer is
/// `https://token.actions.TENANT.ghe.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    name: String,
    tenant: Option<String>,
}

impl Host {
    /// The host of `--hostname` (default github.com). GitHub Enterprise Server hosts are
    /// refused, as gh refuses them: their attestations are not made this way.
    pub fn parse(hostname: Option<&str>) -> Result<Self> {
        let given = hostname.unwrap_or(DEFAULT_HOST);
        let name = given.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(Error::Usage("--hostname is empty; give github.com or TENANT.ghe.com".into()));
        }
        let label = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !name.split('.').all(label) {
            return Err(Error::Usage(format!(
                "--hostname {given:?} is not a host name; give github.com or TENANT.ghe.com, without scheme, port or path"
            )));
        }
        if name == DEFAULT_HOST {
            return Ok(Self { name, tenant: None });
        }
        match name.strip_suffix(".ghe.com") {
            Some(tenant) if !tenant.contains('.') => Ok(Self { tenant: Some(tenant.to_string()), name }),
            _ => Err(Error::Usage(format!(
                "--hostname {name}: GitHub artifact attestations are verified for github.com and GHE.com tenants \
                 (TENANT.ghe.com); GitHub Enterprise Server hosts are not supported (gh attestation verify refuses \
                 them too)"
            ))),
        }
    }

    /// The host name (`github.com`, `acme.ghe.com`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `https://HOST/` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("https://{}/{path}", self.name)
    }

    /// The issuer of GitHub Actions tokens on this host.
    pub fn actions_issuer(&self) -> String {
        match &self.tenant {
            None => ACTIONS_ISSUER.to_string(),
            Some(t) => format!("https://token.actions.{t}.ghe.com"),
        }
    }
}

/// A value gh compares in any case (`strings.EqualFold`).
fn any_case(value: &str, what: &str, note: &str) -> Result<Matcher> {
    Matcher::described(&format!("(?i:{})", regex::escape(value)), what, format!("{value:?} (in any case{note})"))
        .map_err(usage)
}

/// An identity that starts with `prefix`, in any case (gh's `(?i)^PREFIX` expressions).
fn starting_with(prefix: &str, what: &str) -> Result<Matcher> {
    Matcher::described(
        &format!("(?i:{})(?s:.*)", regex::escape(prefix)),
        what,
        format!("a URL starting with {prefix} (in any case)"),
    )
    .map_err(usage)
}

fn usage(e: Error) -> Error {
    match e {
        Error::Config(m) => Error::Usage(m),
        other => other,
    }
}

/// A flag's value: present and not blank.
fn given<'a>(flag: &str, value: Option<&'a str>) -> Result<Option<&'a str>> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::Usage(format!("{flag} is empty; give a value or leave it out"))),
        Some(v) => Ok(Some(v.trim())),
        None => Ok(None),
    }
}

/// `OWNER/REPO`: two non-empty parts without spaces.
fn owner_repo<'a>(flag: &str, value: &'a str) -> Result<(&'a str, &'a str)> {
    let part = |p: &str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    match value.split_once('/') {
        Some((o, r)) if part(o) && part(r) && !r.contains('/') => Ok((o, r)),
        _ => Err(Error::Usage(format!("{flag} {value:?}: expected OWNER/REPO, e.g. acme/app"))),
    }
}

/// Does a `--signer-workflow` value start with a host (`github.com/...`)? gh's test: a first
/// path segment with a dot in it.
fn names_host(workflow: &str) -> bool {
    let first = workflow.split('/').next().unwrap_or("");
    match first.split_once('.') {
        Some((a, b)) => {
            let label = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
            label(a) && b.bytes().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-')
        }
        None => false,
    }
}

/// The cosign-style options that cannot be combined with GitHub flags: the GitHub flags state
/// the issuer and the claims themselves, and a second policy beside them would be an
/// alternative that loosens it.
fn refuse_mixing(other: &PolicyOptions) -> Result<()> {
    let mixed = [
        (other.issuer.is_some(), "--certificate-oidc-issuer (give it as --cert-oidc-issuer)"),
        (other.issuer_regexp.is_some(), "--certificate-oidc-issuer-regexp"),
        (other.github_workflow_repository.is_some(), "--certificate-github-workflow-repository (use --repo)"),
        (other.github_workflow_ref.is_some(), "--certificate-github-workflow-ref (use --source-ref)"),
        (other.github_workflow_sha.is_some(), "--certificate-github-workflow-sha (use --source-digest)"),
        (other.github_workflow_trigger.is_some(), "--certificate-github-workflow-trigger"),
        (other.github_workflow_name.is_some(), "--certificate-github-workflow-name"),
        (!other.extensions.is_empty(), "--certificate-extension"),
        (other.policy_file.is_some(), "--policy"),
        (other.insecure_any_identity, "--insecure-any-identity"),
    ];
    let named: Vec<&str> = mixed.iter().filter(|(set, _)| *set).map(|(_, n)| *n).collect();
    if named.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} cannot be combined with the GitHub flags (--owner, --repo, --signer-workflow, ...): they describe the \
         signer themselves; use one way or the other",
        named.join(", ")
    )))
}

/// The rule gh's flags ask for. `other` may add an exact identity or an identity expression
/// (`--certificate-identity[-regexp]`, gh's `--cert-identity[-regex]`) in place of the default
/// signer check; any other cosign-style option is refused, as are half-given or conflicting
/// GitHub flags.
pub fn rule(o: &GitHubOptions, other: &PolicyOptions) -> Result<Rule> {
    refuse_mixing(other)?;
    let host = Host::parse(given("--hostname", o.hostname.as_deref())?)?;
    let owner_flag = given("--owner", o.owner.as_deref())?;
    let repo_flag = given("--repo", o.repo.as_deref())?;
    let (owner, repo) = match (owner_flag, repo_flag) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--owner and --repo exclude each other (as in gh): --repo OWNER/REPO already names the owner".into(),
            ))
        }
        (None, Some(r)) => {
            let (owner, _) = owner_repo("--repo", r)?;
            (owner, Some(r))
        }
        (Some(owner), None) => {
            if owner.contains('/') || owner.chars().any(char::is_whitespace) {
                return Err(Error::Usage(format!(
                    "--owner {owner:?}: give the organization or user alone (for one repository, --repo OWNER/REPO)"
                )));
            }
            (owner, None)
        }
        (None, None) => {
            return Err(Error::Usage(
                "the GitHub flags need --owner OWNER or --repo OWNER/REPO (as gh attestation verify does): an \
                 attestation is trusted for the repository or organization it was made in"
                    .into(),
            ))
        }
    };

    let signer_repo = given("--signer-repo", o.signer_repo.as_deref())?;
    let signer_workflow = given("--signer-workflow", o.signer_workflow.as_deref())?;
    let signer_flags = [
        other.identity.is_some().then_some("--certificate-identity"),
        other.identity_regexp.is_some().then_some("--certificate-identity-regexp"),
        signer_repo.map(|_| "--signer-repo"),
        signer_workflow.map(|_| "--signer-workflow"),
    ];
    let signer_flags: Vec<&str> = signer_flags.into_iter().flatten().collect();
    if signer_flags.len() > 1 {
        return Err(Error::Usage(format!(
            "{} exclude each other (as in gh): each says who signed; give one",
            signer_flags.join(" and ")
        )));
    }

    let mut rule = Rule::identity_and_issuer(
        ORIGIN,
        other.identity.as_deref(),
        other.identity_regexp.as_deref().map(|r| (r, "--certificate-identity-regexp")),
        None,
        None,
    )
    .map_err(usage)?;
    if let Some(r) = signer_repo {
        let (so, sr) = owner_repo("--signer-repo", r)?;
        rule = rule.identity(starting_with(&host.url(&format!("{so}/{sr}/")), "--signer-repo")?);
    } else if let Some(w) = signer_workflow {
        let escaped_host = regex::escape(host.name());
        let (pattern, shown) = if names_host(w) {
            (format!("https://(?:{w})(?s:.*)"), format!("https://{w}"))
        } else {
            let w = w.trim_start_matches('/');
            (format!("https://{escaped_host}/(?:{w})(?s:.*)"), host.url(w))
        };
        let text = format!("an identity starting with {shown} (--signer-workflow, read as a regular expression)");
        rule = rule.identity(Matcher::described(&pattern, "--signer-workflow", text).map_err(usage)?);
    } else if other.identity.is_none() && other.identity_regexp.is_none() {
        let path = match repo {
            Some(r) => format!("{r}/"),
            None => format!("{owner}/"),
        };
        rule = rule.identity(starting_with(&host.url(&path), "--owner/--repo")?);
    }

    let issuer = match given("--cert-oidc-issuer", o.cert_oidc_issuer.as_deref())? {
        Some(i) if i != ACTIONS_ISSUER => any_case(i, "--cert-oidc-issuer", "")?,
        _ => any_case(
            &host.actions_issuer(),
            "the GitHub Actions issuer",
            "; an enterprise's own issuer URL is given with --cert-oidc-issuer",
        )?,
    };
    rule = rule.issuer(issuer);

    rule = rule.claim("source-repository-owner-uri", any_case(&host.url(owner), "--owner", "")?)?;
    if let Some(r) = repo {
        rule = rule.claim("source-repository-uri", any_case(&host.url(r), "--repo", "")?)?;
    }
    for (flag, claim, value) in [
        ("--signer-digest", "build-signer-digest", &o.signer_digest),
        ("--source-ref", "source-repository-ref", &o.source_ref),
        ("--source-digest", "source-repository-digest", &o.source_digest),
    ] {
        if let Some(v) = given(flag, value.as_deref())? {
            rule = rule.claim(claim, any_case(v, flag, "")?)?;
        }
    }
    if o.deny_self_hosted_runners {
        rule = rule.claim("runner-environment", Matcher::exact(GITHUB_HOSTED))?;
    }
    Ok(rule)
}

/// The policy of [`rule`], alone.
pub fn policy(o: &GitHubOptions, other: &PolicyOptions) -> Result<Policy> {
    Ok(Policy::from_rules([rule(o, other)?]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Claims, Signer, Trust};

    const OWNER_URI: &str = "1.3.6.1.4.1.57264.1.16";
    const REPO_URI: &str = "1.3.6.1.4.1.57264.1.12";
    const REF: &str = "1.3.6.1.4.1.57264.1.14";
    const DIGEST: &str = "1.3.6.1.4.1.57264.1.13";
    const SIGNER_DIGEST: &str = "1.3.6.1.4.1.57264.1.10";
    const RUNNER: &str = "1.3.6.1.4.1.57264.1.11";
    const SAN: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0";

    fn claims(runner: &str) -> Claims {
        Claims::from_pairs([
            (OWNER_URI, "https://github.com/acme"),
            (REPO_URI, "https://github.com/acme/app"),
            (REF, "refs/tags/v1.2.0"),
            (DIGEST, "0123456789abcdef0123456789abcdef01234567"),
            (SIGNER_DIGEST, "89abcdef0123456789abcdef0123456789abcdef"),
            (RUNNER, runner),
        ])
    }

    fn judge(o: &GitHubOptions, identity: &str, issuer: &str, claims: &Claims) -> (Trust, String) {
        let p = policy(o, &PolicyOptions::default()).unwrap();
        p.judge(&Signer { identity: Some(identity), issuer: Some(issuer), claims, time: None })
    }

    fn repo(r: &str) -> GitHubOptions {
        GitHubOptions { repo: Some(r.into()), ..GitHubOptions::default() }
    }

    #[test]
    fn a_matching_attestation_satisfies_every_flag_in_any_case() {
        let o = GitHubOptions {
            repo: Some("Acme/App".into()),
            signer_workflow: Some("acme/app/.github/workflows/release.yml".into()),
            signer_digest: Some("89ABCDEF0123456789ABCDEF0123456789ABCDEF".into()),
            source_ref: Some("refs/tags/v1.2.0".into()),
            source_digest: Some("0123456789abcdef0123456789abcdef01234567".into()),
            deny_self_hosted_runners: true,
            ..GitHubOptions::default()
        };
        let (t, why) = judge(&o, SAN, ACTIONS_ISSUER, &claims(GITHUB_HOSTED));
        assert_eq!(t, Trust::Fully, "{why}");
        let owner = GitHubOptions { owner: Some("ACME".into()), ..GitHubOptions::default() };
        assert_eq!(judge(&owner, SAN, "HTTPS://token.actions.githubusercontent.com", &claims("x")).0, Trust::Fully);
    }

    #[test]
    fn each_mismatch_names_the_claim_the_value_and_what_was_required() {
        let c = claims("self-hosted");
        let cases = [
            (
                repo("acme/other"),
                "source-repository-uri \"https://github.com/acme/app\" is not \"https://github.com/acme/other\"",
            ),
            (
                GitHubOptions { owner: Some("evil".into()), ..GitHubOptions::default() },
                "source-repository-owner-uri \"https://github.com/acme\" is not \"https://github.com/evil\"",
            ),
            (
                GitHubOptions { source_ref: Some("refs/heads/main".into()), ..repo("acme/app") },
                "source-repository-ref \"refs/tags/v1.2.0\" is not \"refs/heads/main\"",
            ),
            (
                GitHubOptions { source_digest: Some("ff".into()), ..repo("acme/app") },
                "source-repository-digest \"0123456789abcdef0123456789abcdef01234567\" is not \"ff\"",
            ),
            (
                GitHubOptions { signer_digest: Some("ee".into()), ..repo("acme/app") },
                "build-signer-digest \"89abcdef0123456789abcdef0123456789abcdef\" is not \"ee\"",
            ),
            (
                GitHubOptions { deny_self_hosted_runners: true, ..repo("acme/app") },
                "runner-environment \"self-hosted\" is not \"github-hosted\"",
            ),
            (
                GitHubOptions {
                    signer_workflow: Some("acme/app/.github/workflows/other.yml".into()),
                    ..repo("acme/app")
                },
                "is not an identity starting with https://github.com/acme/app/.github/workflows/other.yml",
            ),
            (
                GitHubOptions { signer_repo: Some("acme/shared-workflows".into()), ..repo("acme/app") },
                "is not a URL starting with https://github.com/acme/shared-workflows/",
            ),
        ];
        for (o, want) in cases {
            let (t, why) = judge(&o, SAN, ACTIONS_ISSUER, &c);
            assert_eq!(t, Trust::Never, "{o:?}");
            assert!(why.contains(want), "{o:?}: {why}");
        }
        // Every mismatch is named, not only the first.
        let o = GitHubOptions { source_ref: Some("refs/heads/main".into()), ..repo("acme/other") };
        let (_, why) = judge(&o, SAN, ACTIONS_ISSUER, &c);
        assert!(why.contains("source-repository-ref") && why.contains("source-repository-uri"), "{why}");
    }

    #[test]
    fn the_default_signer_is_anyone_in_the_repository_or_organization_never_a_lookalike() {
        let c = claims(GITHUB_HOSTED);
        let o = repo("acme/app");
        for (identity, trust) in [
            (SAN, Trust::Fully),
            ("https://github.com/ACME/APP/.github/workflows/ci.yml@refs/heads/main", Trust::Fully),
            ("https://github.com/acme/app-fork/.github/workflows/release.yml@refs/tags/v1.2.0", Trust::Never),
            ("https://github.com/acme/app", Trust::Never),
            ("https://evil.example/acme/app/x", Trust::Never),
        ] {
            assert_eq!(judge(&o, identity, ACTIONS_ISSUER, &c).0, trust, "{identity}");
        }
        // A workflow with its host, and a workflow read as gh reads it: a prefix.
        let host = GitHubOptions {
            signer_workflow: Some("github.com/acme/app/.github/workflows/release.yml".into()),
            ..repo("acme/app")
        };
        assert_eq!(judge(&host, SAN, ACTIONS_ISSUER, &c).0, Trust::Fully);
        let case = GitHubOptions {
            signer_workflow: Some("acme/app/.github/workflows/RELEASE.yml".into()),
            ..repo("acme/app")
        };
        assert_eq!(judge(&case, SAN, ACTIONS_ISSUER, &c).0, Trust::Never, "a workflow path is matched as given");
    }

    #[test]
    fn the_issuer_is_github_actions_unless_named_and_the_tenant_has_its_own() {
        let c = claims(GITHUB_HOSTED);
        let (t, why) = judge(&repo("acme/app"), SAN, "https://token.actions.githubusercontent.com/acme", &c);
        assert_eq!(t, Trust::Never);
        assert!(why.contains("--cert-oidc-issuer"), "the enterprise hint: {why}");
        let custom = GitHubOptions {
            cert_oidc_issuer: Some("https://token.actions.githubusercontent.com/acme".into()),
            ..repo("acme/app")
        };
        assert_eq!(judge(&custom, SAN, "https://token.actions.githubusercontent.com/acme", &c).0, Trust::Fully);

        let tenant = GitHubOptions { hostname: Some("Acme.GHE.com".into()), ..repo("acme/app") };
        let tc =
            Claims::from_pairs([(OWNER_URI, "https://acme.ghe.com/acme"), (REPO_URI, "https://acme.ghe.com/acme/app")]);
        let id = "https://acme.ghe.com/acme/app/.github/workflows/release.yml@refs/heads/main";
        let (t, why) = judge(&tenant, id, "https://token.actions.acme.ghe.com", &tc);
        assert_eq!(t, Trust::Fully, "{why}");
        assert_eq!(judge(&tenant, id, ACTIONS_ISSUER, &tc).0, Trust::Never);
        assert_eq!(judge(&tenant, SAN, "https://token.actions.acme.ghe.com", &claims("x")).0, Trust::Never);
    }

    #[test]
    fn flags_gh_refuses_are_usage_errors() {
        let none = PolicyOptions::default();
        let bad = [
            GitHubOptions { source_ref: Some("refs/heads/main".into()), ..GitHubOptions::default() },
            GitHubOptions { owner: Some("acme".into()), repo: Some("acme/app".into()), ..GitHubOptions::default() },
            repo("acme"),
            repo("acme/app/extra"),
            GitHubOptions { owner: Some("acme/app".into()), ..GitHubOptions::default() },
            GitHubOptions { owner: Some(" ".into()), ..GitHubOptions::default() },
            GitHubOptions { signer_repo: Some("acme".into()), ..repo("acme/app") },
            GitHubOptions {
                signer_repo: Some("acme/wf".into()),
                signer_workflow: Some("acme/wf/.github/workflows/x.yml".into()),
                ..repo("acme/app")
            },
            GitHubOptions { hostname: Some("github.example.com".into()), ..repo("acme/app") },
            GitHubOptions { hostname: Some("https://github.com".into()), ..repo("acme/app") },
            GitHubOptions { signer_workflow: Some("acme/app/(".into()), ..repo("acme/app") },
        ];
        for o in bad {
            match rule(&o, &none) {
                Err(Error::Usage(_)) => {}
                other => panic!("{o:?} gave {other:?}"),
            }
        }
        let cosign = PolicyOptions { issuer: Some(ACTIONS_ISSUER.into()), ..PolicyOptions::default() };
        let e = rule(&repo("acme/app"), &cosign).unwrap_err().to_string();
        assert!(e.contains("--cert-oidc-issuer"), "{e}");
        let both = PolicyOptions { identity: Some(SAN.into()), ..PolicyOptions::default() };
        let o = GitHubOptions { signer_repo: Some("acme/wf".into()), ..repo("acme/app") };
        assert!(matches!(rule(&o, &both), Err(Error::Usage(_))));
    }

    #[test]
    fn an_exact_identity_replaces_the_default_signer_check_but_not_the_repository() {
        let c = claims(GITHUB_HOSTED);
        let exact = PolicyOptions { identity: Some(SAN.into()), ..PolicyOptions::default() };
        let p = policy(&repo("acme/app"), &exact).unwrap();
        let judge = |id: &str, claims: &Claims| {
            p.judge(&Signer { identity: Some(id), issuer: Some(ACTIONS_ISSUER), claims, time: None }).0
        };
        assert_eq!(judge(SAN, &c), Trust::Fully);
        assert_eq!(judge("https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main", &c), Trust::Never);
        let elsewhere =
            Claims::from_pairs([(OWNER_URI, "https://github.com/acme"), (REPO_URI, "https://github.com/acme/x")]);
        assert_eq!(judge(SAN, &elsewhere), Trust::Never);
    }

    #[test]
    fn github_flags_default_the_predicate_type_to_slsa_provenance_v1() {
        assert_eq!(GitHubOptions::default().predicate_type(None), None);
        assert_eq!(repo("acme/app").predicate_type(None).as_deref(), Some(PROVENANCE_V1));
        assert_eq!(
            repo("acme/app").predicate_type(Some("https://spdx.dev/Document".into())).as_deref(),
            Some("https://spdx.dev/Document")
        );
        assert!(!GitHubOptions::default().is_set());
        assert!(GitHubOptions { deny_self_hosted_runners: true, ..GitHubOptions::default() }.is_set());
    }
}
