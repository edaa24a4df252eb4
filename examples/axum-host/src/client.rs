//! A minimal HTTP/1.1 client over `tokio::net::TcpStream`, enough for the
//! host's smoke check and its loopback tests (one request per connection,
//! `Connection: close`, JSON bodies with a `Content-Length`). It keeps the
//! example's build to axum and tokio; a real client of the host would use
//! any HTTP library.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest one request may take before it is abandoned: a bound that
/// keeps a broken server from hanging the caller, not a speed target.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connecting, writing or reading failed.
    #[error("{method} {path}: {source}")]
    Io {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// No answer within [`TIMEOUT`].
    #[error("{method} {path}: no answer within {TIMEOUT:?}")]
    TimedOut {
        /// The method.
        method: String,
        /// The path.
        path: String,
    },
    /// The answer is not an HTTP/1.1 response this client reads.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The body is not the JSON expected.
    #[error("response body {body:?} is not the JSON expected: {source}")]
    Json {
        /// The body.
        body: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
}

impl Response {
    /// The body as JSON.
    ///
    /// # Errors
    /// [`ClientError::Json`] with the body when it does not deserialize.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_str(&self.body).map_err(|source| ClientError::Json {
            body: self.body.clone(),
            source,
        })
    }
}

/// Sends `method path` to `addr` with an optional JSON `body` and reads the
/// whole response.
///
/// # Errors
/// [`ClientError`]: I/O, no answer within [`TIMEOUT`], or a response that
/// does not parse.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Response, ClientError> {
    let io_err = |source| ClientError::Io {
        method: method.to_owned(),
        path: path.to_owned(),
        source,
    };
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.map_err(io_err)?;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.map_err(io_err)?;
        if let Some(b) = body {
            stream.write_all(b.as_bytes()).await.map_err(io_err)?;
        }
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.map_err(io_err)?;
        parse(&raw)
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| ClientError::TimedOut {
            method: method.to_owned(),
            path: path.to_owned(),
        })?
}

/// Reads a complete HTTP/1.1 response.
fn parse(raw: &[u8]) -> Result<Response, ClientError> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            ClientError::Malformed(format!("no end of headers in {} bytes", raw.len()))
        })?;
    let head = std::str::from_utf8(&raw[..split])
        .map_err(|e| ClientError::Malformed(format!("headers are not UTF-8: {e}")))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| ClientError::Malformed(format!("status line {status_line:?}")))?;
    let mut length = None;
    let mut content_type = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ClientError::Malformed(format!("header line {line:?}")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length =
                    Some(value.parse::<usize>().map_err(|_| {
                        ClientError::Malformed(format!("content-length {value:?}"))
                    })?);
            }
            "content-type" => content_type = Some(value.to_owned()),
            "transfer-encoding" => {
                return Err(ClientError::Malformed(format!(
                    "transfer-encoding {value:?} is not read by this client"
                )));
            }
            _ => {}
        }
    }
    let rest = &raw[split + 4..];
    let body = match length {
        Some(n) => rest.get(..n).ok_or_else(|| {
            ClientError::Malformed(format!("body of {} bytes, content-length {n}", rest.len()))
        })?,
        None => rest,
    };
    let body = String::from_utf8(body.to_vec())
        .map_err(|e| ClientError::Malformed(format!("body is not UTF-8: {e}")))?;
    Ok(Response {
        status,
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_response_with_a_length() {
        let raw = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        let r = parse(raw).map_err(|e| e.to_string());
        assert_eq!(
            r,
            Ok(Response {
                status: 201,
                content_type: Some("application/json".into()),
                body: "{}".into()
            })
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\n"),
            Err(ClientError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 OK\r\n\r\n"),
            Err(ClientError::Malformed(m)) if m.contains("status line")
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"),
            Err(ClientError::Malformed(m)) if m.contains("chunked")
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{}"),
            Err(ClientError::Malformed(m)) if m.contains("content-length 9")
        ));
    }
}
