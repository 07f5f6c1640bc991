//! Versions and ranges: product releases (`5.3.9104`, `v6.12.1792`, `6.0`),
//! Kubernetes and PostgreSQL versions (`1.31`, `16`), and the ranges support
//! rules put on them (`">=1.28, <1.33"`), plus numeric ranges for usage
//! figures (`">5000"`).
//!
//! A bound compares at its own precision: `<=5.11` holds for `5.11.6271`
//! because the version is cut to two components before comparing, and `<16`
//! holds for PostgreSQL `15.4`. The browser engine follows the same rule.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::ValueError;

/// A version of one to three numeric components; a leading `v` is accepted.
///
/// The components are held inline rather than in a `Vec`: the facts of
/// every engagement clone, sort and compare catalog versions dozens of
/// times, and each `Vec` was an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    /// The components, and zeros past `len`: comparing the arrays compares
    /// the versions as if padded with zeros.
    parts: [u64; 3],
    len: u8,
}

impl Version {
    /// A version of `parts`, one to three components.
    pub fn new(parts: &[u64]) -> Self {
        assert!(
            (1..=3).contains(&parts.len()),
            "a version has one to three components, not {}",
            parts.len()
        );
        let mut inline = [0; 3];
        inline[..parts.len()].copy_from_slice(parts);
        Version {
            parts: inline,
            len: parts.len() as u8,
        }
    }

    pub fn major(&self) -> u64 {
        self.parts[0]
    }

    /// The second component, or zero for a version of one.
    pub fn minor(&self) -> u64 {
        self.parts[1]
    }

    /// The `major.minor` release this version belongs to, as numbers:
    /// equal for two versions exactly when their [`Version::release`]s
    /// are.
    pub fn release_key(&self) -> (u64, u64) {
        (self.major(), self.minor())
    }

    /// The `major.minor` release this version belongs to.
    pub fn release(&self) -> Version {
        Version::new(&[self.major(), self.minor()])
    }

    pub fn components(&self) -> &[u64] {
        &self.parts[..usize::from(self.len)]
    }

    /// Compares with `bound` using only as many components as `bound` has.
    pub fn cmp_at_precision_of(&self, bound: &Version) -> Ordering {
        self.parts[..usize::from(bound.len)].cmp(bound.components())
    }
}

impl Ord for Version {
    /// Padded with zeros, so that `6.0` and `6.0.0` are equal.
    fn cmp(&self, other: &Version) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn version_help() -> String {
    "write a version as numbers separated by dots: `6.0`, `5.3.9104` or `v6.12.1792`".to_string()
}

impl FromStr for Version {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Version, ValueError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let not_a_version =
            || ValueError::new(format!("`{text}` is not a version"), version_help());
        let mut parts = [0; 3];
        let mut len = 0;
        for part in digits.split('.') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(not_a_version());
            }
            let slot = parts.get_mut(len).ok_or_else(not_a_version)?;
            *slot = part.parse().map_err(|_| not_a_version())?;
            len += 1;
        }
        Ok(Version::new(&parts[..len]))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written part by part: versions are printed on every page and row.
        for (at, part) in self.components().iter().enumerate() {
            if at > 0 {
                f.write_str(".")?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Version, D::Error> {
        struct VersionVisitor;
        impl de::Visitor<'_> for VersionVisitor {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string such as \"6.0\" or \"5.3.9104\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Version, E> {
                text.parse().map_err(|e: ValueError| E::custom(e))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Version, E> {
                Err(E::custom(ValueError::new(
                    format!("the version {number} is a number, not a string"),
                    format!("quote it: `\"{number}\"`"),
                )))
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Version, E> {
                self.visit_i64(i64::try_from(number).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Version, E> {
                // `6.10` written unquoted reads as the float 6.1: refuse it.
                Err(E::custom(ValueError::new(
                    format!("the version {number} is a number, not a string"),
                    format!("quote it, or `6.10` would read as `6.1`: `\"{number}\"`"),
                )))
            }
        }
        deserializer.deserialize_any(VersionVisitor)
    }
}

impl JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A version: one to three numbers separated by dots, optionally after a `v` (`\"6.0\"`, `\"5.3.9104\"`).",
            "pattern": "^v?[0-9]+(\\.[0-9]+){0,2}$"
        })
    }
}

/// A comparison operator in a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operator {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = ">=")]
    GreaterOrEqual,
    #[serde(rename = "=")]
    Equal,
}

impl Operator {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Operator::Less => ordering == Ordering::Less,
            Operator::LessOrEqual => ordering != Ordering::Greater,
            Operator::Greater => ordering == Ordering::Greater,
            Operator::GreaterOrEqual => ordering != Ordering::Less,
            Operator::Equal => ordering == Ordering::Equal,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Operator::Less => "<",
            Operator::LessOrEqual => "<=",
            Operator::Greater => ">",
            Operator::GreaterOrEqual => ">=",
            Operator::Equal => "=",
        }
    }

    /// Splits a leading operator off `text`; no operator means `=`.
    fn split(text: &str) -> (Operator, &str) {
        for (symbol, operator) in [
            ("<=", Operator::LessOrEqual),
            (">=", Operator::GreaterOrEqual),
            ("<", Operator::Less),
            (">", Operator::Greater),
            ("=", Operator::Equal),
        ] {
            if let Some(rest) = text.strip_prefix(symbol) {
                return (operator, rest.trim_start());
            }
        }
        (Operator::Equal, text)
    }
}

/// Every comparator of a range must hold; `*` holds for any version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    comparators: Vec<(Operator, Version)>,
}

impl VersionRange {
    pub fn any() -> Self {
        VersionRange {
            comparators: Vec::new(),
        }
    }

    pub fn is_any(&self) -> bool {
        self.comparators.is_empty()
    }

    pub fn contains(&self, version: &Version) -> bool {
        self.comparators
            .iter()
            .all(|(operator, bound)| operator.holds(version.cmp_at_precision_of(bound)))
    }

    pub fn comparators(&self) -> &[(Operator, Version)] {
        &self.comparators
    }
}

fn range_help(example: &str) -> String {
    format!(
        "write comparators separated by commas, each `<`, `<=`, `>`, `>=` or `=` before a value \
         (`{example}`), or `*` for any"
    )
}

impl FromStr for VersionRange {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<VersionRange, ValueError> {
        let trimmed = text.trim();
        if trimmed == "*" {
            return Ok(VersionRange::any());
        }
        let comparators = parse_comparators(text, |bound| bound.parse::<Version>().ok())
            .ok_or_else(|| {
                ValueError::new(
                    format!("`{text}` is not a version range"),
                    range_help(">=1.28, <1.33"),
                )
            })?;
        Ok(VersionRange { comparators })
    }
}

fn parse_comparators<T>(
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<Vec<(Operator, T)>> {
    let comparators: Option<Vec<_>> = text
        .split(',')
        .map(|comparator| {
            let (operator, bound) = Operator::split(comparator.trim());
            parse(bound.trim()).map(|bound| (operator, bound))
        })
        .collect();
    comparators.filter(|list| !list.is_empty())
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_any() {
            return f.write_str("*");
        }
        let text: Vec<String> = self
            .comparators
            .iter()
            .map(|(operator, bound)| format!("{}{bound}", operator.symbol()))
            .collect();
        f.write_str(&text.join(", "))
    }
}

/// Every comparator must hold; used for users, repositories and the like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRange {
    comparators: Vec<(Operator, u64)>,
}

impl NumberRange {
    pub fn contains(&self, number: u64) -> bool {
        self.comparators
            .iter()
            .all(|(operator, bound)| operator.holds(number.cmp(bound)))
    }

    pub fn comparators(&self) -> &[(Operator, u64)] {
        &self.comparators
    }
}

impl FromStr for NumberRange {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<NumberRange, ValueError> {
        let comparators =
            parse_comparators(text, |bound| bound.replace('_', "").parse::<u64>().ok())
                .ok_or_else(|| {
                    ValueError::new(
                        format!("`{text}` is not a numeric range"),
                        range_help(">5000"),
                    )
                })?;
        Ok(NumberRange { comparators })
    }
}

impl fmt::Display for NumberRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: Vec<String> = self
            .comparators
            .iter()
            .map(|(operator, bound)| format!("{}{bound}", operator.symbol()))
            .collect();
        f.write_str(&text.join(", "))
    }
}

/// Serde through `FromStr` and `Display` for the range types.
macro_rules! string_serde {
    ($type:ty, $expecting:literal, $pattern:literal) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$type, D::Error> {
                struct RangeVisitor;
                impl de::Visitor<'_> for RangeVisitor {
                    type Value = $type;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$type, E> {
                        text.parse().map_err(|e: ValueError| E::custom(e))
                    }
                }
                deserializer.deserialize_str(RangeVisitor)
            }
        }

        impl JsonSchema for $type {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($type).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "description": $expecting,
                    "pattern": $pattern
                })
            }
        }
    };
}

string_serde!(
    VersionRange,
    "a version range such as \">=1.28, <1.33\", \"<16\" or \"*\"",
    "^(\\*|\\s*(<=|>=|<|>|=)?\\s*v?[0-9]+(\\.[0-9]+){0,2}\\s*(,\\s*(<=|>=|<|>|=)?\\s*v?[0-9]+(\\.[0-9]+){0,2}\\s*)*)$"
);
string_serde!(
    NumberRange,
    "a numeric range such as \">5000\" or \">=1000, <=5000\"",
    "^\\s*(<=|>=|<|>|=)?\\s*[0-9_]+\\s*(,\\s*(<=|>=|<|>|=)?\\s*[0-9_]+\\s*)*$"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    fn range(text: &str) -> VersionRange {
        text.parse().unwrap()
    }

    #[test]
    fn versions_parse_with_and_without_prefix_and_patch() {
        assert_eq!(v("5.3.9104").components(), &[5, 3, 9104]);
        assert_eq!(v("v6.12.1792").components(), &[6, 12, 1792]);
        assert_eq!(v("6.0").components(), &[6, 0]);
        assert_eq!(v("16").components(), &[16]);
        assert_eq!(v("v6.12.1792").to_string(), "6.12.1792");
        assert_eq!(v("v6.12.1792").release(), v("6.12"));
    }

    #[test]
    fn versions_reject_junk() {
        for bad in [
            "",
            "v",
            "6.",
            ".6",
            "6..0",
            "6.0.0.1",
            "6.x",
            "latest",
            "6.0-rc1",
            "6.99999999999999999999",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn versions_order_numerically_not_lexically() {
        assert!(v("6.10") > v("6.9"));
        assert!(v("5.11") < v("6.0"));
        assert_eq!(v("6.0").cmp(&v("6.0.0")), Ordering::Equal);
        assert!(v("5.3.9104") > v("5.3"));
    }

    #[test]
    fn ranges_compare_at_the_precision_of_their_bounds() {
        assert!(range("<=5.11").contains(&v("5.11.6271")));
        assert!(!range(">5.11").contains(&v("5.11.6271")));
        assert!(range("<16").contains(&v("15.4")));
        assert!(!range("<16").contains(&v("16.0")));
        assert!(range(">=16").contains(&v("16")));
        assert!(range("=5.10").contains(&v("5.10.1")));
        assert!(range("5.10").contains(&v("5.10.3")));
    }

    #[test]
    fn kubernetes_range_boundaries() {
        let supported = range(">=1.19, <1.33");
        assert!(!supported.contains(&v("1.18")));
        assert!(supported.contains(&v("1.19")));
        assert!(supported.contains(&v("1.32.4")));
        assert!(!supported.contains(&v("1.33")));
    }

    #[test]
    fn star_matches_everything_and_prints_back() {
        assert!(range("*").contains(&v("1.0")));
        assert!(range("*").is_any());
        assert_eq!(range("*").to_string(), "*");
        assert_eq!(range(">=1.28,<1.33").to_string(), ">=1.28, <1.33");
    }

    #[test]
    fn ranges_reject_junk() {
        for bad in ["", ">=", ">= 1.28,", "=>1.28", "~1.2", "1.28 - 1.30", ">=a"] {
            assert!(
                bad.parse::<VersionRange>().is_err(),
                "{bad:?} should not parse"
            );
        }
        let error = "=>1.28".parse::<VersionRange>().unwrap_err();
        assert_eq!(error.message, "`=>1.28` is not a version range");
    }

    #[test]
    fn number_ranges() {
        let above = "> 5000".parse::<NumberRange>().unwrap();
        assert!(!above.contains(5000));
        assert!(above.contains(5001));
        let between = ">=1000, <=5_000".parse::<NumberRange>().unwrap();
        assert!(between.contains(1000) && between.contains(5000));
        assert!(!between.contains(999) && !between.contains(5001));
        assert!("many".parse::<NumberRange>().is_err());
        assert!(">-5".parse::<NumberRange>().is_err());
    }
}
