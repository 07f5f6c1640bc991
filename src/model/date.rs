//! Calendar dates (`2025-01-29`), written as TOML dates or as strings.

use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::ValueError;

/// A date without a time zone, checked for a real month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, ValueError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(ValueError::new(
                format!("{year:04}-{month:02}-{day:02} is not a day of the calendar"),
                format!(
                    "{} has {} days; write the date as YYYY-MM-DD",
                    month_name(month),
                    if (1..=12).contains(&month) {
                        days_in_month(year, month)
                    } else {
                        0
                    }
                ),
            ));
        }
        Ok(Date { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// Days since 1970-01-01, for differences between dates.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_name(month: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(usize::from(month).wrapping_sub(1))
        .copied()
        .unwrap_or("no month")
}

fn date_help() -> String {
    "write a date as YYYY-MM-DD, for example `2025-01-29`".to_string()
}

impl FromStr for Date {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Date, ValueError> {
        let invalid = || ValueError::new(format!("`{text}` is not a date"), date_help());
        let mut fields = text.trim().split('-');
        let (Some(year), Some(month), Some(day), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(invalid());
        };
        let well_formed = year.len() == 4 && month.len() == 2 && day.len() == 2;
        let all_digits = [year, month, day]
            .iter()
            .all(|f| f.chars().all(|c| c.is_ascii_digit()));
        if !well_formed || !all_digits {
            return Err(invalid());
        }
        Date::new(
            year.parse().map_err(|_| invalid())?,
            month.parse().map_err(|_| invalid())?,
            day.parse().map_err(|_| invalid())?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        // A TOML date arrives as a `toml::value::Datetime`; a quoted date as a string.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Datetime(toml::value::Datetime),
            Text(String),
        }
        let raw = Raw::deserialize(deserializer)
            .map_err(|_| de::Error::custom(ValueError::new("expected a date", date_help())))?;
        match raw {
            Raw::Text(text) => text.parse().map_err(de::Error::custom),
            Raw::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => {
                    Date::new(date.year, date.month, date.day).map_err(de::Error::custom)
                }
                _ => Err(de::Error::custom(ValueError::new(
                    format!("`{datetime}` has a time; a date is expected"),
                    date_help(),
                ))),
            },
        }
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "description": "A date, YYYY-MM-DD (a TOML date or a quoted string)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_dates() {
        assert_eq!(
            "2025-01-29".parse::<Date>().unwrap().to_string(),
            "2025-01-29"
        );
        assert!("2024-02-29".parse::<Date>().is_ok(), "leap day");
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        let error = "2025-02-30".parse::<Date>().unwrap_err();
        assert_eq!(error.message, "2025-02-30 is not a day of the calendar");
        assert_eq!(
            error.help,
            "February has 28 days; write the date as YYYY-MM-DD"
        );
        assert!("2023-02-29".parse::<Date>().is_err(), "not a leap year");
        assert!("1900-02-29".parse::<Date>().is_err(), "century rule");
        assert!("2025-13-01".parse::<Date>().is_err());
        assert!("2025-1-5".parse::<Date>().is_err());
        assert!("29/01/2025".parse::<Date>().is_err());
        assert!("2025-01-29-01".parse::<Date>().is_err());
    }

    #[test]
    fn day_arithmetic() {
        let epoch: Date = "1970-01-01".parse().unwrap();
        assert_eq!(epoch.days_since_epoch(), 0);
        let ga: Date = "2026-08-06".parse().unwrap();
        let upgrade: Date = "2026-09-05".parse().unwrap();
        assert_eq!(ga.days_until(upgrade), 30);
        let leap_start: Date = "2024-02-28".parse().unwrap();
        let leap_end: Date = "2024-03-01".parse().unwrap();
        assert_eq!(leap_start.days_until(leap_end), 2);
    }

    #[test]
    fn deserializes_toml_dates_and_strings() {
        #[derive(Deserialize)]
        struct Holder {
            a: Date,
            b: Date,
        }
        let holder: Holder = toml::from_str("a = 2025-01-29\nb = \"2025-02-17\"").unwrap();
        assert_eq!(holder.a.to_string(), "2025-01-29");
        assert_eq!(holder.b.to_string(), "2025-02-17");
        assert!(toml::from_str::<Holder>("a = 2025-01-29T10:00:00\nb = 2025-01-01").is_err());
    }
}
