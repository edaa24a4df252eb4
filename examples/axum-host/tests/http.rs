//! The host over real HTTP on loopback: the app runs in-process on
//! 127.0.0.1:0, requests go through a TCP socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum_host::client::{self, Response};
use axum_host::{Config, Host, LogNotifier, ReceiptBody, ReplyBody};
use serde_json::{Value, json};
use supportdesk::notification::{Notification, NotificationKind};
use supportdesk::port::{AsyncNotifier, AsyncTicketStore, BoxFuture, NotifyError};

const TENANT: &str = "00000000-0000-0000-0000-000000000001";
const AGENT: &str = "00000000-0000-0000-0000-000000000007";

/// How long a condition may take before the test gives up: a bound so a
/// broken host fails the test instead of hanging it, not a speed target.
const PATIENCE: Duration = Duration::from_secs(60);

/// Records notifications; refuses them (transport down) until `up`.
#[derive(Debug, Default)]
struct SwitchedNotifier {
    up: AtomicBool,
    log: LogNotifier,
}

impl AsyncNotifier for SwitchedNotifier {
    fn notify<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            if !self.up.load(Ordering::SeqCst) {
                return Err(NotifyError::Unavailable {
                    reason: "transport down (test)".into(),
                });
            }
            self.log.notify(n).await
        })
    }
}

fn config(first_reply: Option<Duration>) -> Config {
    Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        poll: Duration::from_millis(20),
        batch: 100,
        first_reply,
        smoke: false,
    }
}

async fn post(addr: SocketAddr, path: &str, body: &str) -> Response {
    let r = client::request(addr, "POST", path, Some(body)).await;
    r.unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

async fn get(addr: SocketAddr, path: &str) -> Response {
    let r = client::request(addr, "GET", path, None).await;
    r.unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn json_of<T: serde::de::DeserializeOwned>(r: &Response) -> T {
    r.json().unwrap_or_else(|e| panic!("{e}"))
}

/// Waits (bounded by [`PATIENCE`]) until `done` holds.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !done().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "gave up waiting: {what}");
}

fn inbound(external_id: &str) -> String {
    json!({
        "from": {"kind": "email", "address": "Ana@Example.com"},
        "channel": "email",
        "subject": "Order 1042",
        "body": "Where is my order?",
        "external_id": external_id,
        "name": "Ana",
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_desk_over_http_and_dispatches_the_outbox_in_the_background() {
    let notifier = Arc::new(SwitchedNotifier::default());
    let host = Host::start(&config(None), notifier.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = host.addr();

    // A new message opens a ticket: 201. The transport is down, so its
    // notifications wait in the outbox.
    let first = post(
        addr,
        &format!("/tenants/{TENANT}/inbound"),
        &inbound("<m1@mail>"),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.content_type.as_deref(), Some("application/json"));
    let receipt: ReceiptBody = json_of(&first);
    assert!(receipt.opened && !receipt.duplicate);
    assert_eq!(receipt.delivered, 0);
    assert_eq!(
        receipt.pending, 2,
        "the acknowledgement and the team's alert"
    );

    // The channel delivers it again: 200, recorded once.
    let again = post(
        addr,
        &format!("/tenants/{TENANT}/inbound"),
        &inbound("<m1@mail>"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let dup: ReceiptBody = json_of(&again);
    assert!(dup.duplicate && !dup.opened);
    assert_eq!(
        (dup.ticket, dup.message, dup.customer),
        (receipt.ticket, receipt.message, receipt.customer)
    );

    let ticket_path = format!("/tenants/{TENANT}/tickets/{}", receipt.ticket);
    let before: Value = json_of(&get(addr, &ticket_path).await);
    assert_eq!(before["status"], "new");

    // An agent replies: 200, the ticket is open now.
    let replied = post(
        addr,
        &format!("{ticket_path}/replies"),
        &json!({"agent": AGENT, "body": "It ships today."}).to_string(),
    )
    .await;
    assert_eq!(replied.status, 200, "{}", replied.body);
    let reply: ReplyBody = json_of(&replied);
    assert_eq!(reply.ticket, receipt.ticket);
    assert_eq!(serde_json::to_value(reply.status).ok(), Some(json!("open")));
    assert!(Some(reply.version) > before["version"].as_u64(), "{before}");
    assert_eq!(reply.pending, 1);

    // The ticket as JSON: both messages, customer first.
    let read = get(addr, &ticket_path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let ticket: Value = json_of(&read);
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["version"].as_u64(), Some(reply.version));
    let messages = ticket["messages"].as_array().map(Vec::len);
    assert_eq!(messages, Some(2), "{ticket}");
    assert_eq!(ticket["messages"][1]["body"], "It ships today.");

    // Errors: JSON bodies with the status the brief names.
    let unknown = format!("/tenants/{TENANT}/tickets/00000000-0000-0000-0000-00000000beef");
    let missing = get(addr, &unknown).await;
    assert_eq!(missing.status, 404);
    let err: Value = json_of(&missing);
    assert_eq!(
        err["error"],
        "ticket 00000000-0000-0000-0000-00000000beef not found"
    );
    let reply_missing = post(
        addr,
        &format!("{unknown}/replies"),
        &json!({"agent": AGENT, "body": "hi"}).to_string(),
    )
    .await;
    assert_eq!(reply_missing.status, 404, "{}", reply_missing.body);

    let bad = post(
        addr,
        &format!("/tenants/{TENANT}/inbound"),
        r#"{"from": {"kind": "email","#,
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let err: Value = json_of(&bad);
    assert!(
        err["error"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );

    let bad_address = inbound("<m2@mail>").replace("Ana@Example.com", "not an address");
    let refused = post(addr, &format!("/tenants/{TENANT}/inbound"), &bad_address).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("not an address"), "{}", refused.body);

    let empty = post(
        addr,
        &format!("{ticket_path}/replies"),
        &json!({"agent": AGENT, "body": "  "}).to_string(),
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(
        json_of::<Value>(&empty)["error"]
            .as_str()
            .is_some_and(|m| m.contains("empty")),
        "{}",
        empty.body
    );

    let not_uuid = get(addr, &format!("/tenants/{TENANT}/tickets/42")).await;
    assert_eq!(not_uuid.status, 400, "{}", not_uuid.body);
    assert_eq!(get(addr, "/nowhere").await.status, 404);

    // Nothing was delivered while the transport was down; once it is up,
    // the background task empties the outbox (no request does it).
    assert_eq!(notifier.log.count(), 0);
    let store = Arc::clone(host.desk().store());
    assert_eq!(store.undelivered(100).await.map(|u| u.len()).ok(), Some(3));
    notifier.up.store(true, Ordering::SeqCst);
    eventually("the background task delivers the outbox", async || {
        store.undelivered(100).await.is_ok_and(|u| u.is_empty())
    })
    .await;
    let mut kinds: Vec<NotificationKind> = notifier.log.recent().iter().map(|n| n.kind).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        kinds,
        [
            NotificationKind::AgentReplied,
            NotificationKind::NewTicket,
            NotificationKind::TicketReceived
        ]
    );

    host.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        client::request(addr, "GET", &ticket_path, None)
            .await
            .is_err(),
        "still serving after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_raises_sla_alerts() {
    let notifier = Arc::new(LogNotifier::quiet());
    let host = Host::start(&config(Some(Duration::from_secs(1))), notifier.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = host.addr();
    let r = post(
        addr,
        &format!("/tenants/{TENANT}/inbound"),
        &inbound("<sla@mail>"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let receipt: ReceiptBody = json_of(&r);

    // Nobody answers within the one-second first-reply target: the sweep
    // reports the breach to the team.
    let breached =
        |n: &Notification| n.kind == NotificationKind::SlaBreach && n.ticket == receipt.ticket;
    eventually("the sweep raises the breach", async || {
        notifier.recent().iter().any(breached)
    })
    .await;
    // (The 75% warning rounds up to the whole second of the deadline, so
    // the breach comes alone: a warning is not raised with its breach.)
    let ticket: Value = json_of(
        &get(
            addr,
            &format!("/tenants/{TENANT}/tickets/{}", receipt.ticket),
        )
        .await,
    );
    assert_eq!(
        ticket["sla_alerts"].as_array().map(Vec::len),
        Some(1),
        "{ticket}"
    );
    // Raised once: later passes find nothing new.
    assert!(host.desk().next_wakeup().await.is_ok_and(|w| w.is_none()));

    host.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}
