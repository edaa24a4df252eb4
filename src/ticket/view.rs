//! Building the customer's view of a ticket (the view itself is a value of
//! [`model`](crate::model)).

use crate::id::CustomerId;
use crate::model::{
    Author, AuthorRole, CustomerTicketView, PublicAuthor, PublicMessage, Visibility,
};
use crate::ticket::state::Ticket;

impl CustomerTicketView {
    /// The requester's view of `ticket`.
    pub fn of(ticket: &Ticket) -> CustomerTicketView {
        let customer = ticket.customer();
        let messages = ticket
            .messages()
            .iter()
            .filter(|m| m.visibility == Visibility::Public)
            .filter_map(|m| {
                let from = match (&m.author, m.author.role()) {
                    (Author::Customer(c), _) if *c == customer => PublicAuthor::You,
                    (_, AuthorRole::Agent) => PublicAuthor::Support,
                    (_, AuthorRole::Bot) => PublicAuthor::Automated,
                    // Another customer's words or a system message: not shown.
                    _ => return None,
                };
                Some(PublicMessage {
                    id: m.id,
                    from,
                    channel: m.channel,
                    body: m.body.clone(),
                    at: m.at,
                })
            })
            .collect();
        CustomerTicketView {
            ticket: ticket.id(),
            customer,
            subject: ticket.subject().to_owned(),
            status: ticket.status().into(),
            created_at: ticket.created_at(),
            messages,
        }
    }

    /// The view for `customer`, or `None` when they are not the requester:
    /// a customer never sees someone else's ticket.
    pub fn for_customer(ticket: &Ticket, customer: CustomerId) -> Option<CustomerTicketView> {
        (ticket.customer() == customer).then(|| CustomerTicketView::of(ticket))
    }
}
