//! Values kept from one build to the next by id, each with the key (a hash)
//! of the inputs it was made from. `serve` updates them in place: one edit
//! changes one entry of ten thousand, and building a fresh map of ten
//! thousand ids on every rebuild costs more than the edit itself.

use std::collections::HashMap;
use std::hash::BuildHasher;

use rayon::prelude::*;

/// Values by id, each with the key of its inputs, and the same values in
/// the order of the items last refreshed.
#[derive(Debug, Clone)]
pub struct Keyed<V> {
    by_id: rustc_hash::FxHashMap<String, (u64, V)>,
    /// What the last [`refresh`] found for each of its items, in their
    /// order: an item whose key is the one at its position is found here
    /// without its id being hashed and looked up, which, over ten thousand
    /// items in memory too large for the processor's caches, cost `serve`
    /// milliseconds per pass.
    in_order: Vec<(u64, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed {
            by_id: Default::default(),
            in_order: Vec::new(),
        }
    }
}

impl<V> Keyed<V> {
    /// The key and value of `id`.
    pub fn get(&self, id: &str) -> Option<&(u64, V)> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every id with its key and value, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &(u64, V))> {
        self.by_id.iter()
    }
}

impl<V> std::ops::Index<&str> for Keyed<V> {
    type Output = (u64, V);

    fn index(&self, id: &str) -> &(u64, V) {
        &self.by_id[id]
    }
}

/// What [`refresh`] changed, and every item's value.
#[derive(Debug, PartialEq, Eq)]
pub struct Refreshed<V> {
    /// The positions, among the items, of those whose value was made.
    pub made: Vec<usize>,
    /// The ids dropped.
    pub dropped: Vec<String>,
    /// Each item's value, in the items' order: callers that list every
    /// item need not look each up again.
    pub values: Vec<V>,
}

/// How [`refresh`] found an item's value.
enum Found {
    /// At the item's position, as the last refresh left it.
    InPlace,
    /// By id: the item moved.
    Moved,
    /// Made now.
    Made,
}

/// Brings `cache` up to date with `items`: the value of an item that is new
/// or whose key (given the item's position and the item) changed is made
/// again, in parallel; the others are kept as they are, and ids no longer
/// among the items are dropped. On an error, nothing is changed.
///
/// A key must identify its item as well as its inputs (two items never
/// share one): an item whose key is the one the last refresh had at the
/// same position takes that value without its id being looked up.
pub fn refresh<T, V, E>(
    cache: &mut Keyed<V>,
    items: &[T],
    id: impl Fn(&T) -> &str + Sync,
    key: impl Fn(usize, &T) -> u64 + Sync,
    make: impl Fn(&T) -> Result<V, E> + Sync,
) -> Result<Refreshed<V>, E>
where
    T: Sync,
    V: Clone + Send + Sync,
    E: Send,
{
    let previous = &*cache;
    // Each item's value and key, and how it was found.
    let found: Vec<(Found, u64, V)> = items
        .par_iter()
        .enumerate()
        .map(|(at, item)| {
            let key = key(at, item);
            if let Some((cached, value)) = previous.in_order.get(at)
                && *cached == key
            {
                return Ok((Found::InPlace, key, value.clone()));
            }
            match previous.by_id.get(id(item)) {
                Some((cached, value)) if *cached == key => Ok((Found::Moved, key, value.clone())),
                _ => make(item).map(|value| (Found::Made, key, value)),
            }
        })
        .collect::<Result<_, E>>()?;
    // The contract, checked in the builds the tests run.
    debug_assert!(
        {
            let mut keys = rustc_hash::FxHashSet::default();
            found.iter().all(|(_, key, _)| keys.insert(*key))
        },
        "keyed::refresh: two items share a key"
    );
    let mut refreshed = Refreshed {
        made: Vec::new(),
        dropped: Vec::new(),
        values: Vec::with_capacity(found.len()),
    };
    // Patched in place while the items are as many as before; otherwise
    // remade.
    let in_place = cache.in_order.len() == items.len();
    if !in_place {
        cache.in_order = found
            .iter()
            .map(|(_, key, value)| (*key, value.clone()))
            .collect();
    }
    for (at, (how, key, value)) in found.into_iter().enumerate() {
        if let Found::Made = how {
            put(&mut cache.by_id, id(&items[at]), (key, value.clone()));
            refreshed.made.push(at);
        }
        if in_place && !matches!(how, Found::InPlace) {
            cache.in_order[at] = (key, value.clone());
        }
        refreshed.values.push(value);
    }
    refreshed.dropped = retain_present(&mut cache.by_id, items.iter().map(id));
    Ok(refreshed)
}

/// The value `slot` holds when it was made under `key`; otherwise one made
/// by `make`, which the slot then keeps.
pub fn reuse<T: Clone, E>(
    slot: &mut Option<(u64, T)>,
    key: u64,
    make: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if let Some((made_under, value)) = slot
        && *made_under == key
    {
        return Ok(value.clone());
    }
    let value = make()?;
    *slot = Some((key, value.clone()));
    Ok(value)
}

/// Sets the value of `id`, copying the id only when it is new.
pub fn put<V, S: BuildHasher>(map: &mut HashMap<String, V, S>, id: &str, value: V) {
    match map.get_mut(id) {
        Some(entry) => *entry = value,
        None => {
            map.insert(id.to_string(), value);
        }
    }
}

/// Drops the entries whose id is not in `present`, and returns their ids.
/// The map must hold an entry for every id in `present`, so that it holds
/// more entries exactly when some are gone: until then this costs nothing.
pub fn retain_present<'a, V, S: BuildHasher>(
    map: &mut HashMap<String, V, S>,
    present: impl ExactSizeIterator<Item = &'a str>,
) -> Vec<String> {
    if map.len() <= present.len() {
        return Vec::new();
    }
    let present: rustc_hash::FxHashSet<&str> = present.collect();
    let gone: Vec<String> = map
        .keys()
        .filter(|id| !present.contains(id.as_str()))
        .cloned()
        .collect();
    for id in &gone {
        map.remove(id);
    }
    gone
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of an (id, input) item: it identifies the item, as
    /// `refresh` requires.
    fn key_of(item: &(&str, u64)) -> u64 {
        crate::render::fingerprint(item)
    }

    /// Items are (id, input); values count how often each was made.
    fn refresh_counting(
        cache: &mut Keyed<String>,
        items: &[(&str, u64)],
        made: &std::sync::atomic::AtomicUsize,
    ) -> Refreshed<String> {
        refresh(
            cache,
            items,
            |item| item.0,
            |_, item| key_of(item),
            |item| {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>(format!("{}={}", item.0, item.1))
            },
        )
        .unwrap()
    }

    #[test]
    fn only_new_and_changed_items_are_made_and_gone_ones_are_dropped() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        let mut cache = Keyed::default();
        refresh_counting(&mut cache, &[("a", 1), ("b", 1), ("c", 1)], &made);
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 3);

        // b changed, c is gone, d is new: two made, c dropped.
        let refreshed = refresh_counting(&mut cache, &[("a", 1), ("b", 2), ("d", 1)], &made);
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 5);
        let mut made_now = refreshed.made.clone();
        made_now.sort();
        assert_eq!(made_now, [1, 2]);
        assert_eq!(refreshed.dropped, ["c"]);
        assert_eq!(refreshed.values, ["a=1", "b=2", "d=1"]);
        let mut entries: Vec<(&str, u64, &str)> = cache
            .iter()
            .map(|(id, (key, value))| (id.as_str(), *key, value.as_str()))
            .collect();
        entries.sort();
        let key = |id, input| key_of(&(id, input));
        assert_eq!(
            entries,
            [
                ("a", key("a", 1), "a=1"),
                ("b", key("b", 2), "b=2"),
                ("d", key("d", 1), "d=1")
            ]
        );
    }

    /// Values found at their item's position and values found by id,
    /// after the items shift, are each item's own.
    #[test]
    fn items_that_shift_keep_their_own_values() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        let made_now = || made.swap(0, std::sync::atomic::Ordering::SeqCst);
        let mut cache = Keyed::default();
        let steps: [(&[(&str, u64)], usize); 6] = [
            (&[("a", 1), ("b", 1), ("c", 1)], 3),
            // Every item moves one place.
            (&[("x", 1), ("a", 1), ("b", 1), ("c", 1)], 1),
            // And back.
            (&[("a", 1), ("b", 1), ("c", 1)], 0),
            // As many items, one changed in place.
            (&[("a", 1), ("b", 2), ("c", 1)], 1),
            // As many items, two swapped.
            (&[("a", 1), ("c", 1), ("b", 2)], 0),
            // Found in place where the swap left them.
            (&[("a", 1), ("c", 1), ("b", 2)], 0),
        ];
        for (items, expected) in steps {
            let refreshed = refresh_counting(&mut cache, items, &made);
            let values: Vec<String> = items.iter().map(|(id, n)| format!("{id}={n}")).collect();
            assert_eq!(refreshed.values, values);
            assert_eq!(made_now(), expected, "{items:?}");
        }
    }

    /// Keys that do not tell items apart would hand one item's value to
    /// another in place: builds with debug assertions refuse them.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "two items share a key")]
    fn keys_shared_by_two_items_are_refused() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        refresh(
            &mut Keyed::default(),
            &[("a", 1), ("b", 1)],
            |item| item.0,
            |_, item| item.1,
            |item| {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>(item.0.to_string())
            },
        )
        .unwrap();
    }

    #[test]
    fn a_slot_is_made_again_only_under_another_key() {
        let mut slot = None;
        let made = std::cell::Cell::new(0);
        let make = |value: u32| {
            made.set(made.get() + 1);
            Ok::<_, ()>(value)
        };
        assert_eq!(reuse(&mut slot, 1, || make(10)), Ok(10));
        assert_eq!(reuse(&mut slot, 1, || make(20)), Ok(10));
        assert_eq!(reuse(&mut slot, 2, || make(30)), Ok(30));
        assert_eq!(made.get(), 2);
        assert_eq!(reuse(&mut slot, 3, || Err::<u32, _>(())), Err(()));
        assert_eq!(slot, Some((2, 30)), "a failure keeps the slot");
    }

    #[test]
    fn a_failure_leaves_the_cache_as_it_was() {
        let mut cache = Keyed::default();
        refresh(
            &mut cache,
            &[("a", 1)],
            |i| i.0,
            |_, i| key_of(i),
            |_| Ok::<_, ()>(1),
        )
        .unwrap();
        let failed = refresh(
            &mut cache,
            &[("a", 2), ("b", 1)],
            |i| i.0,
            |_, i| key_of(i),
            |_| Err::<u32, _>("broken"),
        );
        assert_eq!(failed, Err("broken"));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache["a"], (key_of(&("a", 1)), 1));
    }
}
