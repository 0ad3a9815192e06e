//! Groupings of documents: `--by author`, `--by meta.FIELD` and time buckets
//! `--by date:decade|year|quarter|month|week|day`, combined in the order given. A grouping turns a
//! document into a [`GroupKey`] (one part per `--by`), or names the first key the document lacks,
//! so that documents without a field are counted instead of dropped.
//!
//! Invariant: keys order the way a reader expects (text keys by text, time buckets by time, since
//! a bucket is kept as its number and labelled only for output), and every bucket between the
//! first and the last one seen can be listed, so a time series shows empty buckets as empty.

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::input::{Document, Meta};

/// The grouping used when none is given.
pub const DEFAULT_BY: &str = "author";
/// Separates the parts of a group's label.
pub const LABEL_SEPARATOR: &str = " · ";

/// How long a time bucket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Decade,
    Year,
    Quarter,
    Month,
    /// ISO 8601 weeks (Monday to Sunday, labelled by ISO week-year).
    Week,
    Day,
}

impl Granularity {
    const ALL: [(Granularity, &'static str); 6] = [
        (Granularity::Decade, "decade"),
        (Granularity::Year, "year"),
        (Granularity::Quarter, "quarter"),
        (Granularity::Month, "month"),
        (Granularity::Week, "week"),
        (Granularity::Day, "day"),
    ];

    fn name(self) -> &'static str {
        Self::ALL.iter().find(|(g, _)| *g == self).map(|(_, n)| *n).unwrap_or("year")
    }

    /// The bucket number of an ISO 8601 date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally with a
    /// time, which is ignored), or `None` when the date is too coarse for this granularity or is
    /// not a calendar date.
    pub fn bucket(self, date: &str) -> Option<i64> {
        let day_part = date.split(['T', ' ']).next()?;
        let mut parts = day_part.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: Option<u8> = parts.next().map(|m| m.parse().ok()).unwrap_or(None);
        let day: Option<u8> = parts.next().map(|d| d.parse().ok()).unwrap_or(None);
        let y = i64::from(year);
        match self {
            Granularity::Decade => Some(y.div_euclid(10)),
            Granularity::Year => Some(y),
            Granularity::Quarter => month.filter(|m| (1..=12).contains(m)).map(|m| y * 4 + i64::from((m - 1) / 3)),
            Granularity::Month => month.filter(|m| (1..=12).contains(m)).map(|m| y * 12 + i64::from(m - 1)),
            Granularity::Week | Granularity::Day => {
                let d = Date::from_calendar_date(year, Month::try_from(month?).ok()?, day?).ok()?;
                let julian = i64::from(d.to_julian_day());
                if self == Granularity::Day {
                    Some(julian)
                } else {
                    // Weeks are numbered by their Monday.
                    Some((julian - i64::from(d.weekday().number_days_from_monday())).div_euclid(7))
                }
            }
        }
    }

    /// The label of bucket `n`: `1990s`, `1990`, `1990-Q1`, `1990-01`, `1990-W05`, `1990-01-31`.
    pub fn label(self, n: i64) -> String {
        let day = |julian: i64| i32::try_from(julian).ok().and_then(|j| Date::from_julian_day(j).ok());
        match self {
            Granularity::Decade => format!("{:04}s", n * 10),
            Granularity::Year => format!("{n:04}"),
            Granularity::Quarter => format!("{:04}-Q{}", n.div_euclid(4), n.rem_euclid(4) + 1),
            Granularity::Month => format!("{:04}-{:02}", n.div_euclid(12), n.rem_euclid(12) + 1),
            Granularity::Week => match day(n * 7) {
                Some(monday) => {
                    let (year, week, _) = monday.to_iso_week_date();
                    format!("{year:04}-W{week:02}")
                }
                None => format!("week {n}"),
            },
            Granularity::Day => match day(n) {
                Some(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
                None => format!("day {n}"),
            },
        }
    }
}

impl Granularity {
    /// The first day of the bucket whose label is `label` (as [`Granularity::label`] writes it):
    /// `1990s` and `1990` give 1990-01-01, `1990-Q2` 1990-04-01, `1990-W05` that week's Monday.
    /// `None` for a label this granularity does not write. The typed outputs (`--format
    /// tidy-parquet`) carry it as a date beside the label.
    pub fn first_day(self, label: &str) -> Option<Date> {
        let year_of = |s: &str| s.parse::<i32>().ok();
        let jan1 = |y: i32| Date::from_calendar_date(y, Month::January, 1).ok();
        match self {
            Granularity::Decade => jan1(year_of(label.strip_suffix('s')?)?),
            Granularity::Year => jan1(year_of(label)?),
            Granularity::Quarter => {
                let (y, q) = label.rsplit_once("-Q")?;
                let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                Date::from_calendar_date(year_of(y)?, Month::try_from((q - 1) * 3 + 1).ok()?, 1).ok()
            }
            Granularity::Month => {
                let (y, m) = label.rsplit_once('-')?;
                Date::from_calendar_date(year_of(y)?, Month::try_from(m.parse::<u8>().ok()?).ok()?, 1).ok()
            }
            Granularity::Week => {
                let (y, w) = label.rsplit_once("-W")?;
                Date::from_iso_week_date(year_of(y)?, w.parse().ok()?, time::Weekday::Monday).ok()
            }
            Granularity::Day => {
                let d = self.bucket(label)?;
                Date::from_julian_day(i32::try_from(d).ok()?).ok()
            }
        }
    }
}

/// One `--by` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum By {
    Author,
    /// A field of the record that `stance` passes through (`meta.party`).
    Meta(String),
    Date(Granularity),
}

impl FromStr for By {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "author" {
            return Ok(By::Author);
        }
        if let Some(field) = s.strip_prefix("meta.") {
            if field.is_empty() {
                return Err("meta. needs a field name, as in meta.party".into());
            }
            return Ok(By::Meta(field.to_string()));
        }
        if let Some(g) = s.strip_prefix("date:") {
            return match Granularity::ALL.iter().find(|(_, n)| *n == g) {
                Some((g, _)) => Ok(By::Date(*g)),
                None => Err(format!("'{g}' is not a time bucket: use decade, year, quarter, month, week or day")),
            };
        }
        Err(format!("'{s}' is not a grouping: use author, meta.FIELD or date:decade|year|quarter|month|week|day"))
    }
}

impl fmt::Display for By {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            By::Author => f.write_str("author"),
            By::Meta(field) => write!(f, "meta.{field}"),
            By::Date(g) => write!(f, "date:{}", g.name()),
        }
    }
}

/// One part of a group key: a text value, or a time bucket's number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KeyPart {
    Text(String),
    Bucket(i64),
}

/// The key of one group: one part per `--by`.
pub type GroupKey = Vec<KeyPart>;

/// The `--by` keys of a run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    pub by: Vec<By>,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping { by: vec![By::Author] }
    }
}

impl Grouping {
    /// Checks the keys: at least one, no key twice, at most one time bucket.
    pub fn new(by: Vec<By>) -> Result<Self> {
        if by.is_empty() {
            return Ok(Grouping::default());
        }
        for (i, b) in by.iter().enumerate() {
            if by[..i].contains(b) {
                bail!("--by {b} is given twice");
            }
        }
        if by.iter().filter(|b| matches!(b, By::Date(_))).count() > 1 {
            bail!("at most one --by date:... key (a group is in one time bucket)");
        }
        Ok(Grouping { by })
    }

    /// The grouping of these names (as [`Grouping::names`] gives them, in a saved header).
    pub fn from_names(names: &[String]) -> Result<Self> {
        Grouping::new(names.iter().map(|b| b.parse().map_err(anyhow::Error::msg)).collect::<Result<_>>()?)
    }

    /// What the reports say of the grouping, given per key the documents that lacked it.
    pub fn report(&self, missing: &[usize]) -> GroupingReport {
        let names = self.names();
        GroupingReport {
            documents_without_group: missing.iter().sum(),
            missing: names.iter().cloned().zip(missing.iter().copied()).collect(),
            by: names,
        }
    }

    /// The keys as given on the command line.
    pub fn names(&self) -> Vec<String> {
        self.by.iter().map(By::to_string).collect()
    }

    /// The position of the time key, if there is one.
    pub fn date_position(&self) -> Option<usize> {
        self.by.iter().position(|b| matches!(b, By::Date(_)))
    }

    /// The document's group key, or the index of the first key it lacks. A meta value that is a
    /// string is taken as is; numbers and booleans by their JSON text; `null` counts as missing.
    pub fn key(&self, doc: &Document) -> Result<GroupKey, usize> {
        self.key_of(doc.author.as_deref(), doc.date.as_deref(), &doc.meta)
    }

    /// [`Grouping::key`] from a document's fields (as a report carries them).
    pub fn key_of(&self, author: Option<&str>, date: Option<&str>, meta: &Meta) -> Result<GroupKey, usize> {
        self.by
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let part = match b {
                    By::Author => author.map(|a| KeyPart::Text(a.to_string())),
                    By::Meta(field) => meta.get(field).and_then(|raw| meta_text(raw.get())).map(KeyPart::Text),
                    By::Date(g) => date.and_then(|d| g.bucket(d)).map(KeyPart::Bucket),
                };
                part.ok_or(i)
            })
            .collect()
    }

    /// The key's parts as text (time buckets by their labels).
    pub fn parts(&self, key: &GroupKey) -> Vec<String> {
        key.iter()
            .zip(&self.by)
            .map(|(part, by)| match (part, by) {
                (KeyPart::Text(t), _) => t.clone(),
                (KeyPart::Bucket(n), By::Date(g)) => g.label(*n),
                (KeyPart::Bucket(n), _) => n.to_string(),
            })
            .collect()
    }

    /// The key as one label: the parts joined by [`LABEL_SEPARATOR`].
    pub fn label(&self, key: &GroupKey) -> String {
        self.parts(key).join(LABEL_SEPARATOR)
    }

    /// Two different keys among `keys` whose labels are equal (a text value holding
    /// [`LABEL_SEPARATOR`] makes `x · y`+`z` read as `x`+`y · z`), if any.
    pub fn shared_label<'a>(&self, keys: impl Iterator<Item = &'a GroupKey>) -> Option<(&'a GroupKey, &'a GroupKey)> {
        if self.by.len() < 2 {
            return None;
        }
        let mut seen = std::collections::HashMap::new();
        for k in keys {
            if let Some(other) = seen.insert(self.label(k), k) {
                if other != k {
                    return Some((other, k));
                }
            }
        }
        None
    }

    /// Every key to report, in order: the keys seen and, when there is a time key, every bucket
    /// between the first and the last bucket seen for every combination of the other keys seen.
    /// Filling stops (and `false` is returned with the keys seen) when it would add more than
    /// `limit` empty groups.
    pub fn with_empty_buckets(&self, seen: &[GroupKey], limit: usize) -> (Vec<GroupKey>, bool) {
        let Some(t) = self.date_position() else { return (seen.to_vec(), true) };
        let buckets = seen.iter().filter_map(|k| match k.get(t) {
            Some(KeyPart::Bucket(n)) => Some(*n),
            _ => None,
        });
        let (Some(first), Some(last)) = (buckets.clone().min(), buckets.max()) else {
            return (seen.to_vec(), true);
        };
        let mut others: Vec<GroupKey> = seen
            .iter()
            .map(|k| {
                let mut k = k.clone();
                k.remove(t);
                k
            })
            .collect();
        others.sort();
        others.dedup();
        let span = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
        if others.len().saturating_mul(span).saturating_sub(seen.len()) > limit {
            return (seen.to_vec(), false);
        }
        let mut all = Vec::with_capacity(others.len() * span);
        for other in &others {
            for n in first..=last {
                let mut k = other.clone();
                k.insert(t, KeyPart::Bucket(n));
                all.push(k);
            }
        }
        all.sort();
        (all, true)
    }
}

/// Empty time-bucket groups listed in one report at most: past it none are, and a warning names
/// the widest gap between dates (one far-off date would otherwise fill a million empty days). A
/// constant rather than a flag, so that `analyze`, `merge` and `report` list the same groups.
pub const MAX_EMPTY_BUCKETS: usize = 100_000;

/// The widest gap between consecutive time buckets of `seen` (keys of this grouping) as the two
/// buckets' labels with their document counts (`documents` per key): where to look for a wrong date.
pub fn widest_gap<'a>(
    grouping: &Grouping,
    seen: impl Iterator<Item = (&'a GroupKey, u64)>,
) -> Option<((String, u64), (String, u64))> {
    let t = grouping.date_position()?;
    let By::Date(g) = grouping.by[t] else { return None };
    let mut per_bucket = std::collections::BTreeMap::<i64, u64>::new();
    for (key, n) in seen {
        if let Some(KeyPart::Bucket(b)) = key.get(t) {
            *per_bucket.entry(*b).or_default() += n;
        }
    }
    let buckets: Vec<(i64, u64)> = per_bucket.into_iter().collect();
    let (a, b) = buckets.windows(2).map(|w| (w[0], w[1])).max_by_key(|(a, b)| (b.0 - a.0, std::cmp::Reverse(a.0)))?;
    Some(((g.label(a.0), a.1), (g.label(b.0), b.1)))
}

fn meta_text(raw: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(raw).ok()? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// A group as the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupingReport {
    /// The `--by` keys, in order.
    pub by: Vec<String>,
    /// Documents that lack some key: counted here, in no group.
    pub documents_without_group: usize,
    /// Per key, the documents that lack it (a document lacking two keys counts under the first).
    pub missing: std::collections::BTreeMap<String, usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_labels() {
        let cases = [
            (Granularity::Decade, "1947-03-12", "1940s"),
            (Granularity::Year, "1947", "1947"),
            (Granularity::Quarter, "2008-11-04", "2008-Q4"),
            (Granularity::Month, "2008-11", "2008-11"),
            (Granularity::Day, "2008-11-04T10:00Z", "2008-11-04"),
            // 2010-01-03 is a Sunday in ISO week 53 of 2009.
            (Granularity::Week, "2010-01-03", "2009-W53"),
            (Granularity::Week, "2010-01-04", "2010-W01"),
        ];
        for (g, date, label) in cases {
            assert_eq!(g.label(g.bucket(date).unwrap()), label, "{g:?} {date}");
        }
        assert_eq!(Granularity::Month.bucket("1947"), None, "a year says nothing of the month");
        assert_eq!(Granularity::Day.bucket("2021-02-30"), None, "not a calendar date");
        let w = Granularity::Week;
        assert_eq!(w.bucket("2010-01-04").unwrap() - w.bucket("2010-01-03").unwrap(), 1);
        assert_eq!(w.bucket("2010-01-10"), w.bucket("2010-01-04"));
    }

    #[test]
    fn the_first_day_of_every_bucket_is_read_back_from_its_label() {
        for (g, _) in Granularity::ALL {
            for date in
                ["1789-04-30", "1947-03-12", "2008-11-04", "2009-12-31", "2010-01-03", "2010-01-04", "2021-02-28"]
            {
                let label = g.label(g.bucket(date).unwrap());
                let first = g.first_day(&label).unwrap_or_else(|| panic!("{g:?} {label}"));
                let d = Date::from_julian_day(Granularity::Day.bucket(date).unwrap() as i32).unwrap();
                assert!(first <= d, "{g:?} {label}: {first} after {date}");
                let iso = first.to_string();
                assert_eq!(g.label(g.bucket(&iso).unwrap()), label, "{g:?}: {iso} is in another bucket than {date}");
                let before = first.previous_day().unwrap().to_string();
                assert_ne!(g.label(g.bucket(&before).unwrap()), label, "{g:?}: {first} is not the first day");
            }
        }
        assert_eq!(Granularity::Quarter.first_day("2008-Q4").unwrap().to_string(), "2008-10-01");
        assert_eq!(Granularity::Week.first_day("2009-W53").unwrap().to_string(), "2009-12-28");
        assert_eq!(Granularity::Decade.first_day("1940s").unwrap().to_string(), "1940-01-01");
        assert_eq!(Granularity::Month.first_day("week 3"), None);
    }

    #[test]
    fn parses_keys_and_refuses_bad_ones() {
        assert_eq!("meta.party".parse::<By>(), Ok(By::Meta("party".into())));
        assert_eq!("date:month".parse::<By>(), Ok(By::Date(Granularity::Month)));
        assert!("date:fortnight".parse::<By>().unwrap_err().contains("fortnight"));
        assert!("party".parse::<By>().is_err());
        assert!(Grouping::new(vec![By::Date(Granularity::Year), By::Date(Granularity::Month)]).is_err());
        assert!(Grouping::new(vec![By::Author, By::Author]).is_err());
        assert_eq!(Grouping::new(vec![]).unwrap(), Grouping::default());
    }

    #[test]
    fn fills_empty_buckets_for_each_other_key() {
        let g = Grouping::new(vec![By::Author, By::Date(Granularity::Year)]).unwrap();
        let k = |a: &str, y: i64| vec![KeyPart::Text(a.into()), KeyPart::Bucket(y)];
        let (all, filled) = g.with_empty_buckets(&[k("b", 2001), k("a", 2003)], 100);
        assert!(filled);
        let labels: Vec<String> = all.iter().map(|key| g.label(key)).collect();
        assert_eq!(labels, ["a · 2001", "a · 2002", "a · 2003", "b · 2001", "b · 2002", "b · 2003"]);
        // Four empty groups: a limit of 4 fills them, 3 does not.
        assert!(g.with_empty_buckets(&[k("b", 2001), k("a", 2003)], 4).1);
        let (capped, filled) = g.with_empty_buckets(&[k("b", 2001), k("a", 2003)], 3);
        assert!(!filled);
        assert_eq!(capped.len(), 2);
    }

    #[test]
    fn labels_that_collide_are_found() {
        let g = Grouping::new(vec![By::Author, By::Meta("party".into())]).unwrap();
        let k = |a: &str, b: &str| vec![KeyPart::Text(a.into()), KeyPart::Text(b.into())];
        let keys = [k("x · y", "z"), k("x", "y · z"), k("w", "v")];
        let (a, b) = g.shared_label(keys.iter()).expect("x · y · z twice");
        assert_eq!((g.label(a), a != b), ("x · y · z".to_string(), true));
        assert_eq!(g.shared_label(keys[1..].iter()), None);
    }

    #[test]
    fn the_widest_gap_names_the_far_off_date() {
        let g = Grouping::new(vec![By::Date(Granularity::Day)]).unwrap();
        let day = |d: &str| vec![KeyPart::Bucket(Granularity::Day.bucket(d).unwrap())];
        let seen = [(day("2000-01-01"), 3), (day("2000-01-03"), 1), (day("4730-01-01"), 1)];
        let gap = widest_gap(&g, seen.iter().map(|(k, n)| (k, *n)));
        assert_eq!(gap, Some((("2000-01-03".to_string(), 1), ("4730-01-01".to_string(), 1))));
        let (_, filled) =
            g.with_empty_buckets(&seen.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), MAX_EMPTY_BUCKETS);
        assert!(!filled, "1.7 million empty days are not listed");
    }
}
