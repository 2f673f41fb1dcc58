//! The live sources and the doctor: one HTTP client (timeouts, bounded retries, proxies, loopback
//! rules), the token-endpoint prober, the Microsoft Graph and ARM readers, the data-plane caller,
//! credentials (secret, certificate, federated, password, managed identity, a token you have), the
//! workload-identity subjects of GitHub and Azure Pipelines, and the doctor's orchestration that
//! runs them in chains and assembles one evidence document.

pub mod arm;
pub mod credential;
pub mod dataplane;
pub mod doctor;
pub mod fix;
pub mod graph;
pub mod http;
pub mod signin;
pub mod token_endpoint;
pub mod workload_oidc;
