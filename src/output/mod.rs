//! Pages in memory → files: the search index, the sitemap, the exports, and
//! the atomic write of the whole site.

pub mod exports;
pub mod search;
pub mod sitemap;
pub mod writer;
