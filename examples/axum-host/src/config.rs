//! The host's settings, from the command line and the environment.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The command-line usage, printed with a [`ConfigError`].
pub const USAGE: &str = "usage: axum-host [--addr HOST:PORT | --port PORT] [--poll-ms MS] [--batch N] [--first-reply-secs S] [--smoke]
  --addr HOST:PORT       where to listen (default: $SUPPORTDESK_ADDR, else 127.0.0.1:3000)
  --port PORT            listen on 127.0.0.1:PORT (0 picks a free port)
  --poll-ms MS           longest pause of the background task (default 1000)
  --batch N              outbox entries and due tickets per background pass (default 100)
  --first-reply-secs S   SLA: first reply within S seconds, 0 for no SLA (default 3600)
  --smoke                start on a free port (unless --addr/--port), serve one request to itself, stop";

/// The command line or the environment was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An option this host does not know.
    #[error("unknown option {0:?}")]
    Unknown(String),
    /// An option without its value.
    #[error("option {0} needs a value")]
    Missing(&'static str),
    /// A value that does not parse.
    #[error("bad value {value:?} for {option}: expected {expected}")]
    Bad {
        /// The option (or environment variable).
        option: &'static str,
        /// What was given.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
}

/// How the host runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// The longest the background task sleeps between passes (it wakes
    /// earlier for the next SLA deadline).
    pub poll: Duration,
    /// Outbox entries and due tickets handled per background pass.
    pub batch: usize,
    /// The first-reply SLA target, if any (see
    /// [`first_reply_sla`](crate::first_reply_sla)).
    pub first_reply: Option<Duration>,
    /// Serve one request to itself and stop (for CI).
    pub smoke: bool,
}

/// The default address: 127.0.0.1:3000.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: DEFAULT_ADDR,
            poll: Duration::from_secs(1),
            batch: 100,
            first_reply: Some(Duration::from_secs(3600)),
            smoke: false,
        }
    }
}

fn parse<T: std::str::FromStr>(
    option: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<T, ConfigError> {
    value.parse().map_err(|_| ConfigError::Bad {
        option,
        value: value.to_owned(),
        expected,
    })
}

impl Config {
    /// Reads the options (without the program name) and the value of
    /// `SUPPORTDESK_ADDR`, if set. `--addr` and `--port` win over the
    /// environment; `--smoke` without either listens on 127.0.0.1:0.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the option and the bad value.
    pub fn from_args<I>(args: I, env_addr: Option<&str>) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = String>,
    {
        let mut config = Config::default();
        let mut addr: Option<SocketAddr> = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |option: &'static str| args.next().ok_or(ConfigError::Missing(option));
            match arg.as_str() {
                "--addr" => {
                    let v = value("--addr")?;
                    addr = Some(parse("--addr", &v, "HOST:PORT, e.g. 127.0.0.1:3000")?);
                }
                "--port" => {
                    let v = value("--port")?;
                    let port: u16 = parse("--port", &v, "a port number 0-65535")?;
                    addr = Some(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port));
                }
                "--poll-ms" => {
                    let v = value("--poll-ms")?;
                    let ms: u64 = parse("--poll-ms", &v, "milliseconds, at least 1")?;
                    if ms == 0 {
                        return Err(ConfigError::Bad {
                            option: "--poll-ms",
                            value: v,
                            expected: "milliseconds, at least 1",
                        });
                    }
                    config.poll = Duration::from_millis(ms);
                }
                "--batch" => {
                    let v = value("--batch")?;
                    let n: usize = parse("--batch", &v, "a count, at least 1")?;
                    if n == 0 {
                        return Err(ConfigError::Bad {
                            option: "--batch",
                            value: v,
                            expected: "a count, at least 1",
                        });
                    }
                    config.batch = n;
                }
                "--first-reply-secs" => {
                    let v = value("--first-reply-secs")?;
                    let s: u64 = parse("--first-reply-secs", &v, "seconds (0 for no SLA)")?;
                    config.first_reply = (s > 0).then(|| Duration::from_secs(s));
                }
                "--smoke" => config.smoke = true,
                _ => return Err(ConfigError::Unknown(arg)),
            }
        }
        config.addr = match (addr, env_addr) {
            (Some(a), _) => a,
            (None, _) if config.smoke => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0),
            (None, Some(v)) => parse("SUPPORTDESK_ADDR", v, "HOST:PORT, e.g. 127.0.0.1:3000")?,
            (None, None) => DEFAULT_ADDR,
        };
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_and_environment() {
        assert_eq!(Config::from_args(args(&[]), None), Ok(Config::default()));
        let c = Config::from_args(args(&[]), Some("127.0.0.1:8080"));
        assert_eq!(c.map(|c| c.addr.port()), Ok(8080));
        let c = Config::from_args(args(&["--port", "0"]), Some("127.0.0.1:8080"));
        assert_eq!(c.map(|c| c.addr.port()), Ok(0));
        let c = Config::from_args(args(&["--smoke"]), None);
        assert_eq!(c.map(|c| (c.smoke, c.addr.port())), Ok((true, 0)));
        let c = Config::from_args(args(&["--first-reply-secs", "0", "--poll-ms", "50"]), None);
        assert_eq!(
            c.map(|c| (c.first_reply, c.poll)),
            Ok((None, Duration::from_millis(50)))
        );
    }

    #[test]
    fn errors_name_the_option_and_value() {
        let e = Config::from_args(args(&["--port", "http"]), None);
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("bad value \"http\" for --port: expected a port number 0-65535".to_owned())
        );
        assert_eq!(
            Config::from_args(args(&["--addr"]), None),
            Err(ConfigError::Missing("--addr"))
        );
        assert_eq!(
            Config::from_args(args(&["--verbose"]), None),
            Err(ConfigError::Unknown("--verbose".to_owned()))
        );
        assert!(matches!(
            Config::from_args(args(&["--poll-ms", "0"]), None),
            Err(ConfigError::Bad {
                option: "--poll-ms",
                ..
            })
        ));
        assert!(matches!(
            Config::from_args(args(&[]), Some("localhost")),
            Err(ConfigError::Bad {
                option: "SUPPORTDESK_ADDR",
                ..
            })
        ));
    }
}
