//! A tag spike's notice is queued and sent exactly once, through the outbox:
//! checking again, checking concurrently, or checking after a restart on the
//! same store sends nothing more, and a notice the notifier refused stays in
//! the outbox until `dispatch_outbox` delivers it. Through both drivers.

#[macro_use]
mod support;

use chrono::{DateTime, Duration, Utc};
use supportdesk::customer::Identity;
use supportdesk::id::TenantId;
use supportdesk::notification::{NotificationKind, Recipient};
use supportdesk::port::{Clock, TicketStore};
use supportdesk::store::SqliteStore;
use supportdesk::taxonomy::{PeriodKind, SpikeConfig, Taxonomy};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::{AutoTagger, Channel, InMemoryStore, Inbound, SpikeAlerts};

use support::Driver;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SHOP: TenantId = TenantId::from_u128(1);

fn taxonomy() -> Taxonomy {
    serde_json::from_str(include_str!("../examples/data/taxonomy.json"))
        .expect("the shipped taxonomy loads")
}

fn spike_alerts() -> SpikeAlerts {
    let cfg = SpikeConfig {
        period: PeriodKind::IsoWeek,
        baseline_periods: 4,
        min_count: 5,
        ..SpikeConfig::default()
    };
    SpikeAlerts::new(cfg, Recipient::Team)
}

fn start() -> DateTime<Utc> {
    "2026-01-05T09:00:00Z".parse().expect("an instant") // a Monday
}

/// Four quiet weeks (one declined card a week), then twelve declined cards
/// in one week: a spike of `payment/declined`.
fn seed<D: Driver<Clock = ManualClock>>(desk: &D) -> TestResult {
    let mut n = 0;
    let mut write = |body: &str| -> TestResult {
        n += 1;
        let who = Identity::email(&format!("c{n}@example.com"))?;
        desk.receive(SHOP, Inbound::new(who, Channel::Email, body))?;
        Ok(())
    };
    for _week in 0..4 {
        write("My card was declined")?;
        desk.clock().advance(Duration::weeks(1));
    }
    for _ in 0..12 {
        write("payment failed again")?;
        desk.clock().advance(Duration::hours(2));
    }
    Ok(())
}

fn spike_notices(n: &RecordingNotifier) -> usize {
    n.sent()
        .iter()
        .filter(|n| n.kind == NotificationKind::TagSpike)
        .count()
}

support::for_both_drivers! {

fn desk_on<S: StorePort>(
    store: S,
    now: DateTime<Utc>,
) -> Result<Driven<S, RecordingNotifier, ManualClock>, Box<dyn std::error::Error>> {
    let tax = taxonomy();
    Ok(drive(
        TheDesk::new(store, RecordingNotifier::new(), ManualClock::new(now))
            .with_ids(SequentialIds::new())
            .with_auto_tagger(AutoTagger::new(&tax)?)
            .with_taxonomy(tax)
            .with_spike_alerts(spike_alerts()),
    ))
}

#[test]
fn checking_twice_sends_the_notice_once() -> TestResult {
    let desk = desk_on(InMemoryStore::new(), start())?;
    seed(&desk)?;
    let first = desk.check_spikes(SHOP)?;
    assert_eq!(first.spikes.len(), 1, "{:?}", first.spikes);
    assert_eq!(first.delivery.delivered.len(), 1);
    let attempts = desk.notifier().attempts();
    let second = desk.check_spikes(SHOP)?;
    // The spike is still there, but its notice went out already.
    assert_eq!(second.spikes, first.spikes);
    assert!(second.delivery.delivered.is_empty() && second.delivery.pending.is_empty());
    assert_eq!(desk.notifier().attempts(), attempts);
    assert_eq!(spike_notices(desk.notifier()), 1);
    // Later in the same week, the same spike: still once.
    desk.clock().advance(Duration::hours(20));
    desk.check_spikes(SHOP)?;
    assert_eq!(spike_notices(desk.notifier()), 1);
    assert!(desk.store().undelivered(10)?.is_empty());
    Ok(())
}

#[test]
fn notify_spikes_called_by_the_host_twice_sends_once() -> TestResult {
    let desk = desk_on(InMemoryStore::new(), start())?;
    seed(&desk)?;
    let spikes = desk.check_spikes(SHOP)?.spikes;
    let again = desk.notify_spikes(SHOP, &spikes, &Recipient::Team)?;
    assert!(again.delivered.is_empty() && again.pending.is_empty());
    assert_eq!(spike_notices(desk.notifier()), 1);
    Ok(())
}

#[test]
fn a_new_desk_on_the_same_store_does_not_send_it_again() -> TestResult {
    let store = InMemoryStore::new();
    let first = desk_on(&store, start())?;
    seed(&first)?;
    first.check_spikes(SHOP)?;
    assert_eq!(spike_notices(first.notifier()), 1);
    let now = first.clock().now();
    drop(first);
    let restarted = desk_on(&store, now)?;
    let check = restarted.check_spikes(SHOP)?;
    assert_eq!(check.spikes.len(), 1);
    assert_eq!(spike_notices(restarted.notifier()), 0);
    Ok(())
}

#[test]
fn a_restart_on_the_same_sqlite_file_does_not_send_it_again() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("desk.db");
    let first = desk_on(port(SqliteStore::open(&path)?), start())?;
    seed(&first)?;
    first.check_spikes(SHOP)?;
    assert_eq!(spike_notices(first.notifier()), 1);
    let now = first.clock().now();
    drop(first);
    let restarted = desk_on(port(SqliteStore::open(&path)?), now)?;
    let check = restarted.check_spikes(SHOP)?;
    assert_eq!(check.spikes.len(), 1);
    assert_eq!(spike_notices(restarted.notifier()), 0);
    // Nothing waits in the outbox either.
    assert_eq!(restarted.dispatch_outbox(10)?, supportdesk::Delivery::default());
    assert_eq!(spike_notices(restarted.notifier()), 0);
    Ok(())
}

#[test]
fn concurrent_checks_send_it_once() -> TestResult {
    let desk = desk_on(InMemoryStore::new(), start())?;
    seed(&desk)?;
    let delivered: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| desk.check_spikes(SHOP).map(|c| c.delivery.delivered.len())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic").expect("a check"))
            .sum()
    });
    assert_eq!(delivered, 1);
    assert_eq!(spike_notices(desk.notifier()), 1);
    Ok(())
}

#[test]
fn a_failing_notifier_leaves_the_notice_in_the_outbox_for_dispatch() -> TestResult {
    let desk = desk_on(InMemoryStore::new(), start())?;
    seed(&desk)?;
    desk.notifier().set_failing(true);
    let first = desk.check_spikes(SHOP)?;
    assert!(first.delivery.delivered.is_empty());
    assert_eq!(first.delivery.pending.len(), 1);
    let id = first.delivery.pending[0].0;
    let queued = desk.store().undelivered(10)?;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].notification.id, id);
    assert_eq!(queued[0].attempts, 1);
    // Checking again neither drops it nor queues it twice; the outbox
    // retries it, not the check.
    desk.notifier().set_failing(false);
    let second = desk.check_spikes(SHOP)?;
    assert!(second.delivery.delivered.is_empty());
    assert_eq!(spike_notices(desk.notifier()), 0);
    assert_eq!(desk.store().undelivered(10)?.len(), 1);
    let d = desk.dispatch_outbox(10)?;
    assert_eq!(d.delivered, vec![id]);
    assert_eq!(spike_notices(desk.notifier()), 1);
    assert!(desk.store().undelivered(10)?.is_empty());
    desk.check_spikes(SHOP)?;
    desk.dispatch_outbox(10)?;
    assert_eq!(spike_notices(desk.notifier()), 1);
    Ok(())
}

}
