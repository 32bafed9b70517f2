//! `/volumes/*`: named volumes come with lpod's volume support, which the API does
//! not reach yet; every volume endpoint answers 501 with that said.

use crate::http::{ApiError, ApiResult};

/// Any `/volumes` request.
pub(crate) fn not_yet() -> ApiResult {
    Err(ApiError::NotImplemented(
        "named volumes are not offered by lpod's API yet (volume create/ls/inspect/rm/prune)"
            .into(),
    ))
}
