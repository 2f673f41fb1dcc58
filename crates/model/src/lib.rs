//! The model of authcheck's pipeline (sources → evidence → rules → findings → report): the evidence
//! document every source fills, the findings and checks the later stages produce, and the knowledge
//! tables (clouds, well-known APIs, the AADSTS catalog) they all consult. No I/O, no async.

pub mod evidence;
pub mod knowledge;
pub mod report;
pub mod timeline;
