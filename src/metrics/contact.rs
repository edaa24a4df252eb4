//! Contact rate: support requests per order or per active customer, with the
//! denominator from the host. The one denominator port of the crate: the
//! metrics' [`ContactRate`] and the value-irritant matrix
//! ([`insight::Matrix`](crate::insight::Matrix)) both read it.

use std::fmt;

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
///
/// A closure taking the unit and the range is a `ContactBase` too:
///
/// ```
/// use chrono::{DateTime, Utc};
/// use supportdesk::metrics::{ContactBase, Denominator};
///
/// let shop = |per: Denominator, _from: DateTime<Utc>, _to: DateTime<Utc>| match per {
///     Denominator::Orders => Some(1_000),
///     Denominator::ActiveCustomers => None,
/// };
/// let t: DateTime<Utc> = "2026-03-02T00:00:00Z".parse()?;
/// assert_eq!(shop.count(Denominator::Orders, t, t), Some(1_000));
/// assert_eq!(shop.active_customers(t, t), None);
/// # Ok::<(), chrono::ParseError>(())
/// ```
///
/// # Contract
/// Answer for the half-open range `[from, to)`, or `None` when unknown (no
/// contact rate is given then). Do not block for long.
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

    /// The count of `per` in `[from, to)`: [`orders`](Self::orders) or
    /// [`active_customers`](Self::active_customers).
    fn count(&self, per: Denominator, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        match per {
            Denominator::Orders => self.orders(from, to),
            Denominator::ActiveCustomers => self.active_customers(from, to),
        }
    }
}

impl<F> ContactBase for F
where
    F: Fn(Denominator, DateTime<Utc>, DateTime<Utc>) -> Option<u64>,
{
    fn orders(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        self(Denominator::Orders, from, to)
    }

    fn active_customers(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        self(Denominator::ActiveCustomers, from, to)
    }
}

/// What a contact rate is per (per order by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Denominator {
    /// Per order placed.
    #[default]
    Orders,
    /// Per active customer.
    ActiveCustomers,
}

impl fmt::Display for Denominator {
    /// `orders` or `active customers`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Denominator::Orders => "orders",
            Denominator::ActiveCustomers => "active customers",
        })
    }
}

/// How many orders or active customers a range had, as the host counted
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BaseCount {
    /// Orders or active customers.
    pub per: Denominator,
    /// How many.
    pub count: u64,
}

impl BaseCount {
    /// A count of `per`.
    pub const fn new(per: Denominator, count: u64) -> Self {
        BaseCount { per, count }
    }

    /// The count of `per` the host gives for `[from, to)`, `None` when it
    /// does not know.
    pub fn of(
        base: &dyn ContactBase,
        per: Denominator,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<BaseCount> {
        base.count(per, from, to)
            .map(|count| BaseCount { per, count })
    }
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
        let d = base.count(per, from, to)?;
        (d > 0).then(|| ContactRate {
            contacts: aggregate.reactive,
            denominator: d,
            per,
            rate: aggregate.reactive as f64 / d as f64,
        })
    }
}
