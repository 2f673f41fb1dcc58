//! The HTTP(S) server: one loopback port, one accept loop (plain or TLS), a hyper connection per
//! client. Every request is read whole, classified into an endpoint family, delayed, faulted,
//! routed, logged, and written back — or broken on purpose when a fault says so.

use super::http::{parse_urlencoded, percent_decode, Broken, Reply, Req};
use super::{
    aad_error, arm, authorize, dataplane, device_code, graph, imds, signin, token_endpoint, tokens,
    Sim,
};
use axum::body::Body;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The largest request body read; Entra refuses bigger token requests too.
const MAX_BODY: usize = 1 << 20;

/// Runs the accept loop until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    sim: Arc<Sim>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let sim = sim.clone();
        let tls = tls.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            // A `reset` fault aborts the connection with an RST; keep a second handle on the
            // socket to set SO_LINGER to zero on it when that happens.
            #[cfg(unix)]
            let dup = {
                use std::os::fd::AsFd;
                stream.as_fd().try_clone_to_owned().ok()
            };
            let kill = Arc::new(tokio::sync::Notify::new());
            let k = kill.clone();
            let svc = hyper::service::service_fn(move |r| {
                let sim = sim.clone();
                let k = k.clone();
                async move { Ok::<_, Infallible>(handle(sim, r, k).await) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            // A client may send its request and then shut down its writing half while it
            // waits for the answer (`curl --http1.0`-style clients, raw sockets); without this,
            // hyper takes the EOF for the end of the connection and drops the request unanswered.
            builder.half_close(true);
            let killed = match tls {
                Some(acc) => {
                    let Ok(s) = acc.accept(stream).await else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(s), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => false,
                        _ = kill.notified() => true,
                        _ = stop.changed() => false,
                    }
                }
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => false,
                        _ = kill.notified() => true,
                        _ = stop.changed() => false,
                    }
                }
            };
            #[cfg(unix)]
            if killed {
                if let Some(fd) = dup {
                    let std_stream = std::net::TcpStream::from(fd);
                    if std_stream.set_nonblocking(true).is_ok() {
                        if let Ok(t) = tokio::net::TcpStream::from_std(std_stream) {
                            // Zero linger turns the close into an RST; it does not block.
                            #[allow(deprecated)]
                            let _ = t.set_zero_linger();
                        }
                    }
                }
            }
            #[cfg(not(unix))]
            let _ = killed;
        });
    }
}

/// The endpoint family of a path (what faults and the log name it by).
pub fn family(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "graph" => "graph",
        "arm" => "arm",
        "purview" => "purview",
        "powerplatform" => "powerplatform",
        "loganalytics" => "loganalytics",
        "appinsights" => "appinsights",
        "monitoring" => "monitoring",
        "logsingestion" => "logsingestion",
        "federation" => "federation",
        "metadata" => "imds",
        "devicelogin" => "authorize",
        _ if path.ends_with("/authorize")
            || path.ends_with("/login")
            || path.ends_with("/oauth2/deviceauth") =>
        {
            "authorize"
        }
        _ if path.contains("/oauth2/") => "token",
        _ if path.contains("/.well-known/") || path.contains("/discovery/") => "discovery",
        _ => "other",
    }
}

async fn handle(
    sim: Arc<Sim>,
    r: hyper::Request<Incoming>,
    kill: Arc<tokio::sync::Notify>,
) -> hyper::Response<Body> {
    let (parts, body) = r.into_parts();
    let raw_path = parts.uri.path().to_string();
    let query_raw = parts.uri.query().unwrap_or("").to_string();
    let mut headers = std::collections::BTreeMap::new();
    for (k, v) in parts.headers.iter() {
        headers.insert(
            k.as_str().to_ascii_lowercase(),
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
        );
    }
    let body = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return to_response(Reply::json(
                413,
                &json!({"error": "invalid_request", "error_description": "The request body is too large."}),
            ))
        }
    };
    let req = Req {
        method: parts.method.as_str().to_string(),
        path: percent_decode(&raw_path, false),
        query: parse_urlencoded(&query_raw).into_iter().collect(),
        headers,
        body,
        now: chrono::Utc::now().timestamp(),
    };
    let fam = family(&req.path);
    if sim.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(sim.latency_ms)).await;
    }
    let fault = sim.take_fault(fam);
    let reply = match &fault {
        Some(f) => {
            if f.kind == "latency" {
                tokio::time::sleep(std::time::Duration::from_millis(f.delay_ms.unwrap_or(1000)))
                    .await;
            }
            match faulted(&sim, &req, fam, f) {
                Some(r) => r,
                None => {
                    let mut r = route(&sim, &req, fam);
                    if f.kind == "truncate" {
                        r.broken = Broken::Truncate;
                    }
                    r
                }
            }
        }
        None => route(&sim, &req, fam),
    };
    sim.log(
        &req,
        fam,
        reply.status,
        fault.as_ref().map(|f| f.kind.as_str()),
    );
    if reply.broken == Broken::Reset {
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    to_response(reply)
}

/// The reply a fault makes instead of the real one (`None`: answer normally, maybe broken).
fn faulted(sim: &Sim, req: &Req, fam: &str, f: &super::scenario::FaultSpec) -> Option<Reply> {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = req.correlation_id();
    let authority = &sim.info.authority;
    let retry = f.retry_after;
    let mut r = match f.kind.as_str() {
        "throttle" => {
            let mut r = if fam == "token" {
                token_endpoint::error_reply(
                    &aad_error::throttled(),
                    &trace,
                    &corr,
                    req.now,
                    authority,
                )
            } else if fam == "graph" {
                graph::error(429, "TooManyRequests", "Too many requests.", req)
            } else {
                Reply::json(
                    429,
                    &json!({"error": {"code": "TooManyRequests", "message": "The request was throttled. Retry after the number of seconds in the Retry-After header."}}),
                )
            };
            r.status = 429;
            r.header("Retry-After", retry.unwrap_or(5).to_string())
        }
        "error" => {
            let status = f.status.unwrap_or(503);
            let mut r = if fam == "token" {
                let mut e = aad_error::transient();
                e.status = status;
                token_endpoint::error_reply(&e, &trace, &corr, req.now, authority)
            } else if fam == "graph" {
                graph::error(
                    status,
                    if status == 503 {
                        "serviceNotAvailable"
                    } else {
                        "generalException"
                    },
                    "The service is temporarily unavailable. Please retry later.",
                    req,
                )
            } else {
                Reply::json(
                    status,
                    &json!({"error": {"code": if status == 503 { "ServiceUnavailable" } else { "InternalServerError" }, "message": "The server encountered an internal error. Please retry the request."}}),
                )
            };
            if let Some(s) = retry {
                r = r.header("Retry-After", s.to_string());
            }
            r
        }
        "html" => {
            let status = f.status.unwrap_or(502);
            let reason = match status {
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Time-out",
                _ => "Error",
            };
            Reply::html(
                status,
                &format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>corporate-proxy</center>\r\n</body>\r\n</html>\r\n"),
            )
        }
        "reset" => {
            let mut r = Reply::empty(200);
            r.broken = Broken::Reset;
            r
        }
        _ => return None,
    };
    r = r.header("x-ms-request-id", trace);
    Some(r)
}

/// Routes, turning a panic in an endpoint (a simulator bug) into a 500 rather than a dropped
/// connection.
fn route(sim: &Sim, req: &Req, fam: &str) -> Reply {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route_inner(sim, req, fam)))
        .unwrap_or_else(|_| {
            Reply::json(
                500,
                &json!({"error": {"code": "InternalServerError", "message": "authcheck sim: internal error (a bug in the simulator)."}}),
            )
        })
}

fn route_inner(sim: &Sim, req: &Req, fam: &str) -> Reply {
    let w = &sim.world;
    // Another cloud's authority: `/cloud/{key}/…`. The tenant's own cloud is the root, and
    // `/cloud/{own key}/…` is the same authority.
    if let Some(rest) = req.path.strip_prefix("/cloud/") {
        let (key, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let tail = format!("/{tail}");
        if key.eq_ignore_ascii_case(&w.scenario.tenant.cloud) {
            let inner = Req {
                path: tail.clone(),
                ..req.clone()
            };
            return route_inner(sim, &inner, family(&tail));
        }
        return match authcheck_model::knowledge::clouds::by_key(key) {
            Some(c) if c.key == key => other_cloud(sim, req, c, &tail),
            _ => not_found(),
        };
    }
    let authority = &sim.info.authority;
    let strip = |prefix: &str| req.path[prefix.len()..].to_string();
    match fam {
        "graph" => graph::handle(sim, req, &strip("/graph")),
        "arm" => arm::handle(sim, req, &strip("/arm")),
        "purview" => dataplane::purview(sim, req, &strip("/purview")),
        "powerplatform" => dataplane::powerplatform(sim, req, &strip("/powerplatform")),
        "loganalytics" => dataplane::loganalytics(sim, req, &strip("/loganalytics")),
        "appinsights" => dataplane::appinsights(sim, req, &strip("/appinsights")),
        "monitoring" => dataplane::metrics(sim, req, &strip("/monitoring")),
        "logsingestion" => dataplane::logs_ingestion(sim, req, &strip("/logsingestion")),
        // msal-node and @azure/identity ask with a trailing slash when the pod identity host is set.
        "imds"
            if matches!(
                req.path.as_str(),
                "/metadata/identity/oauth2/token" | "/metadata/identity/oauth2/token/"
            ) =>
        {
            imds::handle(sim, req)
        }
        "imds" => not_found(),
        "federation" => match req.path.as_str() {
            "/federation/.well-known/openid-configuration" => {
                tokens::federation_discovery(authority)
            }
            "/federation/keys" => Reply::json(200, &json!({"keys": [w.federation.jwk(None)]})),
            _ => not_found(),
        },
        _ => {
            let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
            let tenant = segs.first().copied().unwrap_or("");
            let rest = segs.get(1..).map(|s| s.join("/")).unwrap_or_default();
            let known_tenant = w.is_this_tenant(tenant)
                || matches!(
                    tenant.to_ascii_lowercase().as_str(),
                    "common" | "organizations"
                );
            match rest.as_str() {
                "oauth2/token" => token_endpoint::handle(sim, req, tenant, false),
                "oauth2/v2.0/token" => token_endpoint::handle(sim, req, tenant, true),
                "oauth2/v2.0/authorize" => authorize::handle(sim, req, tenant, true),
                "oauth2/authorize" => authorize::handle(sim, req, tenant, false),
                "oauth2/v2.0/devicecode" => device_code::devicecode(sim, req, tenant, true),
                "oauth2/devicecode" => device_code::devicecode(sim, req, tenant, false),
                "oauth2/deviceauth" => device_code::enter_code(sim, req),
                "login" => signin::post_step(sim, req),
                "" if tenant == "devicelogin" => device_code::verification_page(sim, req),
                "v2.0/.well-known/openid-configuration" | ".well-known/openid-configuration" => {
                    if !known_tenant {
                        return discovery_tenant_error(sim, req, tenant);
                    }
                    tokens::discovery(authority, tenant, w, rest.starts_with("v2.0"))
                }
                "discovery/v2.0/keys" | "discovery/keys" => {
                    if !known_tenant {
                        return discovery_tenant_error(sim, req, tenant);
                    }
                    tokens::jwks(authority, w, rest.starts_with("discovery/v2.0"))
                }
                _ if req.path == "/discovery/keys" => tokens::jwks(authority, w, false),
                r if tenant.eq_ignore_ascii_case("common") && r.starts_with("userrealm/") => {
                    user_realm(w, &r["userrealm/".len()..])
                }
                _ => not_found(),
            }
        }
    }
}

/// Another cloud's authority, as the scenario's tenant sees it: a separate directory that holds
/// neither the tenant nor its apps. Entra's national clouds authenticate separately, each with its
/// own endpoints (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud),
/// and AADSTS90002 is the answer for a tenant it does not hold, "often because a cross-cloud app
/// was used against the wrong cloud" (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
/// Its discovery of `common`/`organizations` answers, naming that cloud.
fn other_cloud(
    sim: &Sim,
    req: &Req,
    cloud: &authcheck_model::knowledge::clouds::Cloud,
    path: &str,
) -> Reply {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let tenant = segs.first().copied().unwrap_or("");
    let rest = segs.get(1..).map(|s| s.join("/")).unwrap_or_default();
    let multi = matches!(
        tenant.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    );
    let here = format!(
        "{}/cloud/{}",
        sim.info.authority.trim_end_matches('/'),
        cloud.key
    );
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = req.correlation_id();
    let refuse =
        |err: &aad_error::AadError| token_endpoint::error_reply(err, &trace, &corr, req.now, &here);
    match rest.as_str() {
        "v2.0/.well-known/openid-configuration" | ".well-known/openid-configuration" if multi => {
            tokens::discovery_in(
                &here,
                tenant,
                &sim.world,
                rest.starts_with("v2.0"),
                cloud,
                None,
            )
        }
        "v2.0/.well-known/openid-configuration" | ".well-known/openid-configuration" => {
            discovery_tenant_error(sim, req, tenant)
        }
        "oauth2/token" | "oauth2/v2.0/token" | "oauth2/devicecode" | "oauth2/v2.0/devicecode" => {
            if multi {
                let form = req.form();
                let id = form.get("client_id").cloned().unwrap_or_default();
                refuse(&aad_error::app_not_found(&id, cloud.display_name))
            } else {
                refuse(&aad_error::tenant_not_found(tenant))
            }
        }
        _ => not_found(),
    }
}

/// Home realm discovery (MSAL asks it before ROPC): managed for the tenant's own domain.
fn user_realm(w: &super::world::World, username: &str) -> Reply {
    let domain = username.rsplit('@').next().unwrap_or("");
    let ours = domain.eq_ignore_ascii_case(&w.scenario.tenant.domain);
    Reply::json(
        200,
        &json!({
            "ver": "1.0",
            "account_type": if ours { "Managed" } else { "Unknown" },
            "domain_name": domain,
            "cloud_instance_name": w.cloud().instance_name,
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
    )
}

fn discovery_tenant_error(sim: &Sim, req: &Req, tenant: &str) -> Reply {
    let e = aad_error::tenant_not_found(tenant);
    let mut body = e.body(
        &uuid::Uuid::new_v4().to_string(),
        &req.correlation_id(),
        req.now,
        &sim.info.authority,
    );
    // Discovery names the failure `invalid_tenant`.
    body["error"] = json!("invalid_tenant");
    Reply::json(400, &body)
}

fn not_found() -> Reply {
    Reply::json(
        404,
        &json!({"error": {"code": "NotFound", "message": "The simulator has no such endpoint."}}),
    )
}

fn to_response(reply: Reply) -> hyper::Response<Body> {
    let len = reply.body.len();
    let body = match reply.broken {
        Broken::No => Body::from(reply.body),
        Broken::Reset => {
            // An error before any byte makes hyper drop the connection without a response.
            let s = futures_util::stream::iter(vec![Err::<Bytes, std::io::Error>(
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: reset"),
            )]);
            Body::from_stream(s)
        }
        Broken::Truncate => {
            // Send half, let hyper flush it (the stream is pending for a moment), then fail so
            // the connection closes short of the announced length.
            let half = Bytes::from(reply.body[..len / 2].to_vec());
            let s = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                        1 => {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionReset,
                                    "fault: truncated",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            Body::from_stream(s)
        }
    };
    let mut b = hyper::Response::builder().status(reply.status);
    b = b.header("content-type", reply.content_type);
    if reply.broken == Broken::Truncate {
        b = b.header("content-length", len.to_string());
    }
    for (k, v) in &reply.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(body).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(Body::from("simulator: bad response header"));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
