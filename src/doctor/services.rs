//! The configured services, each asked once and all at once with a deadline: Fulcio's trust
//! bundle, Rekor's log info, the OIDC issuer's discovery document (which must name that issuer)
//! and the timestamp authority, if one is configured.

use std::time::{Duration, Instant};

use super::{Finding, SERVICE_TIMEOUT};
use crate::config::Config;

/// The answer of one probe.
#[derive(Clone, Debug)]
pub(super) struct Probe {
    /// The URL asked.
    pub url: String,
    /// Time to the answer (or the failure).
    pub elapsed: Duration,
    /// HTTP status and body, or why there was none.
    pub outcome: std::result::Result<(u16, Vec<u8>), String>,
}

fn error_chain(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", SERVICE_TIMEOUT.as_secs());
    }
    // The URL is shown beside the message once, not inside it.
    crate::http::transport_error(e, &[])
}

async fn probe(client: &reqwest::Client, url: String) -> Probe {
    let start = Instant::now();
    let outcome = async {
        let resp = client.get(&url).send().await.map_err(error_chain)?;
        let status = resp.status().as_u16();
        // Only the discovery document is parsed, and only the start of anything else is shown.
        let body = crate::http::read_capped(resp, crate::http::JSON_LIMIT).await.map_err(|e| e.to_string())?;
        Ok((status, body))
    }
    .await;
    Probe { url, elapsed: start.elapsed(), outcome }
}

/// Which service a probe was for, and what its answer must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Service {
    /// Fulcio's trust bundle.
    Fulcio,
    /// Rekor's log info.
    Rekor,
    /// The OIDC issuer's discovery document.
    OidcIssuer,
    /// A Sigstore timestamp authority's certificate chain.
    SigstoreTsa,
    /// Any other RFC 3161 endpoint (reachable is all that can be checked with a GET).
    OtherTsa,
}

impl Service {
    fn check(self) -> &'static str {
        match self {
            Service::Fulcio => "fulcio",
            Service::Rekor => "rekor",
            Service::OidcIssuer => "oidc-issuer",
            Service::SigstoreTsa | Service::OtherTsa => "timestamp-authority",
        }
    }

    fn fix(self, url: &str) -> String {
        let setting = match self {
            Service::Fulcio => "sigseal.fulcioURL / SIGSEAL_FULCIO_URL",
            Service::Rekor => "sigseal.rekorURL / SIGSEAL_REKOR_URL",
            Service::OidcIssuer => "sigseal.oidcIssuer / SIGSEAL_OIDC_ISSUER",
            Service::SigstoreTsa | Service::OtherTsa => "sigseal.timestampURL / SIGSEAL_TIMESTAMP_URL (or unset it)",
        };
        format!("check {setting} (now {url}), and your network or proxy for that host")
    }
}

/// The finding for a probe of `service` at its configured `base` URL (`issuer`: the configured
/// OIDC issuer, which the discovery document must name).
pub(super) fn classify_probe(service: Service, base: &str, probe: &Probe, issuer: &str) -> Finding {
    let check = service.check();
    let ms = probe.elapsed.as_millis();
    match &probe.outcome {
        Err(why) => {
            Finding::fail(check, format!("{base}: {why} (after {ms} ms, asking {})", probe.url), service.fix(base))
        }
        Ok((status, body)) => {
            let ok_status = (200..300).contains(status);
            match service {
                Service::OtherTsa => Finding::ok(
                    check,
                    format!("{base} answered in {ms} ms (HTTP {status} to a GET; timestamps are requested by POST)"),
                ),
                Service::SigstoreTsa if !ok_status => Finding::warn(
                    check,
                    format!(
                        "{base} answered HTTP {status} in {ms} ms to {}: not a Sigstore timestamp authority?",
                        probe.url
                    ),
                    service.fix(base),
                ),
                _ if !ok_status => Finding::fail(
                    check,
                    format!("{base} answered HTTP {status} in {ms} ms to {}", probe.url),
                    service.fix(base),
                ),
                Service::OidcIssuer => {
                    let named = serde_json::from_slice::<serde_json::Value>(body)
                        .ok()
                        .and_then(|v| v.get("issuer").and_then(|i| i.as_str()).map(str::to_string));
                    match named {
                        None => Finding::fail(
                            check,
                            format!("{} is not an OpenID Connect discovery document (answered in {ms} ms)", probe.url),
                            service.fix(base),
                        ),
                        Some(n) if n.trim_end_matches('/') != issuer.trim_end_matches('/') => {
                            let n = crate::http::sanitize(&n, &[]);
                            Finding::fail(
                                check,
                                format!("{base} answered in {ms} ms, but its discovery document names issuer {n}: logins would fail"),
                                format!("git config sigseal.oidcIssuer {n} (or SIGSEAL_OIDC_ISSUER), if that issuer is the one you mean"),
                            )
                        }
                        Some(_) => Finding::ok(check, format!("{base} answered in {ms} ms")),
                    }
                }
                _ => Finding::ok(check, format!("{base} answered in {ms} ms")),
            }
        }
    }
}

fn http_client() -> std::result::Result<reqwest::Client, String> {
    crate::http::build_client(SERVICE_TIMEOUT).map_err(|e| e.to_string())
}

pub(super) async fn service_checks(cfg: &Config) -> Vec<Finding> {
    let client = match http_client() {
        Ok(c) => c,
        Err(e) => {
            return ["fulcio", "rekor", "oidc-issuer", "timestamp-authority"]
                .into_iter()
                .map(|c| Finding::fail(c, e.clone(), "retry; if it persists, report it"))
                .collect()
        }
    };
    let issuer = cfg.oidc_issuer.trim_end_matches('/');
    let tsa = cfg.timestamp_url.as_deref().map(|u| {
        let u = u.trim_end_matches('/');
        if u.ends_with("/api/v1/timestamp") {
            (Service::SigstoreTsa, u.to_string(), format!("{u}/certchain"))
        } else {
            (Service::OtherTsa, u.to_string(), u.to_string())
        }
    });
    let (fulcio, rekor, oidc, tsa_probe) = tokio::join!(
        probe(&client, format!("{}/api/v2/trustBundle", cfg.fulcio_url)),
        probe(&client, crate::transparency::info_url(&cfg.rekor_url, cfg.rekor_version)),
        probe(&client, format!("{issuer}/.well-known/openid-configuration")),
        async {
            match &tsa {
                Some((_, _, url)) => Some(probe(&client, url.clone()).await),
                None => None,
            }
        }
    );
    let mut out = vec![
        classify_probe(Service::Fulcio, &cfg.fulcio_url, &fulcio, issuer),
        classify_probe(Service::Rekor, &cfg.rekor_url, &rekor, issuer),
        classify_probe(Service::OidcIssuer, &cfg.oidc_issuer, &oidc, issuer),
    ];
    out.push(match (&tsa, &tsa_probe) {
        (Some((service, base, _)), Some(p)) => classify_probe(*service, base, p, issuer),
        _ => Finding::info(
            "timestamp-authority",
            "none configured: signatures carry no RFC 3161 timestamp (the log's time is used)",
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn answered(status: u16, body: &str) -> Probe {
        Probe {
            url: "http://s/x".into(),
            elapsed: Duration::from_millis(12),
            outcome: Ok((status, body.as_bytes().to_vec())),
        }
    }

    #[test]
    fn services_pass_on_a_good_answer_and_fail_with_a_fix_otherwise() {
        let f = classify_probe(Service::Rekor, "http://r", &answered(200, "{}"), "http://i");
        assert_eq!(f.status, Status::Ok);
        assert!(f.detail.contains("answered in 12 ms"), "{f:?}");
        let down = Probe {
            url: "http://r/api/v1/log".into(),
            elapsed: Duration::from_millis(3),
            outcome: Err("connection refused".into()),
        };
        let f = classify_probe(Service::Rekor, "http://r", &down, "http://i");
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.as_deref().unwrap().contains("SIGSEAL_REKOR_URL"), "{f:?}");
        assert_eq!(classify_probe(Service::Fulcio, "http://f", &answered(404, ""), "http://i").status, Status::Fail);
        assert_eq!(classify_probe(Service::OtherTsa, "http://t", &answered(405, ""), "http://i").status, Status::Ok);
        assert_eq!(
            classify_probe(Service::SigstoreTsa, "http://t", &answered(404, ""), "http://i").status,
            Status::Warn
        );
    }

    #[test]
    fn oidc_discovery_must_name_the_configured_issuer() {
        let ok =
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, r#"{"issuer":"http://i/"}"#), "http://i");
        assert_eq!(ok.status, Status::Ok, "{ok:?}");
        let other =
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, r#"{"issuer":"http://j"}"#), "http://i");
        assert_eq!(other.status, Status::Fail);
        assert!(other.fix.as_deref().unwrap().contains("sigseal.oidcIssuer http://j"), "{other:?}");
        assert_eq!(
            classify_probe(Service::OidcIssuer, "http://i", &answered(200, "<html>"), "http://i").status,
            Status::Fail
        );
    }
}
