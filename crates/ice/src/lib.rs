//! A sans-IO ICE agent (RFC 8445, RFC 8838 trickle, RFC 7675 consent).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agent;
mod candidate;
mod checklist;
mod error;
mod message;

pub use agent::{
    Agent, AgentConfig, AgentStats, ConnectionState, Credentials, Event, GatheringState, Received,
    Role, SelectedPair, Transmit, TurnServer,
};
pub use candidate::{COMPONENT, Candidate, CandidateKind, foundation, local_preference, priority};
pub use checklist::{PairState, pair_priority};
pub use error::Error;
