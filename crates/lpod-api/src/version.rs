//! The API versions this service speaks.

/// The highest Docker Engine API version whose behaviour this crate implements (the
/// Docker CLI negotiates down to it).
pub const API_VERSION: &str = "1.41";
/// The lowest API version a client may use.
pub const MIN_API_VERSION: &str = "1.24";
