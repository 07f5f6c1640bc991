//! Resource quantities: CPU in cores or millicores, and byte sizes with
//! decimal (`G`) or binary (`Gi`) units.
//!
//! Both are kept exact as integers (millicores, bytes) so that `8G` and `8Gi`
//! compare correctly and totals never drift through floating point.

use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::ValueError;

/// A CPU quantity, stored in millicores: `4` is 4 000, `500m` is 500,
/// `2.5` is 2 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cpu {
    millicores: u64,
}

impl Cpu {
    pub const fn from_millicores(millicores: u64) -> Self {
        Cpu { millicores }
    }

    pub const fn millicores(self) -> u64 {
        self.millicores
    }

    /// Cores as a float, for display and ratios only.
    pub fn cores(self) -> f64 {
        self.millicores as f64 / 1000.0
    }

    pub fn checked_mul(self, factor: u64) -> Option<Cpu> {
        self.millicores
            .checked_mul(factor)
            .map(Cpu::from_millicores)
    }
}

impl std::ops::Add for Cpu {
    type Output = Cpu;
    fn add(self, other: Cpu) -> Cpu {
        Cpu::from_millicores(self.millicores.saturating_add(other.millicores))
    }
}

impl std::iter::Sum for Cpu {
    fn sum<I: Iterator<Item = Cpu>>(iter: I) -> Cpu {
        iter.fold(Cpu::default(), |total, cpu| total + cpu)
    }
}

fn cpu_help() -> String {
    "write CPU as cores (`4`, `2.5`) or millicores (`500m`)".to_string()
}

impl FromStr for Cpu {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Cpu, ValueError> {
        let trimmed = text.trim();
        let (number, scale) = match trimmed.strip_suffix('m') {
            Some(number) => (number, 1),
            None => (trimmed, 1000),
        };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            let message = match number.find(|c: char| !c.is_ascii_digit() && c != '.') {
                Some(at) if at > 0 => format!(
                    "`{text}` is not a CPU quantity: `{}` is not a CPU unit",
                    number[at..].trim()
                ),
                _ => format!("`{text}` is not a CPU quantity"),
            };
            return Err(ValueError::new(message, cpu_help()));
        }
        let millicores = parse_decimal_scaled(number, scale).ok_or_else(|| {
            ValueError::new(
                format!("`{text}` is not a whole number of millicores"),
                cpu_help(),
            )
        })?;
        Ok(Cpu::from_millicores(millicores))
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millicores.is_multiple_of(1000) {
            write!(f, "{}", self.millicores / 1000)
        } else {
            write!(f, "{}m", self.millicores)
        }
    }
}

impl Serialize for Cpu {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cpu {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cpu, D::Error> {
        struct CpuVisitor;
        impl de::Visitor<'_> for CpuVisitor {
            type Value = Cpu;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPU quantity such as `4`, `2.5` or `500m`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Cpu, E> {
                text.parse().map_err(|e: ValueError| E::custom(e))
            }
            fn visit_i64<E: de::Error>(self, cores: i64) -> Result<Cpu, E> {
                u64::try_from(cores)
                    .ok()
                    .and_then(|cores| cores.checked_mul(1000))
                    .map(Cpu::from_millicores)
                    .ok_or_else(|| E::custom(ValueError::new("CPU cannot be negative", cpu_help())))
            }
            fn visit_u64<E: de::Error>(self, cores: u64) -> Result<Cpu, E> {
                self.visit_i64(i64::try_from(cores).unwrap_or(-1))
            }
            fn visit_f64<E: de::Error>(self, cores: f64) -> Result<Cpu, E> {
                // Go through the decimal text so that 2.5 is exactly 2 500m.
                self.visit_str(&cores.to_string())
            }
        }
        deserializer.deserialize_any(CpuVisitor)
    }
}

impl JsonSchema for Cpu {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cpu".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "CPU: cores (`4`, `2.5`) or millicores (`\"500m\"`).",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?m?$" }
            ]
        })
    }
}

/// A size in bytes. Decimal units (`k`, `M`, `G`, `T`, `P`, `E`) are powers of
/// 1 000 and binary units (`Ki` … `Ei`) powers of 1 024, as in Kubernetes, so
/// `8G` (8 000 000 000) is less than `8Gi` (8 589 934 592).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes {
    bytes: u64,
}

const BYTE_UNITS: [(&str, u64); 12] = [
    ("Ei", 1 << 60),
    ("Pi", 1 << 50),
    ("Ti", 1 << 40),
    ("Gi", 1 << 30),
    ("Mi", 1 << 20),
    ("Ki", 1 << 10),
    ("E", 1_000_000_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("T", 1_000_000_000_000),
    ("G", 1_000_000_000),
    ("M", 1_000_000),
    ("k", 1_000),
];

impl Bytes {
    pub const fn from_bytes(bytes: u64) -> Self {
        Bytes { bytes }
    }

    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// Gigabytes (10^9) as a float, for display and ratios only.
    pub fn gigabytes(self) -> f64 {
        self.bytes as f64 / 1e9
    }

    pub fn checked_mul(self, factor: u64) -> Option<Bytes> {
        self.bytes.checked_mul(factor).map(Bytes::from_bytes)
    }

    /// A short form for people: the exact form when it is short (`26Gi`,
    /// `500M`), otherwise gigabytes with one decimal (`150.9G`).
    pub fn readable(self) -> String {
        let exact = self.to_string();
        let digits = exact.chars().take_while(char::is_ascii_digit).count();
        if digits <= 4 {
            exact
        } else {
            format!("{:.1}G", self.gigabytes())
        }
    }
}

impl std::ops::Add for Bytes {
    type Output = Bytes;
    fn add(self, other: Bytes) -> Bytes {
        Bytes::from_bytes(self.bytes.saturating_add(other.bytes))
    }
}

impl std::iter::Sum for Bytes {
    fn sum<I: Iterator<Item = Bytes>>(iter: I) -> Bytes {
        iter.fold(Bytes::default(), |total, size| total + size)
    }
}

fn bytes_help(number: &str) -> String {
    let example = if number.is_empty() { "8" } else { number };
    format!(
        "write `{example}G` ({example}×10^9 bytes) or `{example}Gi` ({example}×2^30 bytes); \
         units are k, M, G, T, P, E and Ki, Mi, Gi, Ti, Pi, Ei"
    )
}

impl FromStr for Bytes {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Bytes, ValueError> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = unit.trim_start();
        if number.is_empty() {
            return Err(ValueError::new(
                format!("`{text}` is not a size: it does not start with a number"),
                bytes_help(""),
            ));
        }
        let multiplier = if unit.is_empty() {
            1
        } else {
            BYTE_UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, multiplier)| *multiplier)
                .ok_or_else(|| {
                    ValueError::new(
                        format!("`{text}` is not a size: `{unit}` is not a byte unit"),
                        bytes_help(number),
                    )
                })?
        };
        let bytes = parse_decimal_scaled(number, multiplier).ok_or_else(|| {
            ValueError::new(
                format!("`{text}` is not a whole number of bytes or is too large"),
                bytes_help(number),
            )
        })?;
        Ok(Bytes::from_bytes(bytes))
    }
}

impl fmt::Display for Bytes {
    /// Prints the largest unit that divides the size exactly, so that what
    /// was written as `26Gi` prints as `26Gi` and `500M` as `500M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bytes == 0 {
            return f.write_str("0");
        }
        let best = BYTE_UNITS
            .iter()
            .filter(|(_, multiplier)| self.bytes.is_multiple_of(*multiplier))
            .max_by_key(|(_, multiplier)| *multiplier);
        match best {
            Some((unit, multiplier)) => write!(f, "{}{unit}", self.bytes / multiplier),
            None => write!(f, "{}", self.bytes),
        }
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        struct BytesVisitor;
        impl de::Visitor<'_> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size with a unit such as `8G`, `26Gi` or `500M`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Bytes, E> {
                text.parse().map_err(|e: ValueError| E::custom(e))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Bytes, E> {
                // A bare number is almost always a forgotten unit, never bytes.
                Err(E::custom(ValueError::new(
                    format!("the size `{number}` has no unit"),
                    format!("quote it with a unit: `\"{number}G\"` or `\"{number}Gi\"`"),
                )))
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Bytes, E> {
                self.visit_i64(i64::try_from(number).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Bytes, E> {
                Err(E::custom(ValueError::new(
                    format!("the size `{number}` has no unit"),
                    format!("quote it with a unit: `\"{number}G\"` or `\"{number}Gi\"`"),
                )))
            }
        }
        deserializer.deserialize_any(BytesVisitor)
    }
}

impl JsonSchema for Bytes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bytes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A size with a unit: decimal k, M, G, T, P, E or binary Ki, Mi, Gi, Ti, Pi, Ei (`\"8G\"`, `\"26Gi\"`).",
            "pattern": "^[0-9]+(\\.[0-9]+)?(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"
        })
    }
}

/// Parses a non-negative decimal such as `2.5` and multiplies it by `scale`,
/// exactly: `None` when the result is not a whole number or overflows.
fn parse_decimal_scaled(number: &str, scale: u64) -> Option<u64> {
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .chars()
        .chain(fraction.chars())
        .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    if fraction.len() > 18 {
        return None;
    }
    let denominator = 10u128.pow(fraction.len() as u32);
    let digits = format!("{whole}{fraction}");
    let numerator: u128 = digits
        .trim_start_matches('0')
        .parse()
        .or_else(|_| {
            if digits.chars().all(|c| c == '0') {
                Ok(0)
            } else {
                Err(())
            }
        })
        .ok()?;
    let scaled = numerator.checked_mul(u128::from(scale))?;
    if scaled % denominator != 0 {
        return None;
    }
    u64::try_from(scaled / denominator).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(text: &str) -> u64 {
        text.parse::<Cpu>().unwrap().millicores()
    }

    fn bytes(text: &str) -> u64 {
        text.parse::<Bytes>().unwrap().bytes()
    }

    #[test]
    fn cpu_accepts_cores_fractions_and_millicores() {
        assert_eq!(cpu("4"), 4000);
        assert_eq!(cpu("500m"), 500);
        assert_eq!(cpu("2.5"), 2500);
        assert_eq!(cpu("0.25"), 250);
        assert_eq!(cpu(".5"), 500);
        assert_eq!(cpu("100m"), 100);
    }

    #[test]
    fn cpu_rejects_units_and_fractional_millicores() {
        let error = "4 cores".parse::<Cpu>().unwrap_err();
        assert_eq!(
            error.message,
            "`4 cores` is not a CPU quantity: `cores` is not a CPU unit"
        );
        assert!(error.help.contains("`500m`"));
        assert!("0.5m".parse::<Cpu>().is_err());
        assert!("".parse::<Cpu>().is_err());
        assert!("m".parse::<Cpu>().is_err());
        assert!("-1".parse::<Cpu>().is_err());
        assert!("1.2.3".parse::<Cpu>().is_err());
    }

    #[test]
    fn cpu_prints_cores_when_whole() {
        assert_eq!(Cpu::from_millicores(4000).to_string(), "4");
        assert_eq!(Cpu::from_millicores(2500).to_string(), "2500m");
        assert_eq!(Cpu::from_millicores(100).to_string(), "100m");
    }

    #[test]
    fn bytes_keeps_decimal_and_binary_exact() {
        assert_eq!(bytes("8G"), 8_000_000_000);
        assert_eq!(bytes("8Gi"), 8 * (1 << 30));
        assert_eq!(bytes("26Gi"), 26 * (1 << 30));
        assert_eq!(bytes("512Mi"), 512 * (1 << 20));
        assert_eq!(bytes("200Gi"), 200 * (1 << 30));
        assert_eq!(bytes("500M"), 500_000_000);
        assert_eq!(bytes("1.5G"), 1_500_000_000);
        assert_eq!(bytes("0.5Gi"), 1 << 29);
        assert_eq!(bytes("100k"), 100_000);
        assert_eq!(bytes("1024"), 1024);
        assert_eq!(bytes("0"), 0);
    }

    #[test]
    fn decimal_gigabytes_are_less_than_binary_gibibytes() {
        let decimal: Bytes = "8G".parse().unwrap();
        let binary: Bytes = "8Gi".parse().unwrap();
        assert!(decimal < binary);
        assert_eq!(
            "1000M".parse::<Bytes>().unwrap(),
            "1G".parse::<Bytes>().unwrap()
        );
    }

    #[test]
    fn bytes_rejects_unknown_units_with_a_suggestion() {
        let error = "8GB".parse::<Bytes>().unwrap_err();
        assert_eq!(
            error.message,
            "`8GB` is not a size: `GB` is not a byte unit"
        );
        assert!(error.help.starts_with("write `8G` (8×10^9 bytes) or `8Gi`"));
        assert!("8 gigs".parse::<Bytes>().is_err());
        assert!("G".parse::<Bytes>().is_err());
        assert!("1.5".parse::<Bytes>().is_err(), "fractional bytes");
        assert!("99999999E".parse::<Bytes>().is_err(), "overflow");
        assert!("8g".parse::<Bytes>().is_err(), "lower-case g is not a unit");
    }

    #[test]
    fn bytes_prints_the_largest_exact_unit() {
        assert_eq!("26Gi".parse::<Bytes>().unwrap().to_string(), "26Gi");
        assert_eq!("500M".parse::<Bytes>().unwrap().to_string(), "500M");
        assert_eq!("1.5G".parse::<Bytes>().unwrap().to_string(), "1500M");
        assert_eq!("1024".parse::<Bytes>().unwrap().to_string(), "1Ki");
        assert_eq!("1000".parse::<Bytes>().unwrap().to_string(), "1k");
        assert_eq!("7".parse::<Bytes>().unwrap().to_string(), "7");
    }

    #[test]
    fn readable_forms_stay_short() {
        assert_eq!("26Gi".parse::<Bytes>().unwrap().readable(), "26Gi");
        assert_eq!(Bytes::from_bytes(150_884_901_888).readable(), "150.9G");
    }

    #[test]
    fn sums_add_exactly() {
        let total: Bytes = ["8G", "8Gi"]
            .iter()
            .map(|t| t.parse::<Bytes>().unwrap())
            .sum();
        assert_eq!(total.bytes(), 8_000_000_000 + 8_589_934_592);
        let cpu_total: Cpu = ["500m", "2.5"]
            .iter()
            .map(|t| t.parse::<Cpu>().unwrap())
            .sum();
        assert_eq!(cpu_total.millicores(), 3000);
    }
}
