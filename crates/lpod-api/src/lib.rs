//! lpod-api: a Docker Engine compatible REST API over `libpod-core`, served on a Unix
//! socket (`lpod system service`).
//!
//! The Docker CLI, Docker SDKs and compose speak this API. Every handler maps a
//! request onto libpod-core, running the (blocking) core call on tokio's blocking
//! pool: requests take the same locks and journal as the CLI, so CLI and API users
//! share one store safely. Paths are served with and without the `/v1.NN` prefix;
//! errors are Docker's `{"message": ...}` with its status codes (404 no such object,
//! 409 conflict, 304 not modified, 400 bad parameter, 500 otherwise).
//!
//! tokio stays inside this crate: [`serve`] builds its own runtime and blocks.
//!
//! ```no_run
//! let rt = libpod_core::Runtime::builder()
//!     .root("/tmp/lpod/root")
//!     .run_root("/tmp/lpod/run")
//!     .build()?;
//! let opts = lpod_api::ServeOptions::new("unix:///tmp/lpod/api.sock")?;
//! lpod_api::serve(rt, opts)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![recursion_limit = "256"]

mod archive;
mod containers;
mod decode;
mod df;
mod events;
mod exec;
mod http;
mod images;
mod networks;
mod router;
mod server;
mod session;
mod state;
mod system;
mod types;
mod version;
mod volumes;

pub use decode::check_request;
pub use http::ApiError;
pub use server::{serve, Endpoint, ServeError, ServeOptions, DEFAULT_URI};
pub use version::{API_VERSION, MIN_API_VERSION};
