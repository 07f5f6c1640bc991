//! The integration tests: one binary (every extra `tests/*.rs` is another
//! link step), one module per command or concern.

mod adoption;
mod browser;
mod build;
mod check;
mod checker;
mod e2e;
mod example;
mod hostile;
mod incremental;
mod init;
mod killed;
mod new;
mod pictures;
mod quality;
mod random;
mod schema;
mod serve;
mod serve_load;
mod site_test;
mod strange;
mod support;
mod vectors;
