//! What a template renders from: the customer's view of a ticket and the
//! values the host adds.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::locale::Lang;
use super::placeholder::Placeholder;
use crate::model::CustomerTicketView;

/// The values a template renders from.
///
/// Built only from a [`CustomerTicketView`], the customer's view of a
/// ticket (never from a ticket: an internal note cannot be reached from
/// here), plus the values the host knows and sets with the builder
/// methods. Every time is shown in [`time_zone`](Self::time_zone) (UTC by
/// default).
///
/// A value that is not set, or is empty or only whitespace, is missing: the
/// placeholder's fallback is used, or rendering fails with
/// [`RenderError::MissingValue`](super::RenderError::MissingValue). Values
/// are inserted verbatim: a value containing `{{` is not expanded.
///
/// `first_name`s are the value set, else derived from the name: its first
/// whitespace-separated word when it has whitespace, else the whole name
/// (CJK names have no reliable split, so the first name of `张伟` is
/// `张伟`).
#[derive(Debug, Clone)]
pub struct RenderContext<'a> {
    view: &'a CustomerTicketView,
    customer_name: Option<Cow<'a, str>>,
    customer_first_name: Option<Cow<'a, str>>,
    agent_name: Option<Cow<'a, str>>,
    agent_first_name: Option<Cow<'a, str>>,
    company_name: Option<Cow<'a, str>>,
    next_deadline: Option<DateTime<Utc>>,
    time_zone: Tz,
}

impl<'a> RenderContext<'a> {
    /// A context with the view's values only (time zone UTC).
    pub fn new(view: &'a CustomerTicketView) -> Self {
        RenderContext {
            view,
            customer_name: None,
            customer_first_name: None,
            agent_name: None,
            agent_first_name: None,
            company_name: None,
            next_deadline: None,
            time_zone: Tz::UTC,
        }
    }

    /// The customer's name (`customer.name`).
    pub fn customer_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.customer_name = Some(name.into());
        self
    }

    /// The customer's first name (`customer.first_name`), when the host
    /// knows it; otherwise it is derived from the name.
    pub fn customer_first_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.customer_first_name = Some(name.into());
        self
    }

    /// The replying agent's name (`agent.name`).
    pub fn agent_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.agent_name = Some(name.into());
        self
    }

    /// The replying agent's first name (`agent.first_name`), when the host
    /// knows it; otherwise it is derived from the agent's name.
    pub fn agent_first_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.agent_first_name = Some(name.into());
        self
    }

    /// The company's name (`company.name`).
    pub fn company_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.company_name = Some(name.into());
        self
    }

    /// The ticket's next SLA deadline (`sla.next_deadline`).
    pub fn next_deadline(mut self, at: DateTime<Utc>) -> Self {
        self.next_deadline = Some(at);
        self
    }

    /// The customer's time zone, in which times are shown (default UTC).
    pub fn time_zone(mut self, zone: Tz) -> Self {
        self.time_zone = zone;
        self
    }

    /// The view this context renders from.
    pub fn view(&self) -> &'a CustomerTicketView {
        self.view
    }

    /// The value of `p` in language `lang`, or `None` when it is missing
    /// (not set, empty or only whitespace).
    pub(crate) fn value(&self, p: Placeholder, lang: Lang) -> Option<Cow<'_, str>> {
        let v: Cow<'_, str> = match p {
            Placeholder::TicketId => Cow::Owned(self.view.ticket.to_string()),
            Placeholder::TicketNumber => {
                Cow::Owned(format!("{:08x}", self.view.ticket.as_u128() >> 96))
            }
            Placeholder::TicketSubject => Cow::Borrowed(self.view.subject.as_str()),
            Placeholder::TicketStatus => Cow::Borrowed(lang.status(self.view.status)),
            Placeholder::TicketCreatedAt => {
                Cow::Owned(lang.instant(self.view.created_at, self.time_zone))
            }
            Placeholder::CustomerName => Cow::Borrowed(present(&self.customer_name)?),
            Placeholder::CustomerFirstName => {
                Cow::Borrowed(first_name(&self.customer_first_name, &self.customer_name)?)
            }
            Placeholder::AgentName => Cow::Borrowed(present(&self.agent_name)?),
            Placeholder::AgentFirstName => {
                Cow::Borrowed(first_name(&self.agent_first_name, &self.agent_name)?)
            }
            Placeholder::SlaNextDeadline => {
                Cow::Owned(lang.instant(self.next_deadline?, self.time_zone))
            }
            Placeholder::CompanyName => Cow::Borrowed(present(&self.company_name)?),
        };
        (!v.trim().is_empty()).then_some(v)
    }
}

impl<'a> From<&'a CustomerTicketView> for RenderContext<'a> {
    fn from(view: &'a CustomerTicketView) -> Self {
        RenderContext::new(view)
    }
}

/// The value if it is set and not blank.
fn present<'v>(v: &'v Option<Cow<'_, str>>) -> Option<&'v str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// The first name set, else the name's first word (the whole name when it
/// has no whitespace).
fn first_name<'v>(
    first: &'v Option<Cow<'_, str>>,
    name: &'v Option<Cow<'_, str>>,
) -> Option<&'v str> {
    present(first).or_else(|| present(name).and_then(|n| n.split_whitespace().next()))
}

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// The locale of the text used, as the template writes it (`zh-Hant`
    /// for a request for `zh-hant-TW`).
    pub locale: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{CustomerId, TicketId};
    use crate::model::CustomerStatus;

    fn view() -> CustomerTicketView {
        CustomerTicketView {
            ticket: TicketId::from_u128(0x0195_a3c4_7d2e_7b1a_9c3f_5e6d_7a8b_9c0d),
            customer: CustomerId::from_u128(1),
            subject: "Parcel late".into(),
            status: CustomerStatus::AwaitingYourReply,
            created_at: "2026-03-03T13:00:00Z".parse().unwrap(),
            messages: vec![],
        }
    }

    #[test]
    fn ticket_values() {
        let v = view();
        let c = RenderContext::new(&v);
        let get = |p| c.value(p, Lang::En).map(|v| v.into_owned());
        assert_eq!(
            get(Placeholder::TicketId).as_deref(),
            Some("0195a3c4-7d2e-7b1a-9c3f-5e6d7a8b9c0d")
        );
        assert_eq!(get(Placeholder::TicketNumber).as_deref(), Some("0195a3c4"));
        assert_eq!(
            get(Placeholder::TicketStatus).as_deref(),
            Some("awaiting your reply")
        );
        assert_eq!(
            get(Placeholder::TicketCreatedAt).as_deref(),
            Some("Tue 3 Mar 2026, 13:00 UTC")
        );
        assert_eq!(get(Placeholder::AgentName), None);
        assert_eq!(get(Placeholder::SlaNextDeadline), None);
    }

    #[test]
    fn first_names_and_blanks() {
        let v = view();
        let c = RenderContext::new(&v)
            .customer_name("  Ana  Silva ")
            .agent_name("张伟")
            .company_name(" ");
        assert_eq!(
            c.value(Placeholder::CustomerFirstName, Lang::En).as_deref(),
            Some("Ana")
        );
        assert_eq!(
            c.value(Placeholder::AgentFirstName, Lang::En).as_deref(),
            Some("张伟")
        );
        assert_eq!(c.value(Placeholder::CompanyName, Lang::En), None);
        let c = c.customer_first_name("Annie").agent_first_name("");
        assert_eq!(
            c.value(Placeholder::CustomerFirstName, Lang::En).as_deref(),
            Some("Annie")
        );
        // A blank first name falls back to the name's.
        assert_eq!(
            c.value(Placeholder::AgentFirstName, Lang::En).as_deref(),
            Some("张伟")
        );
        let mut blank = view();
        blank.subject = String::new();
        assert_eq!(
            RenderContext::new(&blank).value(Placeholder::TicketSubject, Lang::En),
            None
        );
    }
}
