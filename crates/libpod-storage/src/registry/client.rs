//! The HTTP side: a tokio runtime and an oci-client per operation, TLS and insecure
//! handling, credentials, and mapping client errors onto [`RegistryError`].

use super::{auth, Credentials, RegistryError, RegistryOptions, Result};
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use std::time::Duration;

/// One registry connection: the runtime that drives it, the client, its auth.
pub(crate) struct Conn {
    pub rt: tokio::runtime::Runtime,
    pub client: Client,
    pub auth: RegistryAuth,
    /// `host[:port]`, as the user wrote it.
    pub registry: String,
}

/// True when `registry` may use plain HTTP or an unverified certificate.
pub(crate) fn is_insecure(registry: &str, opts: &RegistryOptions) -> bool {
    match opts.tls_verify {
        Some(v) => !v,
        None => opts.insecure.iter().any(|i| i == registry) || opts.conf.is_insecure_host(registry),
    }
}

fn runtime(registry: &str) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("lpod-registry")
        .enable_all()
        .build()
        .map_err(|e| RegistryError::Connect {
            registry: registry.into(),
            msg: format!("starting the I/O runtime: {e}"),
        })
}

/// PEM certificates from `<certs_dir>/<registry>/*.crt` (and `*.pem`).
fn extra_certs(registry: &str, opts: &RegistryOptions) -> Result<Vec<Certificate>> {
    let Some(dir) = &opts.certs_dir else {
        return Ok(Vec::new());
    };
    let d = dir.join(registry);
    let rd = match std::fs::read_dir(&d) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(super::io_at(&d)(e)),
    };
    let mut out = Vec::new();
    for e in rd {
        let p = e.map_err(super::io_at(&d))?.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or_default();
        if ext == "crt" || ext == "pem" {
            let data = std::fs::read(&p).map_err(super::io_at(&p))?;
            out.push(Certificate {
                encoding: CertificateEncoding::Pem,
                data,
            });
        }
    }
    Ok(out)
}

fn make_client(registry: &str, opts: &RegistryOptions, http: bool) -> Result<Client> {
    let insecure = is_insecure(registry, opts);
    let cfg = ClientConfig {
        protocol: if http {
            ClientProtocol::HttpsExcept(vec![registry.to_string()])
        } else {
            ClientProtocol::Https
        },
        accept_invalid_certificates: insecure,
        extra_root_certificates: extra_certs(registry, opts)?,
        platform_resolver: None,
        max_concurrent_download: opts.parallel.max(1),
        max_concurrent_upload: opts.parallel.max(1),
        connect_timeout: Some(Duration::from_secs(30)),
        read_timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    Ok(Client::new(cfg))
}

fn registry_auth(c: Option<Credentials>) -> RegistryAuth {
    match c {
        Some(c) => RegistryAuth::Basic(c.username, c.password),
        None => RegistryAuth::Anonymous,
    }
}

/// True when the error chain says the connection itself was refused.
fn refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        cur = x.source();
    }
    false
}

/// Opens a connection to the registry of `reference` for `op`. An insecure registry is
/// probed over HTTPS (certificate not verified) first and falls back to plain HTTP.
pub(crate) fn connect(
    registry: &str,
    reference: &Reference,
    opts: &RegistryOptions,
    creds: Option<Credentials>,
    op: RegistryOperation,
) -> Result<Conn> {
    let rt = runtime(registry)?;
    let creds = match creds {
        Some(c) => Some(c),
        None => auth::credentials_for(registry, opts)?,
    };
    let auth = registry_auth(creds);
    let mut client = make_client(registry, opts, false)?;
    if is_insecure(registry, opts) {
        if let Err(OciDistributionError::RequestError(e)) =
            rt.block_on(client.auth(reference, &auth, op))
        {
            if refused(&e) {
                return Err(map_err(
                    registry,
                    &reference.whole(),
                    OciDistributionError::RequestError(e),
                ));
            }
            tracing::debug!(registry, "HTTPS probe failed ({e}), using plain HTTP");
            client = make_client(registry, opts, true)?;
        }
    }
    rt.block_on(client.store_auth_if_needed(reference.resolve_registry(), &auth));
    Ok(Conn {
        rt,
        client,
        auth,
        registry: registry.to_string(),
    })
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(x) = cur {
        let m = x.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = x.source();
    }
    s
}

/// Maps an oci-client error onto ours.
pub(crate) fn map_err(registry: &str, reference: &str, e: OciDistributionError) -> RegistryError {
    let reg = || registry.to_string();
    match e {
        OciDistributionError::AuthenticationFailure(_)
        | OciDistributionError::UnauthorizedError { .. } => {
            RegistryError::Unauthorized { registry: reg() }
        }
        OciDistributionError::ImageManifestNotFoundError(_) => RegistryError::NotFound {
            reference: reference.into(),
        },
        OciDistributionError::RegistryError { envelope, url } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            if codes.iter().any(|c| {
                matches!(
                    c,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::NotFound
                        | OciErrorCode::BlobUnknown
                )
            }) {
                RegistryError::NotFound {
                    reference: reference.into(),
                }
            } else if codes
                .iter()
                .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            {
                RegistryError::Unauthorized { registry: reg() }
            } else {
                RegistryError::Registry {
                    registry: reg(),
                    msg: format!("{url}: {envelope}"),
                }
            }
        }
        OciDistributionError::ServerError { code, url, message } => match code {
            401 | 403 => RegistryError::Unauthorized { registry: reg() },
            404 => RegistryError::NotFound {
                reference: reference.into(),
            },
            _ => RegistryError::Registry {
                registry: reg(),
                msg: format!("{url}: HTTP {code}: {}", message.trim()),
            },
        },
        OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
            expected,
            actual,
        }) => RegistryError::DigestMismatch {
            digest: expected,
            got: actual,
        },
        OciDistributionError::RequestError(e) if e.status().is_some() => {
            match e.status().map(|s| s.as_u16()) {
                Some(401 | 403) => RegistryError::Unauthorized { registry: reg() },
                Some(404) => RegistryError::NotFound {
                    reference: reference.into(),
                },
                _ => RegistryError::Registry {
                    registry: reg(),
                    msg: chain(&e),
                },
            }
        }
        OciDistributionError::RequestError(e) => {
            let msg = chain(&e);
            let l = msg.to_ascii_lowercase();
            if !refused(&e)
                && (l.contains("certificate")
                    || l.contains("tls")
                    || l.contains("handshake")
                    || l.contains("unknownissuer")
                    || l.contains("corrupt message"))
            {
                RegistryError::Tls {
                    registry: reg(),
                    msg,
                }
            } else {
                RegistryError::Connect {
                    registry: reg(),
                    msg,
                }
            }
        }
        OciDistributionError::IoError(e) => RegistryError::Connect {
            registry: reg(),
            msg: e.to_string(),
        },
        other => RegistryError::Registry {
            registry: reg(),
            msg: other.to_string(),
        },
    }
}

/// Checks `creds` against `registry`: listing tags of a repository that need not exist
/// must not be refused.
pub(crate) fn verify_login(
    registry: &str,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<()> {
    let reference = Reference::with_tag(
        registry.to_string(),
        "lpod/login-check".to_string(),
        "latest".to_string(),
    );
    let conn = connect(
        registry,
        &reference,
        opts,
        Some(creds.clone()),
        RegistryOperation::Pull,
    )?;
    let r = conn
        .rt
        .block_on(conn.client.list_tags(&reference, &conn.auth, Some(1), None));
    match r {
        Ok(_) => Ok(()),
        Err(e) => match map_err(registry, &reference.whole(), e) {
            RegistryError::NotFound { .. } => Ok(()),
            other => Err(other),
        },
    }
}
