//! The one error type of this crate.

/// What the agent refuses. Datagrams from the network never produce an error: they are consumed,
/// answered, or dropped (see [`Received`](crate::Received)). These are the caller's inputs the
/// agent cannot use, and calls it cannot honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- remote candidates (RFC 8839 §5.1) ----
    /// Only UDP candidates are supported (no ICE-TCP, RFC 6544).
    #[error("only UDP candidates are supported")]
    UnsupportedTransport,
    /// WebRTC multiplexes everything on component 1 (rtcp-mux, BUNDLE).
    #[error("component {0} is not supported: only component 1 (rtcp-mux)")]
    UnsupportedComponent(u16),
    /// A candidate type other than host/srflx/prflx/relay.
    #[error("unknown candidate type")]
    UnknownCandidateType,
    /// The address is a host name that is not an mDNS `.local` name, or an mDNS name was given
    /// where an address is needed.
    #[error("the candidate address is a host name: resolve it first")]
    UnresolvedAddress,
    /// Foundation empty or longer than 32 characters.
    #[error("invalid candidate foundation")]
    InvalidFoundation,
    /// Priority 0 (RFC 8445 §5.1.2: 1 to 2^31-1).
    #[error("invalid candidate priority")]
    InvalidPriority,
    /// The candidate names another ICE generation (`ufrag` differs from the remote ufrag).
    #[error("the candidate belongs to another ICE generation (ufrag mismatch)")]
    StaleGeneration,
    /// The remote end-of-candidates was already received (RFC 8838 §14: ignore later ones).
    #[error("candidate after end-of-candidates")]
    AfterEndOfCandidates,
    /// `max_remote_candidates` (or the pending mDNS limit) reached.
    #[error("too many remote candidates")]
    TooManyCandidates,

    // ---- local addresses ----
    /// `max_local_candidates` reached.
    #[error("too many local candidates")]
    TooManyLocalCandidates,
    /// An unspecified (0.0.0.0/::) or port-0 address cannot be a host candidate: pass the
    /// concrete address the socket is bound to.
    #[error("a host candidate needs a concrete address and port")]
    InvalidHostAddress,

    // ---- sending ----
    /// No selected pair (yet, or consent was lost, RFC 7675 §5.1).
    #[error("no selected pair with consent to send")]
    NotConnected,
    /// The relayed pair's TURN client refused the data.
    #[error("TURN: {0}")]
    Turn(#[from] sansrtc_turn::Error),
    /// The agent is closed.
    #[error("the agent is closed")]
    Closed,
}
