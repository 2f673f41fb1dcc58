//! What authcheck knows without asking anyone: clouds and their hosts, the well-known APIs, and the
//! AADSTS code catalog. Facts only; rules decide what they mean.

pub mod aadsts;
pub mod apis;
pub mod clouds;
