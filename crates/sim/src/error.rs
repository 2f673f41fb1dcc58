//! Why the simulator could not start: the scenario names something that does not exist, a key or
//! certificate could not be made, or a port or file could not be used.

use std::path::PathBuf;

type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is well-formed TOML but refers to something it does not define.
    #[error("{0}")]
    Scenario(String),
    /// A key, certificate or TLS configuration could not be made.
    #[error("cannot make the {what}")]
    Crypto {
        what: &'static str,
        #[source]
        source: Cause,
    },
    #[error("cannot listen on 127.0.0.1:{port}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the scenario's set-up stopped")]
    Setup(#[source] tokio::task::JoinError),
}

impl SimError {
    pub(crate) fn crypto(what: &'static str) -> impl FnOnce(Cause) -> SimError {
        move |source| SimError::Crypto { what, source }
    }

    /// The message with each cause after it, on one line (`cannot listen on …: address in use`).
    pub fn one_line(&self) -> String {
        let mut s = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            s.push_str(": ");
            s.push_str(&c.to_string());
            cause = c.source();
        }
        s
    }
}
