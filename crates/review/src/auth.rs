//! Who may talk to the server, and from where.
//!
//! - Every request carries the token: `?token=` (percent-encoded) on the first page load
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

/// The `token` query parameter, percent-decoded (the printed URL encodes
/// it, so a token like `a b&x#y` survives the address bar).
fn query_token(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "token").then(|| percent_decode(v))
    })
}

/// `s` with every byte outside the URL-safe set (`A-Z a-z 0-9 - . _ ~`)
/// written as `%XX`: the token in the printed URL and in the cookie.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`percent_encode`] (and any other `%XX`); a `%` not followed by
/// two hex digits stays as it is, and `+` stays `+` (a token may hold one).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| percent_decode(v))
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
            // Encoded: a cookie value cannot hold spaces, `;` or `,`.
            let cookie_value = format!(
                "{cookie}={}; Path=/; HttpOnly; SameSite=Strict",
                percent_encode(&t)
            );
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

#[cfg(test)]
mod tests {
    use super::{percent_decode, percent_encode};

    #[test]
    fn tokens_round_trip_through_percent_encoding() {
        for t in [
            "a b&x#y",
            "plain-token_0.9~",
            "100%;=+/?é",
            "%",
            "%4",
            "%zz",
        ] {
            assert_eq!(percent_decode(&percent_encode(t)), t, "{t}");
        }
        assert_eq!(percent_encode("a b&x#y"), "a%20b%26x%23y");
        assert_eq!(percent_decode("a%2bb+c%"), "a+b+c%");
    }
}
