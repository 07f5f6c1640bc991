//! refarch: a static site generator for reference architectures, support
//! matrices and customer implementation records.
//!
//! The pipeline runs one way: [`load`] reads `data/` and `content/` into the
//! validated [`model`], reporting [`diagnostics`]; later stages analyze and
//! render it. [`cli`] maps each command onto the library.

pub mod analysis;
pub mod build;
pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod keyed;
pub mod load;
pub mod model;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod serve;

#[cfg(test)]
mod fuzz;
