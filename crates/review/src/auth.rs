//! Who may talk to the server, and from where.
//!
//! - Every request carries the token: `?token=` on the first page load
//!   (answered with a redirect that moves it into an HttpOnly, SameSite=Strict
//!   cookie), then the cookie or the `X-Autocode-Token` header.
//! - State-changing requests need the token in the `X-Autocode-Token` header
//!   (a cross-site form or image cannot set it, and a cross-site fetch with a
//!   custom header needs a CORS preflight this server never answers), an
//!   `Origin` that matches `Host` when present, and no `Sec-Fetch-Site:
//!   cross-site`.
//! - On a loopback address the `Host` must name loopback, which defeats DNS
//!   rebinding.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::Shared;

pub const TOKEN_HEADER: &str = "x-autocode-token";

fn cookie_name(st: &Shared) -> String {
    // Cookies ignore ports; naming it by port keeps two servers on one host apart.
    format!("autocode_token_{}", st.addr.port())
}

fn token_matches(st: &Shared, given: &str) -> bool {
    given.as_bytes().ct_eq(st.cfg.token.as_bytes()).into()
}

/// A refusal carries the same security headers as every other answer.
fn refuse(status: StatusCode, why: &str) -> Response {
    secure(
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{why}\n"),
        )
            .into_response(),
    )
}

fn query_token(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "token").then(|| v.to_string())
    })
}

fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn loopback_host(host: &str, port: u16) -> bool {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| host == format!("{h}:{port}"))
}

pub async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let host = header_str(&headers, "host").unwrap_or("").to_string();
    if st.addr.ip().is_loopback() && !loopback_host(&host, st.addr.port()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "refused: the Host header does not name this loopback server",
        );
    }
    let cookie = cookie_name(&st);

    // First load: move the token from the URL into a cookie, and drop it from
    // the address bar so it does not linger in history.
    if let Some(t) = query_token(&req) {
        if req.method() == Method::GET && token_matches(&st, &t) {
            let cookie_value = format!("{cookie}={t}; Path=/; HttpOnly; SameSite=Strict");
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::SEE_OTHER;
            let path = req.uri().path().to_string();
            if let Ok(v) = HeaderValue::from_str(&path) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            if let Ok(v) = HeaderValue::from_str(&cookie_value) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            return secure(resp);
        }
        // A right token in the URL of anything but a page load: say what is
        // missing instead of calling the token wrong.
        if token_matches(&st, &t) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "refused: a token in the URL only opens the page; API requests need the X-Autocode-Token header",
            );
        }
        return refuse(StatusCode::UNAUTHORIZED, "refused: wrong token");
    }

    let header_token = header_str(&headers, TOKEN_HEADER).map(str::to_string);
    let given = header_token
        .clone()
        .or_else(|| cookie_token(&headers, &cookie));
    match given {
        Some(t) if token_matches(&st, &t) => {}
        Some(_) => return refuse(StatusCode::UNAUTHORIZED, "refused: wrong token"),
        None => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "refused: no token. Open the URL that `autocode review` printed (it ends in ?token=...)",
            )
        }
    }

    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe {
        if !header_token.is_some_and(|t| token_matches(&st, &t)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: state-changing requests need the X-Autocode-Token header",
            );
        }
        if let Some(origin) = header_str(&headers, "origin") {
            if origin != format!("http://{host}") {
                return refuse(StatusCode::FORBIDDEN, "refused: cross-origin request");
            }
        }
        if header_str(&headers, "sec-fetch-site") == Some("cross-site") {
            return refuse(StatusCode::FORBIDDEN, "refused: cross-site request");
        }
    }
    secure(next.run(req).await)
}

/// Headers that keep the page from running anything but its own script.
fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
