//! `/volumes/*`: named volumes come with lpod's volume support, which the API does
//! not reach yet; every volume endpoint answers 501 with that said.

use hyper::Method;

use crate::http::{ApiError, ApiResult};

/// Any `/volumes` request. `GET /volumes/{name}` is a 404 (no volume exists), so
/// `docker inspect NAME` falls through it to "no such object" as with Docker.
pub(crate) fn not_yet(m: &Method, seg: &[&str]) -> ApiResult {
    if let (true, [_, name]) = (*m == Method::GET, seg) {
        return Err(ApiError::NotFound(format!(
            "no such volume: {name} (named volumes are not offered by lpod's API yet)"
        )));
    }
    Err(ApiError::NotImplemented(
        "named volumes are not offered by lpod's API yet (volume create/ls/inspect/rm/prune)"
            .into(),
    ))
}
