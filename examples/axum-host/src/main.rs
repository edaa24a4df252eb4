//! The axum host's command line. `cargo run -p axum-host` listens on
//! 127.0.0.1:3000 (or `--addr`, `--port`, `$SUPPORTDESK_ADDR`) until Ctrl-C
//! or SIGTERM; `--smoke` starts on a free port, sends itself one inbound
//! message and one read over HTTP, and stops (CI runs it).

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;

use axum_host::{Config, Host, LogNotifier, ReceiptBody, USAGE, client};

#[tokio::main]
async fn main() -> ExitCode {
    let env = std::env::var("SUPPORTDESK_ADDR").ok();
    let config = match Config::from_args(std::env::args().skip(1), env.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("axum-host: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let run = if config.smoke {
        smoke(&config).await
    } else {
        serve(&config).await
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum-host: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, then shuts down gracefully.
async fn serve(config: &Config) -> Result<(), Box<dyn Error>> {
    let host = Host::start(config, Arc::new(LogNotifier::new())).await?;
    println!("supportdesk axum host listening on http://{}", host.addr());
    stop_requested().await;
    println!("shutting down");
    host.shutdown().await?;
    Ok(())
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
async fn stop_requested() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("axum-host: cannot listen for Ctrl-C ({e}); stop it with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                eprintln!("axum-host: cannot listen for SIGTERM ({e}); stop it with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Starts, receives one message and reads its ticket over HTTP, checks the
/// answers, stops.
async fn smoke(config: &Config) -> Result<(), Box<dyn Error>> {
    let notifier = Arc::new(LogNotifier::new());
    let host = Host::start(config, notifier.clone()).await?;
    let addr = host.addr();
    let tenant = "00000000-0000-0000-0000-000000000001";
    let sent = client::request(
        addr,
        "POST",
        &format!("/tenants/{tenant}/inbound"),
        Some(
            r#"{"from": {"kind": "email", "address": "smoke@example.com"}, "channel": "email",
                "body": "Smoke test: is anyone there?", "external_id": "<smoke@ci>"}"#,
        ),
    )
    .await?;
    if sent.status != 201 {
        return Err(format!("POST inbound answered {}: {}", sent.status, sent.body).into());
    }
    let receipt: ReceiptBody = sent.json()?;
    let read = client::request(
        addr,
        "GET",
        &format!("/tenants/{tenant}/tickets/{}", receipt.ticket),
        None,
    )
    .await?;
    if read.status != 200 {
        return Err(format!("GET ticket answered {}: {}", read.status, read.body).into());
    }
    host.shutdown().await?;
    println!(
        "smoke ok: http://{addr} opened ticket {} ({} notification(s) sent), read it back",
        receipt.ticket,
        notifier.count()
    );
    Ok(())
}
