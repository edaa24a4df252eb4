//! `Desk` against `AsyncDesk` (driven by `block_on`) over `InMemoryStore`,
//! per command, in the same run: receiving a message from a new customer
//! (opens a ticket), an agent reply, and an SLA tick that raises a warning.
//! Each iteration runs on a desk in the same state (built outside the
//! timing), so the two drivers do the same work.
//!
//! `cargo bench --bench desk`

use std::hint::black_box;

use chrono::Duration;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::sla::{
    Calendars, EscalateTo, EscalationStep, MetricDef, PolicySet, SlaPolicy, Target, TimeBasis,
    Trigger, WarnAt,
};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds, block_on};
use supportdesk::ticket::Command;
use supportdesk::{AsyncDesk, Channel, Desk, InMemoryStore, Inbound, Priority};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);

fn clock() -> ManualClock {
    ManualClock::at("2026-01-06T10:00:00Z").expect("a valid time")
}

fn message(n: u32) -> Inbound {
    let from = Identity::email(&format!("c{n}@example.com")).expect("a valid email");
    Inbound::new(from, Channel::Email, "Where is my order?").subject("Order 1234")
}

/// First reply within an hour (calendar time), warned at 75%, the warning
/// escalated to the ticket's owner.
fn sla() -> PolicySet {
    let targets = Priority::ALL
        .into_iter()
        .map(|priority| Target {
            metric: "first_reply".into(),
            priority,
            channel: None,
            seconds: 3600,
            basis: TimeBasis::Calendar,
        })
        .collect();
    PolicySet::new(SlaPolicy {
        id: "p".into(),
        version: 1,
        name: "bench".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets,
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![EscalationStep {
            trigger: Trigger::Warning(0),
            level: 1,
            notify: EscalateTo::Owner,
        }],
    })
}

/// A desk of each driver with the same configuration.
macro_rules! desk {
    ($ty:ident) => {
        $ty::new(InMemoryStore::new(), RecordingNotifier::new(), clock())
            .with_ids(SequentialIds::new())
            .with_sla(sla(), Calendars::new())
            .expect("a valid policy")
    };
}

type SyncDesk = Desk<InMemoryStore, RecordingNotifier, ManualClock>;
type AsyncDeskT = AsyncDesk<InMemoryStore, RecordingNotifier, ManualClock>;

/// A desk with 20 customers' tickets, and the last one's id.
fn sync_with_tickets() -> (SyncDesk, TicketId) {
    let d = desk!(Desk);
    let mut last = None;
    for n in 0..20 {
        last = Some(d.receive(SHOP, message(n)).expect("receive").ticket);
    }
    (d, last.expect("a ticket"))
}

fn async_with_tickets() -> (AsyncDeskT, TicketId) {
    let d = desk!(AsyncDesk);
    let mut last = None;
    for n in 0..20 {
        last = Some(
            block_on(d.receive(SHOP, message(n)))
                .expect("receive")
                .ticket,
        );
    }
    (d, last.expect("a ticket"))
}

/// Assigned to Bob and 45 minutes on: the tick raises the warning.
fn sync_due() -> (SyncDesk, TicketId) {
    let (d, t) = sync_with_tickets();
    d.execute(
        SHOP,
        t,
        Command::Assign {
            agent: Some(BOB),
            group: None,
        },
    )
    .expect("assign");
    d.clock().advance(Duration::minutes(45));
    (d, t)
}

fn async_due() -> (AsyncDeskT, TicketId) {
    let (d, t) = async_with_tickets();
    block_on(d.execute(
        SHOP,
        t,
        Command::Assign {
            agent: Some(BOB),
            group: None,
        },
    ))
    .expect("assign");
    d.clock().advance(Duration::minutes(45));
    (d, t)
}

fn commands(c: &mut Criterion) {
    let mut g = c.benchmark_group("desk_command");

    g.bench_function("receive_new/Desk", |b| {
        b.iter_batched_ref(
            sync_with_tickets,
            |(d, _)| black_box(d.receive(SHOP, message(1000)).expect("receive")),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("receive_new/AsyncDesk", |b| {
        b.iter_batched_ref(
            async_with_tickets,
            |(d, _)| black_box(block_on(d.receive(SHOP, message(1000))).expect("receive")),
            BatchSize::SmallInput,
        )
    });

    g.bench_function("agent_reply/Desk", |b| {
        b.iter_batched_ref(
            sync_with_tickets,
            |(d, t)| {
                black_box(
                    d.execute(SHOP, *t, Command::agent_reply(BOB, "It ships today."))
                        .expect("reply"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("agent_reply/AsyncDesk", |b| {
        b.iter_batched_ref(
            async_with_tickets,
            |(d, t)| {
                black_box(
                    block_on(d.execute(SHOP, *t, Command::agent_reply(BOB, "It ships today.")))
                        .expect("reply"),
                )
            },
            BatchSize::SmallInput,
        )
    });

    g.bench_function("tick_warning/Desk", |b| {
        b.iter_batched_ref(
            sync_due,
            |(d, t)| {
                let out = d.tick(SHOP, *t).expect("tick");
                debug_assert_eq!(out.events.len(), 1);
                black_box(out)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("tick_warning/AsyncDesk", |b| {
        b.iter_batched_ref(
            async_due,
            |(d, t)| {
                let out = block_on(d.tick(SHOP, *t)).expect("tick");
                debug_assert_eq!(out.events.len(), 1);
                black_box(out)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
