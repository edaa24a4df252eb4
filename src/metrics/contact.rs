//! Contact rate: support requests per order or per active customer, with the
//! denominator from the host.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::metrics::aggregate::Aggregate;

/// What the host knows about its business, for contact rates: how many
/// orders were placed and how many customers were active in a range. The
/// desk cannot know either; answer `None` when you do not know.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use supportdesk::metrics::ContactBase;
///
/// /// 120 orders a day, 900 active customers a month, whatever the range.
/// struct Shop;
/// impl ContactBase for Shop {
///     fn orders(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
///         Some(((to - from).num_days().max(0) as u64) * 120)
///     }
/// }
/// let day = ("2026-03-02T00:00:00Z".parse::<DateTime<Utc>>()?, "2026-03-03T00:00:00Z".parse::<DateTime<Utc>>()?);
/// assert_eq!(Shop.orders(day.0, day.1), Some(120));
/// assert_eq!(Shop.active_customers(day.0, day.1), None);
/// # Ok::<(), chrono::ParseError>(())
/// ```
pub trait ContactBase {
    /// Orders placed in `[from, to)`.
    fn orders(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        let _ = (from, to);
        None
    }

    /// Customers active (buying, logged in: the host decides) in `[from, to)`.
    fn active_customers(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        let _ = (from, to);
        None
    }
}

/// What a contact rate is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Denominator {
    /// Per order placed.
    Orders,
    /// Per active customer.
    ActiveCustomers,
}

/// Contacts (tickets the customer opened) per order or active customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactRate {
    /// Reactive tickets.
    pub contacts: u64,
    /// Orders or active customers.
    pub denominator: u64,
    /// Which.
    pub per: Denominator,
    /// `contacts / denominator`.
    pub rate: f64,
}

impl ContactRate {
    /// The contact rate of an aggregate over `[from, to)`, `None` when the
    /// host does not know the denominator or it is 0.
    pub fn of(
        aggregate: &Aggregate,
        base: &dyn ContactBase,
        per: Denominator,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<ContactRate> {
        let d = match per {
            Denominator::Orders => base.orders(from, to),
            Denominator::ActiveCustomers => base.active_customers(from, to),
        }?;
        (d > 0).then(|| ContactRate {
            contacts: aggregate.reactive,
            denominator: d,
            per,
            rate: aggregate.reactive as f64 / d as f64,
        })
    }
}
