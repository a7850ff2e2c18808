//! sigseal's configuration and trust: the `config` finding (services and trust material in
//! use), the `trusted-root` finding (which Fulcio CAs, Rekor keys and timestamp authorities are
//! valid now) and the `tuf-cache` finding (how fresh the TUF metadata is).

use std::fmt::Write;
use std::time::SystemTime;

use super::{span, Finding, EXPIRY_WARNING, TUF_STALE_AFTER};
use crate::config::Config;
use crate::sigstore::{Instance, RootWindows, Window};
use crate::trust::RootSource;

pub(super) fn config_ok(cfg: &Config) -> Finding {
    if let Err(e) = cfg.require_services() {
        return Finding::fail(
            "config",
            e.to_string(),
            "name the missing service (sigseal.fulcioURL / sigseal.rekorURL) or use a signing config that lists it",
        );
    }
    let trust = match (&cfg.trusted_root, cfg.instance()) {
        (Some(p), _) => format!("trusted root {}", p.display()),
        (None, Some(Instance::Staging)) => "public-good staging instance".to_string(),
        (None, _) => "public-good instance".to_string(),
    };
    let mut detail =
        format!("Fulcio {}, Rekor {}, OIDC issuer {}, {trust}", cfg.fulcio_url, cfg.rekor_url, cfg.oidc_issuer);
    if let Some(sc) = &cfg.signing_config {
        let _ = write!(detail, ", signing config {}", sc.display());
    }
    Finding::ok("config", detail)
}

/// How many windows of a kind are usable at `now`, expired, not yet started; and when the
/// last usable one ends (`None`: open-ended or none usable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    valid: usize,
    expired: usize,
    future: usize,
    /// The latest end among the valid ones; `None` when one of them is open-ended.
    valid_until: Option<i64>,
}

fn tally(windows: &[Window], now: i64) -> Tally {
    let mut t = Tally::default();
    let mut open = false;
    for w in windows {
        if w.start.is_some_and(|s| s > now) {
            t.future += 1;
        } else if w.end.is_some_and(|e| e < now) {
            t.expired += 1;
        } else {
            t.valid += 1;
            match w.end {
                None => open = true,
                Some(e) => t.valid_until = Some(t.valid_until.map_or(e, |u| u.max(e))),
            }
        }
    }
    if open {
        t.valid_until = None;
    }
    t
}

fn describe_tally(what: (&str, &str), t: Tally) -> String {
    let total = t.valid + t.expired + t.future;
    let what = if total == 1 { what.0 } else { what.1 };
    let mut parts = vec![format!("{} valid now", t.valid)];
    if t.expired > 0 {
        parts.push(format!("{} expired", t.expired));
    }
    if t.future > 0 {
        parts.push(format!("{} not yet valid", t.future));
    }
    format!("{total} {what} ({})", parts.join(", "))
}

/// The `trusted-root` finding for a loaded root.
pub(super) fn classify_root(source: &RootSource, windows: &RootWindows, tsa_configured: bool, now: i64) -> Finding {
    const CHECK: &str = "trusted-root";
    let fix = match source {
        RootSource::File(p) => format!(
            "replace {} with the instance's current trusted_root.json (or set sigseal.trustedRoot / SIGSEAL_TRUSTED_ROOT to it)",
            p.display()
        ),
        RootSource::Tuf | RootSource::Embedded => {
            "let sigseal refresh the root through TUF (see tuf-cache), or upgrade sigseal for a newer embedded root".to_string()
        }
    };
    let fulcio = tally(&windows.fulcio, now);
    let rekor = tally(&windows.rekor, now);
    let tsa = tally(&windows.tsa, now);
    let mut summary = format!(
        "{source}: {}, {}",
        describe_tally(("Fulcio CA", "Fulcio CAs"), fulcio),
        describe_tally(("Rekor key", "Rekor keys"), rekor)
    );
    if !windows.tsa.is_empty() {
        let _ = write!(summary, ", {}", describe_tally(("timestamp authority", "timestamp authorities"), tsa));
    }
    if fulcio.valid == 0 {
        return Finding::fail(
            CHECK,
            format!("{summary}: no Fulcio CA is valid now, new certificates cannot be verified"),
            fix,
        );
    }
    if rekor.valid == 0 {
        return Finding::fail(
            CHECK,
            format!("{summary}: no Rekor key is valid now, new log entries cannot be verified"),
            fix,
        );
    }
    for (what, t) in [("Fulcio CA", fulcio), ("Rekor key", rekor)] {
        if let Some(end) = t.valid_until.filter(|e| e - now < EXPIRY_WARNING) {
            return Finding::warn(
                CHECK,
                format!("{summary}: the last valid {what} expires {} (in {})", crate::iso_time(end), span(end - now)),
                fix,
            );
        }
    }
    if tsa_configured && tsa.valid == 0 {
        return Finding::warn(
            CHECK,
            format!("{summary}: a timestamp authority is configured, but the root lists none valid now, so its timestamps cannot be verified"),
            format!("{fix}; or unset sigseal.timestampURL / SIGSEAL_TIMESTAMP_URL"),
        );
    }
    Finding::ok(CHECK, summary)
}

/// Seconds from `t` to `now` (0 when `t` is later).
fn age(t: Option<SystemTime>, now: SystemTime) -> Option<i64> {
    t.map(|t| now.duration_since(t).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
}

/// The `tuf-cache` finding.
pub(super) fn classify_tuf(
    state: &crate::trust::TufCacheState,
    instance: Instance,
    in_use: Option<&RootSource>,
    now: SystemTime,
) -> Finding {
    const CHECK: &str = "tuf-cache";
    let now_unix =
        now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let tuf_host = match instance {
        Instance::Production => "tuf-repo-cdn.sigstore.dev",
        Instance::Staging => "tuf-repo-cdn.sigstage.dev",
        Instance::GitHub => "tuf-repo.github.com",
    };
    let fix = format!(
        "allow HTTPS to {tuf_host}; sigseal refreshes at most once a day, so to retry now: rm {} && sigseal doctor",
        state.stamp.display()
    );
    let attempt = age(state.last_attempt, now)
        .map_or_else(|| "never attempted".to_string(), |a| format!("last attempt {} ago", span(a)));
    let written = age(state.timestamp_written, now);
    match (state.timestamp_expires, written) {
        (None, _) | (_, None) => match state.last_attempt {
            None => Finding::info(
                CHECK,
                format!("no TUF cache yet in {}: the root embedded in this sigseal is used", state.dir.display()),
            ),
            Some(_) => Finding::warn(
                CHECK,
                format!("no refresh has completed ({attempt}): the root embedded in this sigseal is used"),
                fix,
            ),
        },
        (Some(expires), Some(written)) => {
            let head = format!(
                "refreshed {} ago, metadata valid until {}, {attempt}",
                span(written),
                crate::iso_time(expires)
            );
            if expires < now_unix {
                Finding::warn(
                    CHECK,
                    format!(
                        "{head}: expired {} ago, the root embedded in this sigseal is used",
                        span(now_unix - expires)
                    ),
                    fix,
                )
            } else if written > TUF_STALE_AFTER {
                Finding::warn(CHECK, format!("{head}: older than {} days", TUF_STALE_AFTER / 86_400), fix)
            } else if in_use == Some(&RootSource::Embedded) {
                Finding::warn(
                    CHECK,
                    format!("{head}, but the cache did not verify: the root embedded in this sigseal is used"),
                    format!(
                        "rm -r {} {} && sigseal doctor (sigseal rebuilds the cache)",
                        state.dir.display(),
                        state.stamp.display()
                    ),
                )
            } else {
                Finding::ok(CHECK, head)
            }
        }
    }
}

pub(super) async fn trust_checks(cfg: &Config, offline: bool) -> Vec<Finding> {
    let loaded = crate::trust::load(cfg, !offline).await;
    let mut out = vec![match &loaded {
        Ok((root, source)) => {
            classify_root(source, &crate::sigstore::root_windows(root), cfg.timestamp_url.is_some(), crate::unix_now())
        }
        Err(e) => Finding::fail(
            "trusted-root",
            format!("error[{}]: {e}", e.code()),
            match &cfg.trusted_root {
                Some(p) => format!(
                    "point sigseal.trustedRoot / SIGSEAL_TRUSTED_ROOT (now {}) at the instance's trusted_root.json",
                    p.display()
                ),
                None => e.hint().unwrap_or("upgrade sigseal").to_string(),
            },
        ),
    }];
    if cfg.trusted_root.is_none() {
        let instance = cfg.instance().unwrap_or(Instance::Production);
        out.push(match crate::trust::tuf_cache_state(instance) {
            Some(state) => classify_tuf(&state, instance, loaded.as_ref().ok().map(|(_, s)| s), SystemTime::now()),
            None => Finding::info(
                "tuf-cache",
                "no cache directory for this user: the root embedded in this sigseal is used",
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;
    use std::time::Duration;

    fn w(start: Option<i64>, end: Option<i64>) -> Window {
        Window { url: "https://x".into(), start, end }
    }

    #[test]
    fn trusted_root_without_a_current_fulcio_ca_or_rekor_key_fails() {
        let now = 1_000_000_000;
        let src = RootSource::File("/r.json".into());
        let good = RootWindows {
            fulcio: vec![w(Some(1), Some(10)), w(Some(1), None)],
            rekor: vec![w(None, None)],
            ..RootWindows::default()
        };
        let f = classify_root(&src, &good, false, now);
        assert_eq!(f.status, Status::Ok, "an expired CA beside a current one is normal: {f:?}");
        assert!(f.detail.contains("1 valid now, 1 expired"), "{f:?}");
        let expired = RootWindows { fulcio: vec![w(Some(1), Some(10))], ..good.clone() };
        let f = classify_root(&src, &expired, false, now);
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.as_deref().unwrap().contains("/r.json"), "{f:?}");
        let no_log = RootWindows { rekor: vec![w(Some(now + 10), None)], ..good.clone() };
        assert_eq!(classify_root(&src, &no_log, false, now).status, Status::Fail);
        let ending = RootWindows { fulcio: vec![w(Some(1), Some(now + 3600))], ..good.clone() };
        assert_eq!(classify_root(&src, &ending, false, now).status, Status::Warn);
        assert_eq!(classify_root(&src, &good, true, now).status, Status::Warn, "a TSA configured, none in the root");
    }

    fn tuf(
        last_attempt: Option<i64>,
        written: Option<i64>,
        expires: Option<i64>,
        now: SystemTime,
    ) -> crate::trust::TufCacheState {
        let at = |ago: i64| now - Duration::from_secs(ago.unsigned_abs());
        crate::trust::TufCacheState {
            dir: "/c/tuf".into(),
            stamp: "/c/tuf-last-attempt".into(),
            last_attempt: last_attempt.map(at),
            timestamp_written: written.map(at),
            timestamp_expires: expires,
        }
    }

    #[test]
    fn tuf_cache_older_than_a_week_or_expired_warns_with_a_retry_command() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let unix = 2_000_000_000;
        let day = 86_400;
        let p = Instance::Production;
        let fresh = classify_tuf(&tuf(Some(day), Some(day), Some(unix + 3 * day), now), p, Some(&RootSource::Tuf), now);
        assert_eq!(fresh.status, Status::Ok, "{fresh:?}");
        let stale = classify_tuf(&tuf(Some(day), Some(8 * day), Some(unix + day), now), p, Some(&RootSource::Tuf), now);
        assert_eq!(stale.status, Status::Warn);
        assert!(stale.fix.as_deref().unwrap().contains("rm /c/tuf-last-attempt && sigseal doctor"), "{stale:?}");
        assert!(stale.fix.as_deref().unwrap().contains("tuf-repo-cdn.sigstore.dev"));
        let expired =
            classify_tuf(&tuf(Some(day), Some(3 * day), Some(unix - day), now), p, Some(&RootSource::Embedded), now);
        assert_eq!(expired.status, Status::Warn);
        assert!(expired.detail.contains("expired"), "{expired:?}");
        let never = classify_tuf(&tuf(None, None, None, now), p, Some(&RootSource::Embedded), now);
        assert_eq!(never.status, Status::Info);
        let failing =
            classify_tuf(&tuf(Some(60), None, None, now), Instance::Staging, Some(&RootSource::Embedded), now);
        assert_eq!(failing.status, Status::Warn);
        assert!(failing.fix.as_deref().unwrap().contains("sigstage"), "{failing:?}");
    }
}
