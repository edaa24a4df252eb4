//! `Desk` against `AsyncDesk` (driven by `block_on`) over `InMemoryStore`,
//! per command, in the same run: receiving a message from a new customer
//! (opens a ticket), an agent reply, and an SLA tick that raises a warning.
//! Each sample builds its desk and the tickets it needs outside the timing,
//! so for the same number of iterations both drivers do the same work on
//! the same state.
//!
//! After criterion's figures, a paired run prints the ratio AsyncDesk/Desk
//! per command: rounds that time both drivers back to back (alternating
//! which goes first), so a change in the machine's load hits both sides of
//! a ratio alike; the median of the rounds' ratios is the figure.
//!
//! `cargo bench --bench desk`

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use criterion::Criterion;
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

fn message(n: u64) -> Inbound {
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

/// A desk driver as the bench drives it: each command to completion.
trait Driver: Sized {
    /// The driver's name.
    const NAME: &'static str;
    /// A desk with the bench's configuration.
    fn desk() -> Self;
    fn clock(&self) -> &ManualClock;
    fn receive(&self, inbound: Inbound) -> TicketId;
    fn execute(&self, id: TicketId, command: Command) -> usize;
    fn tick(&self, id: TicketId) -> usize;
}

impl Driver for Desk<InMemoryStore, RecordingNotifier, ManualClock> {
    const NAME: &'static str = "Desk";
    fn desk() -> Self {
        desk!(Desk)
    }
    fn clock(&self) -> &ManualClock {
        Desk::clock(self)
    }
    fn receive(&self, inbound: Inbound) -> TicketId {
        Desk::receive(self, SHOP, inbound).expect("receive").ticket
    }
    fn execute(&self, id: TicketId, command: Command) -> usize {
        Desk::execute(self, SHOP, id, command)
            .expect("execute")
            .events
            .len()
    }
    fn tick(&self, id: TicketId) -> usize {
        Desk::tick(self, SHOP, id).expect("tick").events.len()
    }
}

impl Driver for AsyncDesk<InMemoryStore, RecordingNotifier, ManualClock> {
    const NAME: &'static str = "AsyncDesk";
    fn desk() -> Self {
        desk!(AsyncDesk)
    }
    fn clock(&self) -> &ManualClock {
        AsyncDesk::clock(self)
    }
    fn receive(&self, inbound: Inbound) -> TicketId {
        block_on(AsyncDesk::receive(self, SHOP, inbound))
            .expect("receive")
            .ticket
    }
    fn execute(&self, id: TicketId, command: Command) -> usize {
        block_on(AsyncDesk::execute(self, SHOP, id, command))
            .expect("execute")
            .events
            .len()
    }
    fn tick(&self, id: TicketId) -> usize {
        block_on(AsyncDesk::tick(self, SHOP, id))
            .expect("tick")
            .events
            .len()
    }
}

/// A desk with `n` customers' tickets.
fn with_tickets<D: Driver>(n: u64) -> (D, Vec<TicketId>) {
    let d = D::desk();
    let tickets = (0..n).map(|i| d.receive(message(i))).collect();
    (d, tickets)
}

/// `iters` messages from new customers, on a desk with 20 tickets.
fn time_receive<D: Driver>(iters: u64) -> StdDuration {
    let (d, _) = with_tickets::<D>(20);
    let start = Instant::now();
    for i in 0..iters {
        black_box(d.receive(message(1_000 + i)));
    }
    start.elapsed()
}

/// An agent reply on each of `iters` tickets.
fn time_reply<D: Driver>(iters: u64) -> StdDuration {
    let (d, tickets) = with_tickets::<D>(iters);
    let start = Instant::now();
    for t in &tickets {
        black_box(d.execute(*t, Command::agent_reply(BOB, "It ships today.")));
    }
    start.elapsed()
}

/// A tick raising the first-reply warning on each of `iters` tickets
/// (assigned to Bob, 45 minutes after they were opened).
fn time_tick<D: Driver>(iters: u64) -> StdDuration {
    let (d, tickets) = with_tickets::<D>(iters);
    for t in &tickets {
        d.execute(
            *t,
            Command::Assign {
                agent: Some(BOB),
                group: None,
            },
        );
    }
    d.clock().advance(Duration::minutes(45));
    let start = Instant::now();
    let mut raised = 0;
    for t in &tickets {
        raised += black_box(d.tick(*t));
    }
    let took = start.elapsed();
    assert_eq!(raised as u64, iters, "{}: one warning per tick", D::NAME);
    took
}

type SyncDesk = Desk<InMemoryStore, RecordingNotifier, ManualClock>;
type AsyncDeskT = AsyncDesk<InMemoryStore, RecordingNotifier, ManualClock>;

/// The commands measured, each with its timing for both drivers.
/// Times `iters` commands of one kind (setup outside the timing).
type Timing = fn(u64) -> StdDuration;

const COMMANDS: [(&str, Timing, Timing); 3] = [
    (
        "receive_new",
        time_receive::<SyncDesk>,
        time_receive::<AsyncDeskT>,
    ),
    (
        "agent_reply",
        time_reply::<SyncDesk>,
        time_reply::<AsyncDeskT>,
    ),
    (
        "tick_warning",
        time_tick::<SyncDesk>,
        time_tick::<AsyncDeskT>,
    ),
];

fn commands(c: &mut Criterion) {
    let mut g = c.benchmark_group("desk_command");
    for (name, sync, asynch) in COMMANDS {
        g.bench_function(format!("{name}/Desk"), |b| b.iter_custom(sync));
        g.bench_function(format!("{name}/AsyncDesk"), |b| b.iter_custom(asynch));
    }
    g.finish();
}

/// Rounds of the paired comparison, and commands per driver in a round.
const ROUNDS: usize = 31;
const PER_ROUND: u64 = 400;

/// Times both drivers back to back, `ROUNDS` times per command, and prints
/// the median, lowest and highest ratio AsyncDesk/Desk.
fn paired() {
    println!("\npaired AsyncDesk/Desk ({ROUNDS} rounds of {PER_ROUND} commands per driver):");
    for (name, sync, asynch) in COMMANDS {
        let mut ratios = Vec::with_capacity(ROUNDS);
        let (mut s_total, mut a_total) = (StdDuration::ZERO, StdDuration::ZERO);
        for round in 0..ROUNDS {
            let (s, a) = if round % 2 == 0 {
                let s = sync(PER_ROUND);
                (s, asynch(PER_ROUND))
            } else {
                let a = asynch(PER_ROUND);
                (sync(PER_ROUND), a)
            };
            s_total += s;
            a_total += a;
            ratios.push(a.as_secs_f64() / s.as_secs_f64());
        }
        ratios.sort_by(f64::total_cmp);
        let per = |d: StdDuration| d.as_secs_f64() * 1e6 / (ROUNDS as f64 * PER_ROUND as f64);
        println!(
            "  {name:<13} Desk {:>7.2} µs  AsyncDesk {:>7.2} µs  ratio median {:.3} (min {:.3}, max {:.3})",
            per(s_total),
            per(a_total),
            ratios[ROUNDS / 2],
            ratios[0],
            ratios[ROUNDS - 1],
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    commands(&mut c);
    c.final_summary();
    // `cargo bench -- --test` and filtered runs only check the benches.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test") {
        paired();
    }
}
