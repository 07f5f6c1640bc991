//! A file kind's JSON Schema compiled for the key walk in `toml_file`: for
//! each place in a document, the keys a table there may hold and what the
//! items of an array there are. Walking the schema itself cost a chain of
//! JSON map lookups (`$ref`, `anyOf`, `type`, `properties`, …) for every
//! key of every file: a fifth of parsing the 10 000-engagement site.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use serde_json::Value as Json;

use crate::schema::FileKind;

/// A place in a document, as an index into [`KeyTree::nodes`].
pub type NodeId = usize;

pub struct KeyTree {
    /// The document's top level.
    top: Table,
    nodes: Vec<Node>,
}

/// What the schema says of a value at one place.
#[derive(Default)]
pub struct Node {
    /// What a table here may hold, when the schema allows a table here. A
    /// table the schema does not describe is not walked.
    pub table: Option<Table>,
    /// The place of this array's items: [`KeyTree::ANY`] when the schema
    /// allows no array here or does not describe its items.
    pub items: NodeId,
}

pub struct Table {
    properties: FxHashMap<&'static str, NodeId>,
    /// The place of every value of a map keyed by ids.
    map_values: Option<NodeId>,
    /// Whether a key that is not a property is an error.
    closed: bool,
    /// The property names, in the schema's order, for "did you mean".
    pub keys: Vec<&'static str>,
}

/// Where a key leads.
pub enum Key {
    To(NodeId),
    /// Not allowed here.
    Unknown,
    /// Allowed but not described: only placeholders are looked for.
    Undescribed,
}

impl Table {
    pub fn key(&self, name: &str) -> Key {
        match self.properties.get(name).copied().or(self.map_values) {
            Some(node) => Key::To(node),
            None if self.closed => Key::Unknown,
            None => Key::Undescribed,
        }
    }
}

impl KeyTree {
    /// The place of a value the schema says nothing of: `true`.
    pub const ANY: NodeId = 0;

    /// The tree of `kind`, compiled once per process.
    pub fn of(kind: FileKind) -> &'static KeyTree {
        static TREES: LazyLock<Vec<KeyTree>> = LazyLock::new(|| {
            FileKind::ALL
                .iter()
                .map(|kind| KeyTree::compile(kind.cached_schema()))
                .collect()
        });
        let index = FileKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every kind is in ALL");
        &TREES[index]
    }

    pub fn top(&self) -> &Table {
        &self.top
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    fn compile(root: &'static Json) -> KeyTree {
        static ANY_SCHEMA: Json = Json::Bool(true);
        let mut compiler = Compiler {
            root,
            nodes: Vec::new(),
            made: FxHashMap::default(),
        };
        let any = compiler.node(&ANY_SCHEMA);
        debug_assert_eq!(any, KeyTree::ANY);
        let top = compiler.table(compiler.resolve(root));
        KeyTree {
            top,
            nodes: compiler.nodes,
        }
    }
}

struct Compiler {
    root: &'static Json,
    nodes: Vec<Node>,
    /// Nodes by the address of their resolved schema, so that a type used
    /// in many places, or inside itself, is compiled once.
    made: FxHashMap<*const Json, NodeId>,
}

impl Compiler {
    fn node(&mut self, schema: &'static Json) -> NodeId {
        let schema = self.resolve(schema);
        if let Some(&id) = self.made.get(&(schema as *const Json)) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        self.made.insert(schema, id);
        let table = self
            .branch(schema, "object")
            .map(|object| self.table(object));
        let items = match self.branch(schema, "array").and_then(|a| a.get("items")) {
            Some(items) => self.node(items),
            None => KeyTree::ANY,
        };
        self.nodes[id] = Node { table, items };
        id
    }

    fn table(&mut self, schema: &'static Json) -> Table {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        // Maps keyed by ids come out as `patternProperties`; key syntax is
        // checked when the ids parse, so any pattern's schema will do here.
        let map_values = schema
            .get("patternProperties")
            .and_then(Json::as_object)
            .and_then(|patterns| patterns.values().next())
            .or(additional.filter(|a| a.is_object()))
            .map(|values| self.node(values));
        let keys: Vec<&'static str> = properties
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let properties = properties
            .into_iter()
            .flatten()
            .map(|(name, property)| (name.as_str(), self.node(property)))
            .collect();
        Table {
            properties,
            map_values,
            closed: additional == Some(&Json::Bool(false)),
            keys,
        }
    }

    /// Follows `$ref` into the root's `$defs`.
    fn resolve(&self, schema: &'static Json) -> &'static Json {
        let mut schema = schema;
        while let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            let name = reference.rsplit('/').next().unwrap_or_default();
            match self.root.get("$defs").and_then(|defs| defs.get(name)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The branch of an `anyOf`/`oneOf` that describes a value of
    /// `json_type`, resolved.
    fn branch(&self, schema: &'static Json, json_type: &str) -> Option<&'static Json> {
        let schema = self.resolve(schema);
        let alternatives = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array);
        match alternatives {
            Some(list) => list
                .iter()
                .find_map(|option| self.branch(option, json_type)),
            None => {
                let matches = match schema.get("type") {
                    Some(Json::String(t)) => t == json_type,
                    Some(Json::Array(types)) => types.iter().any(|t| t == json_type),
                    None => schema.get("properties").is_some() && json_type == "object",
                    _ => false,
                };
                matches.then_some(schema)
            }
        }
    }
}
