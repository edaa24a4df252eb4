//! No customer view or customer notification ever holds an internal note,
//! through both drivers.

#[macro_use]
mod support;

use proptest::prelude::*;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::notification::Recipient;
use supportdesk::port::TicketStore;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Command, CustomerTicketView};
use supportdesk::{Channel, InMemoryStore, Inbound, Status};

use support::Driver;

#[derive(Debug, Clone)]
enum Step {
    Note,
    Reply,
    CustomerWrites,
    Bot,
    Solve,
    Close,
    Pending,
    MergeOther,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Note),
        2 => Just(Step::Reply),
        2 => Just(Step::CustomerWrites),
        1 => Just(Step::Bot),
        1 => Just(Step::Solve),
        1 => Just(Step::Close),
        1 => Just(Step::Pending),
        1 => Just(Step::MergeOther),
    ]
}

support::for_both_drivers! {

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn internal_notes_never_reach_customers(steps in proptest::collection::vec(step(), 1..25)) {
        let tenant = TenantId::from_u128(1);
        let agent = AgentId::from_u128(7);
        let desk = drive(TheDesk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z").unwrap())
            .with_ids(SequentialIds::new()));
        let ana = Identity::email("ana@example.com").unwrap();
        let eve = Identity::email("eve@example.com").unwrap();
        let r = desk.receive(tenant, Inbound::new(ana.clone(), Channel::Email, "hello")).unwrap();
        let mut ticket = r.ticket;
        // Internal notes: never in any customer notification or view.
        let mut notes = Vec::new();
        // Eve's words: never in anything addressed to Ana or in Ana's view.
        let mut eves = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let marker = format!("SECRET-{i}-XYZZY");
            let res = match s {
                Step::Note => {
                    notes.push(marker.clone());
                    desk.execute(tenant, ticket, Command::AddNote { agent, body: format!("internal {marker}") }).map(|_| ())
                }
                Step::Reply => desk.execute(tenant, ticket, Command::agent_reply(agent, "public reply")).map(|_| ()),
                Step::CustomerWrites => desk
                    .receive(tenant, Inbound::new(ana.clone(), Channel::Email, "more").to_ticket(ticket))
                    .map(|rec| ticket = rec.ticket),
                Step::Bot => desk.execute(tenant, ticket, Command::AutomatedReply { bot: "b".into(), body: "auto".into() }).map(|_| ()),
                Step::Solve => desk.execute(tenant, ticket, Command::status(Status::Solved)).map(|_| ()),
                Step::Close => desk.execute(tenant, ticket, Command::status(Status::Closed)).map(|_| ()),
                Step::Pending => desk.execute(tenant, ticket, Command::status(Status::Pending)).map(|_| ()),
                Step::MergeOther => {
                    // Another customer's ticket, with their own words (a marker
                    // too: Ana must never see them), merged into Ana's.
                    eves.push(marker.clone());
                    let e = desk.receive(tenant, Inbound::new(eve.clone(), Channel::Email, format!("eve says {marker}"))).unwrap();
                    desk.merge(tenant, e.ticket, ticket).map(|_| ())
                }
            };
            let _ = res; // illegal moves are fine; they change nothing
        }
        for n in desk.store().undelivered(10_000).unwrap().iter().map(|e| e.notification.clone()).chain(desk.notifier().sent()) {
            if let Recipient::Customer { customer, .. } = n.recipient {
                let json = serde_json::to_string(&n).unwrap();
                let forbidden = notes.iter().chain(eves.iter().filter(|_| customer == r.customer));
                for m in forbidden {
                    prop_assert!(!json.contains(m.as_str()), "customer notification leaks {m}: {json}");
                }
            }
        }
        for t in [r.ticket, ticket] {
            let stored = desk.ticket(tenant, t).unwrap();
            let view = CustomerTicketView::of(&stored);
            let json = serde_json::to_string(&view).unwrap();
            for m in notes.iter().chain(&eves) {
                prop_assert!(!json.contains(m), "customer view leaks {m}: {json}");
            }
        }
    }
}

}
