//! Identifiers and source positions.
//!
//! Every id in the data is a newtype (`SizeId`, `MethodId`, …) so that a
//! service id can never be passed where a size is expected. Fields that other
//! files refer to, or that later checks must point at, are wrapped in [`At`],
//! which keeps the byte span of the value in its file.

use std::fmt;
use std::ops::{Deref, Range};
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::ValueError;

/// A value together with the byte span it was read from.
#[derive(Debug, Clone)]
pub struct At<T> {
    value: T,
    span: Range<usize>,
}

impl<T> At<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        At { value, span }
    }

    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> Deref for At<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for At<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for At<T> {}

impl<T: PartialOrd> PartialOrd for At<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for At<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for At<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
        let span = spanned.span();
        Ok(At::new(spanned.into_inner(), span))
    }
}

impl<T: Serialize> Serialize for At<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for At<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// Checks the shape every id shares: lowercase ASCII letters, digits and
/// hyphens, starting with a letter or digit.
pub fn check_id_syntax(text: &str) -> Result<(), ValueError> {
    let valid = !text.is_empty()
        && text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        let suggestion: String = text
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        Err(ValueError::new(
            format!("`{text}` is not a valid id"),
            format!(
                "ids use lowercase letters, digits and hyphens (at most 64), such as `{}`",
                if suggestion.trim_matches('-').is_empty() {
                    "acme-prod"
                } else {
                    suggestion.trim_matches('-')
                }
            ),
        ))
    }
}

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident => $what:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// What this id names, for messages ("size", "deployment method").
            pub const WHAT: &'static str = $what;

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(text: &str) -> Result<Self, ValueError> {
                check_id_syntax(text)?;
                Ok($name(text.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!("The id of a ", $what, "."),
                    "pattern": "^[a-z0-9][a-z0-9-]*$"
                })
            }
        }
    )*};
}

id_types! {
    /// A deployment method in the catalog (`helm`, `kustomize`, …).
    MethodId => "deployment method";
    /// A hosting provider in the catalog (`aws`, `on-prem`, …).
    ProviderId => "hosting provider";
    /// An environment kind in the catalog (`dev`, `staging`, `prod`, `replica`).
    EnvironmentId => "environment";
    /// A CPU architecture in the catalog (`amd64`, `arm64`).
    ArchId => "CPU architecture";
    /// An executor runtime in the catalog (`firecracker`, …).
    ExecutorId => "executor runtime";
    /// An implementation strategy in the catalog (`jointly-deployed`, …).
    StrategyId => "implementation strategy";
    /// A Kubernetes distribution in the catalog (`eks`, `gke`, …).
    DistributionId => "Kubernetes distribution";
    /// A service of the product in the catalog (`frontend`, `gitserver`, …).
    ServiceId => "service";
    /// A product feature in the catalog (`batch-changes`, `rockskip`, …).
    FeatureId => "feature";
    /// A kind of code host in the catalog (`github`, `gitlab`, …).
    CodeHostId => "code host kind";
    /// A kind of externalizable service in the catalog (`postgres`, …).
    ExternalId => "external service kind";
    /// One of the nine exit criteria in the catalog.
    ExitCriterionId => "exit criterion";
    /// A reference architecture size (`xs` … `xl`).
    SizeId => "reference architecture size";
    /// A support rule in `support.toml`.
    RuleId => "support rule";
    /// An engagement, equal to its file name.
    EngagementId => "engagement";
    /// A build profile in `site.toml`.
    ProfileId => "build profile";
}

/// One id or a list of ids, as support rules allow (`method = "helm"` or
/// `method = ["helm", "kustomize"]`). Items written in a list keep their own
/// spans; a single item gets the span of the field (see [`OneOrMany::spanned`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T> {
    items: Vec<At<T>>,
}

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|item| item.value())
    }

    /// Each item with its span, falling back to `field` for a single value.
    pub fn spanned<'a>(
        &'a self,
        field: &'a At<OneOrMany<T>>,
    ) -> impl Iterator<Item = (&'a T, Range<usize>)> {
        self.items.iter().map(move |item| {
            let span = if item.span.is_empty() {
                field.span()
            } else {
                item.span()
            };
            (item.value(), span)
        })
    }

    pub fn contains(&self, value: &T) -> bool
    where
        T: PartialEq,
    {
        self.items.iter().any(|item| item.value() == value)
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(At::value))
    }
}

impl<'de, T> Deserialize<'de> for OneOrMany<T>
where
    T: Deserialize<'de> + FromStr<Err = ValueError>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T> de::Visitor<'de> for Visitor<T>
        where
            T: Deserialize<'de> + FromStr<Err = ValueError>,
        {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id or a list of ids")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<OneOrMany<T>, E> {
                let value = text.parse().map_err(E::custom)?;
                Ok(OneOrMany {
                    items: vec![At::new(value, 0..0)],
                })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<At<T>>()? {
                    items.push(item);
                }
                if items.is_empty() {
                    return Err(de::Error::custom(ValueError::new(
                        "the list is empty",
                        "give at least one id, or remove the key",
                    )));
                }
                Ok(OneOrMany { items })
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<T>();
        schemars::json_schema!({
            "anyOf": [item, { "type": "array", "items": item, "minItems": 1 }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_kebab() {
        assert!("jointly-deployed".parse::<StrategyId>().is_ok());
        assert!("k8s-1".parse::<StrategyId>().is_ok());
        let error = "Jointly Deployed".parse::<StrategyId>().unwrap_err();
        assert_eq!(error.message, "`Jointly Deployed` is not a valid id");
        assert!(error.help.contains("`jointly-deployed`"));
        assert!("".parse::<SizeId>().is_err());
        assert!("-x".parse::<SizeId>().is_err());
        assert!("a_b".parse::<SizeId>().is_err());
    }

    #[test]
    fn one_or_many_reads_both_forms_with_spans() {
        #[derive(Deserialize)]
        struct Holder {
            one: At<OneOrMany<MethodId>>,
            many: At<OneOrMany<MethodId>>,
        }
        let text = "one = \"helm\"\nmany = [\"helm\", \"kustomize\"]";
        let holder: Holder = toml::from_str(text).unwrap();
        let one: Vec<_> = holder.one.spanned(&holder.one).collect();
        assert_eq!(&text[one[0].1.clone()], "\"helm\"");
        let many: Vec<_> = holder.many.spanned(&holder.many).collect();
        assert_eq!(many.len(), 2);
        assert_eq!(&text[many[1].1.clone()], "\"kustomize\"");
    }
}
