//! An axum host for supportdesk's [`AsyncDesk`]: the HTTP face of a support
//! desk over the in-memory store, with a background task that dispatches
//! the outbox and sweeps due SLA alerts.
//!
//! Routes (tenants and tickets are UUIDs; every error body is
//! `{"error": "..."}`):
//!
//! | route | does | answers |
//! |---|---|---|
//! | `POST /tenants/{tenant}/inbound` | [`AsyncDesk::receive`] an [`InboundRequest`] | 201 with a [`ReceiptBody`]; 200 with `duplicate: true` on redelivery |
//! | `POST /tenants/{tenant}/tickets/{ticket}/replies` | an agent's public reply ([`ReplyRequest`]) | 200 with a [`ReplyBody`] |
//! | `GET /tenants/{tenant}/tickets/{ticket}` | the [`Ticket`](supportdesk::Ticket) as JSON | 200, or 404 |
//!
//! Start it with [`Host::start`]; `src/main.rs` is the command line around
//! it, and `tests/http.rs` drives it over loopback HTTP.

#![deny(missing_docs)]

mod api;
pub mod client;
mod config;
mod notifier;
mod worker;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use supportdesk::port::{AsyncNotifier, SystemClock};
use supportdesk::sla::{
    Calendars, EscalateTo, EscalationStep, MetricDef, PolicySet, SlaError, SlaPolicy, Target,
    TimeBasis, Trigger, WarnAt,
};
use supportdesk::{AsyncDesk, InMemoryStore, Priority};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use api::{ApiError, InboundRequest, ReceiptBody, ReplyBody, ReplyRequest, router};
pub use config::{Config, ConfigError, USAGE};
pub use notifier::LogNotifier;
pub use worker::{Pass, background, backoff, pass};

/// The desk this host serves: async ports over the in-memory store (shared,
/// so the host can look at it), any [`AsyncNotifier`], the system clock.
pub type HostDesk = AsyncDesk<Arc<InMemoryStore>, Arc<dyn AsyncNotifier>, SystemClock>;

/// Starting, serving or stopping the host failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The command line or environment was wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The SLA policy was refused.
    #[error("SLA policy with a first-reply target of {seconds} s refused: {source}")]
    Sla {
        /// The target asked for.
        seconds: u64,
        /// Why.
        source: SlaError,
    },
    /// The SLA target does not fit in the policy's seconds.
    #[error("a first-reply target of {seconds} s is too long")]
    SlaTooLong {
        /// The target asked for.
        seconds: u64,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The server stopped with an error.
    #[error("the HTTP server failed: {0}")]
    Serve(#[source] io::Error),
    /// A task of the host panicked or was cancelled.
    #[error("the {task} task did not finish cleanly: {message}")]
    Task {
        /// `"server"` or `"background"`.
        task: &'static str,
        /// The join error.
        message: String,
    },
}

/// An SLA policy for every ticket: a first reply within `target` (calendar
/// time, every priority), a warning to the ticket's owner at 75% of it and
/// a breach alert to the owner and the team.
///
/// # Errors
/// [`HostError::Sla`] when the policy does not validate (a target under a
/// second), [`HostError::SlaTooLong`] for one too long to count in seconds.
pub fn first_reply_sla(target: Duration) -> Result<(PolicySet, Calendars), HostError> {
    let seconds = target.as_secs();
    let refused = |source| HostError::Sla { seconds, source };
    let whole = i64::try_from(seconds).map_err(|_| HostError::SlaTooLong { seconds })?;
    let policy = SlaPolicy {
        id: "first-reply".into(),
        version: 1,
        name: "First reply".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets: Priority::ALL
            .into_iter()
            .map(|priority| Target {
                metric: "first_reply".into(),
                priority,
                channel: None,
                seconds: whole,
                basis: TimeBasis::Calendar,
            })
            .collect(),
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![
            EscalationStep {
                trigger: Trigger::Warning(0),
                level: 1,
                notify: EscalateTo::Owner,
            },
            EscalationStep {
                trigger: Trigger::Breach,
                level: 2,
                notify: EscalateTo::Team,
            },
        ],
    };
    let calendars = Calendars::new();
    let policies = PolicySet::new(policy);
    policies.validate(&calendars).map_err(refused)?;
    Ok((policies, calendars))
}

/// Builds the desk: in-memory store, `notifier`, system clock, tokio's
/// sleep for retry back-off, and the first-reply SLA when `config` asks for
/// one.
///
/// # Errors
/// [`HostError::Sla`] when the SLA policy is refused.
pub fn desk(config: &Config, notifier: Arc<dyn AsyncNotifier>) -> Result<HostDesk, HostError> {
    let desk = AsyncDesk::new(Arc::new(InMemoryStore::new()), notifier, SystemClock)
        .with_sleep(tokio::time::sleep);
    match config.first_reply {
        None => Ok(desk),
        Some(target) => {
            let (policies, calendars) = first_reply_sla(target)?;
            desk.with_sla(policies, calendars)
                .map_err(|source| HostError::Sla {
                    seconds: target.as_secs(),
                    source,
                })
        }
    }
}

/// A running host: the HTTP server and the background task, until
/// [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct Host {
    addr: SocketAddr,
    desk: Arc<HostDesk>,
    stop: watch::Sender<bool>,
    server: JoinHandle<io::Result<()>>,
    worker: JoinHandle<()>,
}

impl Host {
    /// Binds `config.addr` (port 0 picks a free one), then serves the
    /// [`router`] and runs the [`background`] task on the current tokio
    /// runtime.
    ///
    /// # Errors
    /// [`HostError::Sla`] for a refused SLA policy, [`HostError::Bind`] when
    /// the address cannot be bound.
    pub async fn start(
        config: &Config,
        notifier: Arc<dyn AsyncNotifier>,
    ) -> Result<Host, HostError> {
        let desk = Arc::new(desk(config, notifier)?);
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| HostError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HostError::Bind {
            addr: config.addr,
            source,
        })?;
        let (stop, stopped) = watch::channel(false);
        let mut server_stop = stopped.clone();
        let app = router(Arc::clone(&desk));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // Either a stop or the sender gone: both mean stop.
                    let _ = server_stop.wait_for(|s| *s).await;
                })
                .await
        });
        let worker = tokio::spawn(background(
            Arc::clone(&desk),
            config.poll,
            config.batch,
            stopped,
        ));
        Ok(Host {
            addr,
            desk,
            stop,
            server,
            worker,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The desk it serves.
    pub fn desk(&self) -> &Arc<HostDesk> {
        &self.desk
    }

    /// Stops accepting connections, lets requests in flight finish, stops
    /// the background task, and waits for both.
    ///
    /// # Errors
    /// [`HostError::Serve`] when the server had failed, [`HostError::Task`]
    /// when a task panicked.
    pub async fn shutdown(self) -> Result<(), HostError> {
        // Receivers may be gone already (a task ended): nothing to tell.
        let _ = self.stop.send(true);
        let served = self.server.await.map_err(|e| HostError::Task {
            task: "server",
            message: e.to_string(),
        })?;
        self.worker.await.map_err(|e| HostError::Task {
            task: "background",
            message: e.to_string(),
        })?;
        served.map_err(HostError::Serve)
    }
}
