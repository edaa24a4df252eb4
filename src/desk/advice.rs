//! Reply-quality checks run by the planner on agents' replies.

use std::fmt;
use std::sync::Arc;

use crate::customer::Customer;
use crate::quality::{Locale, QualityError, Report, RuleSet};

use super::DeskError;

/// Reply-quality checks on every agent reply the desk records (and every
/// macro reply): advice by default, in [`Outcome::quality`](super::Outcome::quality);
/// a refusal ([`DeskError::ReplyQuality`]) below a score only when the host
/// asks for it with [`blocking_below`](Self::blocking_below).
///
/// The rule set is chosen by the requester's language
/// ([`Customer::locale`]): `zh-Hant`, `zh-TW`, `zh-HK` and `zh-MO` read as
/// Traditional Chinese, other `zh` tags as Simplified Chinese, anything else
/// (or none) as the default locale.
///
/// ```
/// use supportdesk::ReplyQuality;
/// use supportdesk::quality::Locale;
///
/// let advice = ReplyQuality::shipped()?;
/// let report = advice.check("Unfortunately that's our policy.", None)?;
/// assert!(report.score < 100);
/// let strict = ReplyQuality::shipped()?.blocking_below(60).with_default_locale(Locale::En);
/// assert_eq!(strict.floor(), Some(60));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ReplyQuality {
    sets: Vec<Arc<RuleSet>>,
    default_locale: Locale,
    floor: Option<u8>,
}

impl fmt::Debug for ReplyQuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyQuality")
            .field(
                "locales",
                &self.sets.iter().map(|s| s.locale()).collect::<Vec<_>>(),
            )
            .field("default_locale", &self.default_locale)
            .field("floor", &self.floor)
            .finish()
    }
}

impl ReplyQuality {
    /// The shipped rule sets for en, zh-Hans and zh-Hant, advice only,
    /// English by default.
    ///
    /// # Errors
    /// [`QualityError`] if a shipped set fails to load (a bug).
    pub fn shipped() -> Result<ReplyQuality, QualityError> {
        let mut sets = Vec::new();
        for l in Locale::ALL {
            sets.push(Arc::new(RuleSet::shipped(l)?.clone()));
        }
        Ok(ReplyQuality {
            sets,
            default_locale: Locale::En,
            floor: None,
        })
    }

    /// Uses `set` for its locale (replacing the set there was).
    pub fn with_rule_set(mut self, set: RuleSet) -> ReplyQuality {
        self.sets.retain(|s| s.locale() != set.locale());
        self.sets.push(Arc::new(set));
        self
    }

    /// The locale for requesters without one.
    pub fn with_default_locale(mut self, locale: Locale) -> ReplyQuality {
        self.default_locale = locale;
        self
    }

    /// Refuses replies scoring below `score` (0 to 100) with
    /// [`DeskError::ReplyQuality`]; nothing is recorded.
    pub fn blocking_below(mut self, score: u8) -> ReplyQuality {
        self.floor = Some(score.min(100));
        self
    }

    /// The blocking floor, if any.
    pub fn floor(&self) -> Option<u8> {
        self.floor
    }

    /// The locale a requester's replies are checked in.
    pub fn locale_for(&self, customer: Option<&Customer>) -> Locale {
        let Some(tag) = customer.and_then(|c| c.locale.as_deref()) else {
            return self.default_locale;
        };
        let lower = tag.to_ascii_lowercase();
        if lower == "zh" || lower.starts_with("zh-") {
            let hant = ["zh-hant", "zh-tw", "zh-hk", "zh-mo"]
                .iter()
                .any(|p| lower == *p || lower.starts_with(&format!("{p}-")));
            if hant { Locale::ZhHant } else { Locale::ZhHans }
        } else if lower == "en" || lower.starts_with("en-") {
            Locale::En
        } else {
            self.default_locale
        }
    }

    /// Checks a reply for a requester.
    ///
    /// # Errors
    /// [`QualityError`] for a text over the size limit, or when no rule
    /// set is configured for the locale.
    pub fn check(&self, text: &str, customer: Option<&Customer>) -> Result<Report, QualityError> {
        let locale = self.locale_for(customer);
        match self.sets.iter().find(|s| s.locale() == locale) {
            Some(set) => set.check(text),
            None => RuleSet::shipped(locale)?.check(text),
        }
    }

    /// Checks a reply and applies the floor. Advice never refuses a
    /// reply: without a floor, a text the checker cannot read (longer than
    /// [`MAX_TEXT_BYTES`](crate::quality::MAX_TEXT_BYTES), which the
    /// lifecycle rules may allow) gets no report; with a floor it is
    /// [`DeskError::Quality`].
    pub(crate) fn judge(
        &self,
        text: &str,
        customer: Option<&Customer>,
    ) -> Result<Option<Report>, DeskError> {
        let report = match (self.check(text, customer), self.floor) {
            (Ok(report), _) => report,
            (Err(_), None) => return Ok(None),
            (Err(e), Some(_)) => return Err(DeskError::Quality(e)),
        };
        match self.floor {
            Some(min) if report.score < min => Err(DeskError::ReplyQuality {
                score: report.score,
                min,
                findings: report.findings,
            }),
            _ => Ok(Some(report)),
        }
    }
}
